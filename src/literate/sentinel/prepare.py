"""Sentinel insertion: token ids + chunk lengths → model inputs with ``<SR>`` after each chunk.

Labels follow Hugging Face's convention (aligned with ``input_ids``; the model shifts them),
arranged so that no ``<SR>`` is ever a target and every original token is predicted from
the ordinary token before it, exactly as without sentinels:

    input:  a  b  c  <SR>  d  e  <SR>
    label:  a  b  c   d   -100 e  -100

HF compares the logits at position ``t`` with ``label[t + 1]``: ``c`` predicts ``d`` (the
label at the ``<SR>`` slot), the ``<SR>`` predicts nothing (``-100`` at ``d``'s slot), and
``d`` predicts ``e``. So the loss covers the same tokens as a model without sentinels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from literate.errors import BadValueError
from literate.sentinel.chunking import split_long
from literate.sentinel.config import SentinelConfig

IGNORE = -100


@dataclass
class SentinelBatch:
    input_ids: torch.Tensor  # [B, T] long
    labels: torch.Tensor  # [B, T] long, HF convention, -100 = no target
    position_ids: torch.Tensor  # [B, T] long
    chunk_ids: torch.Tensor  # [B, T] long, -1 on padding
    is_sentinel: torch.Tensor  # [B, T] bool
    valid: torch.Tensor  # [B, T] bool, False on padding

    def row(self, i: int = 0) -> tuple[torch.Tensor, ...]:
        """Sequence ``i`` without padding as ``(input_ids, labels, position_ids, chunk_ids,
        is_sentinel)``: the arguments of the streaming functions."""
        n = int(self.valid[i].sum())
        fields = (self.input_ids, self.labels, self.position_ids, self.chunk_ids, self.is_sentinel)
        return tuple(x[i, :n] for x in fields)


def plain_row(ids: Sequence[int]) -> tuple[torch.Tensor, ...]:
    """A sequence without sentinels in the same form as ``SentinelBatch.row``."""
    t = torch.tensor(list(ids), dtype=torch.long)
    return (
        t,
        t.clone(),
        torch.arange(len(t)),
        torch.zeros_like(t),
        torch.zeros_like(t, dtype=torch.bool),
    )


def _one(ids: Sequence[int], lengths: Sequence[int], sr_id: int, cfg: SentinelConfig) -> dict:
    if sum(lengths) != len(ids):
        raise BadValueError(f"chunk lengths sum to {sum(lengths)} but there are {len(ids)} tokens")
    if any(n < 0 for n in lengths):
        raise BadValueError("chunk lengths must be ≥ 0")
    if sr_id in ids:
        raise BadValueError("the text already contains the <SR> token")
    lengths = split_long(list(lengths), cfg.max_chunk_tokens)  # also drops empty chunks
    inp, lab, pos, chk, sen = [], [], [], [], []
    i, p = 0, 0
    for c, n in enumerate(lengths):
        for j in range(n):
            inp.append(ids[i])
            # the first token of a later chunk is predicted from the <SR> slot's label
            lab.append(IGNORE if (j == 0 and c > 0) else ids[i])
            pos.append(p)
            chk.append(c)
            sen.append(False)
            i, p = i + 1, p + 1
        inp.append(sr_id)
        lab.append(ids[i] if i < len(ids) else IGNORE)  # what the chunk's last token predicts
        pos.append(p - 1 if cfg.sr_position == "shared" else p)
        if cfg.sr_position == "continue":
            p += 1
        chk.append(c)
        sen.append(True)
    return {
        "input_ids": inp,
        "labels": lab,
        "position_ids": pos,
        "chunk_ids": chk,
        "is_sentinel": sen,
    }


def prepare_sentinels(
    sequences: Sequence[Sequence[int]],
    chunk_lengths: Sequence[Sequence[int]],
    sr_id: int,
    config: SentinelConfig,
    pad_id: int = 0,
) -> SentinelBatch:
    """Insert ``<SR>`` after every chunk of every sequence and right-pad the batch."""
    if len(sequences) != len(chunk_lengths):
        raise BadValueError("one list of chunk lengths per sequence is needed")
    rows = [_one(s, c, sr_id, config) for s, c in zip(sequences, chunk_lengths, strict=True)]
    if not rows or not any(r["input_ids"] for r in rows):
        raise BadValueError("empty batch: no tokens to prepare")
    t = max(len(r["input_ids"]) for r in rows)
    fill = {
        "input_ids": pad_id,
        "labels": IGNORE,
        "position_ids": 0,
        "chunk_ids": -1,
        "is_sentinel": False,
    }

    def stack(key: str, dtype: torch.dtype) -> torch.Tensor:
        return torch.tensor([r[key] + [fill[key]] * (t - len(r[key])) for r in rows], dtype=dtype)

    valid = torch.tensor(
        [[True] * len(r["input_ids"]) + [False] * (t - len(r["input_ids"])) for r in rows]
    )
    return SentinelBatch(
        input_ids=stack("input_ids", torch.long),
        labels=stack("labels", torch.long),
        position_ids=stack("position_ids", torch.long),
        chunk_ids=stack("chunk_ids", torch.long),
        is_sentinel=stack("is_sentinel", torch.bool),
        valid=valid,
    )
