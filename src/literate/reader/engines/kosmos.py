"""The Kosmos-2.5 engine: any ``Kosmos2_5ForConditionalGeneration`` checkpoint.

A hub id (``microsoft/kosmos-2.5``), a local directory in that layout, or ``"bundled"``.
Pages are batched per task; each page's boxes are scaled back with its own resized size.
Greedy decoding, with a stopping rule that ends a sequence once it loops.

Tiling, for a model whose patch budget is smaller than a page: ``tiling="strips"``
(``literate.reader.strips``) reads a page taller than one strip as overlapping full-width
strips whose height keeps the text at ``strip_scale`` (resized pixels per page pixel) and
merges the lines back into page coordinates; ``tiling="lines"`` (``literate.reader.segment``)
cuts the page at its white space into line pieces, reads each, and joins the pieces of a
line. The Markdown of a tiled page is built from its lines (paragraphs by line spacing,
headings by line height, as for Tesseract), since Markdown does not split at arbitrary
rows. A checkpoint may carry its defaults in ``literate_reader.json`` (the bundled reader
sets its tiling there); arguments override them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch
from PIL import Image
from transformers import StoppingCriteria, StoppingCriteriaList

from literate.errors import BadValueError, CheckpointError, LiterateError
from literate.lines import Line
from literate.reader.layout.markdown import Grid, markdown_from_page_lines
from literate.reader.layout.segment import (
    PIECE_WIDTH,
    ink_and_rules,
    join_pieces,
    ruled_grids,
    segment_page,
)
from literate.reader.layout.strips import (
    merge_strip_lines,
    offset_lines,
    plan_strips,
    strip_height_for,
)
from literate.reader.model.prompts import PROMPTS
from literate.reader.page import Page
from literate.reader.parse import parse_markdown, parse_ocr, trim_tail_loop

DEFAULTS_FILE = "literate_reader.json"  # per-checkpoint engine defaults (tiling, patches)
TILINGS = ("whole", "strips", "lines")
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


class LoopStop(StoppingCriteria):
    """Stop a sequence whose last lines repeat (≥ ``repeats`` copies of a block of ≤ 8
    lines); checked every ``every`` tokens on the last ``window`` tokens."""

    def __init__(
        self, tokenizer, prompt_len: int, every: int = 32, window: int = 768, repeats: int = 4
    ):
        self.tok, self.prompt_len = tokenizer, prompt_len
        self.every, self.window, self.repeats = every, window, repeats

    def __call__(self, input_ids: torch.LongTensor, scores, **kwargs) -> torch.BoolTensor:
        done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        new = input_ids.shape[1] - self.prompt_len
        if new == 0 or new % self.every:
            return done
        for i, seq in enumerate(
            input_ids[:, max(self.prompt_len, input_ids.shape[1] - self.window) :]
        ):
            text = self.tok.decode(seq, skip_special_tokens=True)
            rows = [r for r in text.replace("<bbox>", "\n").split("\n")[:-1] if r.strip()]
            done[i] = len(trim_tail_loop(rows, min_repeats=self.repeats)) < len(rows)
        return done


def resolve_device(device: str) -> torch.device:
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise BadValueError(f"--device {device}: no CUDA device here (use --device cpu)")
    if device == "mps" and not torch.backends.mps.is_available():
        raise BadValueError("--device mps: not available here (use --device cpu)")
    try:
        return torch.device(device)
    except RuntimeError:
        raise BadValueError(f"--device {device}: not a device (cpu, cuda, cuda:N, mps)") from None


class KosmosEngine:
    name = "kosmos"

    def __init__(
        self,
        model,
        processor,
        model_id: str,
        max_patches: int | None = None,
        batch_size: int = 4,
        max_new_tokens: int | None = None,
        tiling: str = "whole",
        strip_scale: float = 0.8,
        strip_overlap: float = 0.5,
        piece_width: float = PIECE_WIDTH,
        num_beams: int = 1,
    ):
        if tiling not in TILINGS:
            raise BadValueError(f"--tiling {tiling}: choose one of {', '.join(TILINGS)}")
        if not strip_scale > 0 or not 0 <= strip_overlap < 1:
            raise BadValueError("strips: need strip_scale > 0 and 0 ≤ strip_overlap < 1")
        if not piece_width > 0:
            raise BadValueError("lines: need piece_width > 0 (line heights)")
        if num_beams < 1:
            raise BadValueError(f"--num-beams {num_beams}: need at least 1")
        self.num_beams = num_beams
        self.model, self.processor = model.eval(), processor
        self.tiling, self.strip_scale, self.strip_overlap = tiling, strip_scale, strip_overlap
        self.piece_width = piece_width
        self.model_name = model_id  # recorded in every output
        self.max_patches = max_patches or processor.image_processor.max_patches
        self.batch_size = batch_size
        limit = model.config.text_config.max_position_embeddings
        prompt = processor.num_image_tokens + 8
        self.max_new_tokens = min(max_new_tokens or 4096, limit - prompt)

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str = "bundled",
        device: str = "cpu",
        dtype: str = "float32",
        **kwargs,
    ) -> KosmosEngine:
        from transformers import AutoProcessor, Kosmos2_5ForConditionalGeneration

        from literate.paths import resolve_reader

        for name in ("max_patches", "max_new_tokens", "batch_size", "num_beams"):
            if kwargs.get(name) is not None and kwargs[name] < 1:  # before the model loads
                raise BadValueError(f"--{name.replace('_', '-')} {kwargs[name]}: need at least 1")
        path = resolve_reader(name_or_path)
        if dtype not in DTYPES:
            raise BadValueError(f"--dtype {dtype}: choose one of {', '.join(DTYPES)}")
        dev = resolve_device(device)
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # one line per document is our progress
        try:
            processor = AutoProcessor.from_pretrained(path)
            model = Kosmos2_5ForConditionalGeneration.from_pretrained(
                path, dtype=DTYPES[dtype], attn_implementation="sdpa"
            )
        except (OSError, ValueError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise CheckpointError(
                f"cannot load Kosmos-2.5 model {name_or_path!r}: {first}"
            ) from None
        defaults_file = Path(path) / DEFAULTS_FILE
        defaults = json.loads(defaults_file.read_text()) if defaults_file.is_file() else {}
        if "strips" in defaults:  # written before tiling had more than one kind
            defaults.setdefault("tiling", "strips" if defaults.pop("strips") else "whole")
        kwargs = {**defaults, **{k: v for k, v in kwargs.items() if v is not None}}
        return cls(model.to(dev), processor, name_or_path, **kwargs)

    @torch.no_grad()
    def generate(
        self, images: list[Image.Image], task: str
    ) -> tuple[list[str], list[tuple[int, int]]]:
        """Decoded answers (prompt removed, special tokens skipped) and each image's
        resized ``(width, height)`` as the processor made it."""
        inputs = self.processor(
            text=[PROMPTS[task]] * len(images),
            images=images,
            return_tensors="pt",
            max_patches=self.max_patches,
        )
        heights, widths = inputs.pop("height"), inputs.pop("width")
        dev = self.model.device
        inputs = {k: v.to(dev) for k, v in inputs.items()}
        inputs["flattened_patches"] = inputs["flattened_patches"].to(self.model.dtype)
        prompt_len = inputs["input_ids"].shape[1]
        out = self.model.generate(
            **inputs,
            max_new_tokens=self.max_new_tokens,
            do_sample=False,
            num_beams=self.num_beams,
            stopping_criteria=StoppingCriteriaList(
                [LoopStop(self.processor.tokenizer, prompt_len)]
            ),
            pad_token_id=self.processor.tokenizer.pad_token_id,
        )
        texts = self.processor.tokenizer.batch_decode(out[:, prompt_len:], skip_special_tokens=True)
        sizes = [(int(w), int(h)) for w, h in zip(widths.tolist(), heights.tolist(), strict=True)]
        return texts, sizes

    def _generate_fitting(self, images: list[Image.Image], task: str):
        """``generate``, halving the batch when it does not fit in device memory."""
        try:
            return self.generate(images, task)
        except torch.OutOfMemoryError:
            if len(images) == 1:
                raise LiterateError(
                    "out of memory on a single page: lower --max-patches or use --dtype bfloat16"
                ) from None
            half = len(images) // 2
            a_texts, a_sizes = self._generate_fitting(images[:half], task)
            b_texts, b_sizes = self._generate_fitting(images[half:], task)
            return a_texts + b_texts, a_sizes + b_sizes

    def read(self, images: list[Image.Image], task: str) -> list[Page]:
        if self.tiling == "strips":
            return self.read_in_strips(images, task)
        if self.tiling == "lines":
            return self.read_in_lines(images, task)
        return self.read_whole(images, task)

    def read_in_strips(self, images: list[Image.Image], task: str) -> list[Page]:
        """Every page as strips, the strips of all pages batched together."""
        plans, crops = [], []
        for im in images:
            height = strip_height_for(im.width, self.max_patches, self.strip_scale)
            plan = plan_strips(im.height, height, int(height * self.strip_overlap))
            plans.append(plan)
            crops += [im.crop((0, s.top, im.width, s.bottom)) for s in plan]
        read = iter(self.read_whole(crops, "ocr"))
        pages = []
        for n, (im, plan) in enumerate(zip(images, plans, strict=True), 1):
            own = [next(read) for _ in plan]
            lines = merge_strip_lines(
                plan, [offset_lines(p.lines, s.top) for s, p in zip(plan, own, strict=True)]
            )
            pages.append(tiled_page(n, im, lines, task, sum(p.dropped for p in own)))
        return pages

    def read_in_lines(self, images: list[Image.Image], task: str) -> list[Page]:
        """Every page cut into line pieces at its white space, the pieces of all pages
        batched together (widest first, so a batch pads little)."""
        plans, crops, grids = [], [], []
        for im in images:
            ink, rules = ink_and_rules(im)
            plan = segment_page(ink, max_width=self.piece_width, rules=rules)
            plans.append(plan)
            grids.append(ruled_grids(rules) if task != "ocr" else [])  # for Markdown
            crops += [im.crop(p.box) for p in plan]
        order = sorted(range(len(crops)), key=lambda i: -crops[i].width / crops[i].height)
        read_sorted = self.read_whole([crops[i] for i in order], "ocr")
        read: list = [None] * len(crops)
        for i, page in zip(order, read_sorted, strict=True):
            read[i] = page
        pages, at = [], 0
        for n, (im, plan) in enumerate(zip(images, plans, strict=True), 1):
            own = read[at : at + len(plan)]
            at += len(plan)
            lines = join_pieces(plan, [p.lines for p in own])
            dropped = sum(p.dropped for p in own)
            pages.append(tiled_page(n, im, lines, task, dropped, grids[n - 1]))
        return pages

    def read_whole(self, images: list[Image.Image], task: str) -> list[Page]:
        pages = [Page(page=i, width=im.width, height=im.height) for i, im in enumerate(images, 1)]
        for t in ("ocr", "md") if task == "both" else (task,):
            for start in range(0, len(images), self.batch_size):
                batch = images[start : start + self.batch_size]
                texts, sizes = self._generate_fitting(batch, t)
                for page, im, text, size in zip(pages[start:], batch, texts, sizes, strict=False):
                    if t == "ocr":
                        parsed = parse_ocr(text, size, im.size)
                        page.lines, page.dropped = parsed.lines, page.dropped + parsed.dropped
                    else:
                        page.markdown, trimmed = parse_markdown(text)
                        page.dropped += trimmed
        return pages


def tiled_page(
    n: int,
    image: Image.Image,
    lines: list[Line],
    task: str,
    dropped: int,
    grids: Sequence[Grid] = (),
) -> Page:
    page = Page(n, image.width, image.height, dropped=dropped)
    if task != "md":
        page.lines = lines
    if task != "ocr":
        page.markdown = markdown_from_page_lines(lines, grids=grids)
    return page
