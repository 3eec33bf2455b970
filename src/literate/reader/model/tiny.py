"""Build a Kosmos-2.5 reader of our own sizes, saved in the ``microsoft/kosmos-2.5`` layout
(model + processor directory), so tests load it through the same ``from_pretrained`` path
as the real checkpoint."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import (
    Kosmos2_5ForConditionalGeneration,
    Kosmos2_5ImageProcessorPil,
    Kosmos2_5Processor,
)

from literate.reader.model.config import SIZES, ReaderSize, reader_config
from literate.reader.model.tokenizer import build_char_tokenizer


def build_processor(
    size: str | ReaderSize = "tiny", coordinate_bins: int = 1024
) -> Kosmos2_5Processor:
    s = SIZES[size] if isinstance(size, str) else size
    return Kosmos2_5Processor(
        Kosmos2_5ImageProcessorPil(max_patches=s.max_patches),
        build_char_tokenizer(coordinate_bins),
        num_image_tokens=s.image_tokens,
    )


def build_reader(
    out_dir: str | Path | None = None,
    size: str | ReaderSize = "tiny",
    coordinate_bins: int = 1024,
    seed: int = 0,
) -> tuple[Kosmos2_5ForConditionalGeneration, Kosmos2_5Processor]:
    """A randomly initialised reader and its processor; saved to ``out_dir`` if given."""
    processor = build_processor(size, coordinate_bins)
    torch.manual_seed(seed)
    config = reader_config(size, len(processor.tokenizer))
    model = Kosmos2_5ForConditionalGeneration._from_config(config, attn_implementation="sdpa")
    if out_dir is not None:
        model.save_pretrained(out_dir)
        processor.save_pretrained(out_dir)
    return model.eval(), processor
