"""Language-model data: documents → token ids → fixed-length blocks.

Documents are tokenized as ``<s> text`` and joined with ``</s>``, then the stream is cut
into blocks of ``block_size`` tokens (the last partial block is dropped). The order of the
documents is the corpus order, so the blocks are the same on every run.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch.utils.data import Dataset
from transformers import PreTrainedTokenizerBase

from literate.data.corpora import TextDocument
from literate.errors import BadValueError


def token_stream(docs: Sequence[TextDocument], tokenizer: PreTrainedTokenizerBase) -> torch.Tensor:
    """All documents as one 1-D tensor of ids: ``<s> doc </s> <s> doc </s> ...``."""
    encoded = tokenizer([d.text for d in docs], add_special_tokens=True)["input_ids"]
    eos = tokenizer.eos_token_id
    ids = [i for seq in encoded for i in (*seq, eos)]
    return torch.tensor(ids, dtype=torch.long)


class BlockDataset(Dataset):
    """Non-overlapping blocks of ``block_size`` tokens; labels are the inputs (HF shifts)."""

    def __init__(self, ids: torch.Tensor, block_size: int):
        if block_size < 2:
            raise BadValueError(f"block size must be at least 2, got {block_size}")
        n = ids.numel() // block_size
        if n == 0:
            raise BadValueError(
                f"corpus has {ids.numel()} tokens, fewer than one block of {block_size}"
            )
        self.blocks = ids[: n * block_size].view(n, block_size)

    def __len__(self) -> int:
        return self.blocks.shape[0]

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        block = self.blocks[i]
        return {"input_ids": block, "labels": block.clone()}

    @property
    def n_tokens(self) -> int:
        return self.blocks.numel()
