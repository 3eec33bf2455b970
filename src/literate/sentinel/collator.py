"""A ``transformers.Trainer`` data collator for sentinel training.

Each example is ``{"input_ids": [...], "chunk_lengths": [...]}`` (from ``chunk_text``); the
collator inserts ``<SR>``, pads, and returns the labels, position ids and the additive 4D
attention mask the model needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from literate.sentinel.config import SentinelConfig
from literate.sentinel.mask import build_attention_mask
from literate.sentinel.prepare import prepare_sentinels


@dataclass
class SentinelCollator:
    sr_id: int
    config: SentinelConfig
    pad_id: int = 0
    dtype: torch.dtype = torch.float32

    def __call__(self, examples: list[dict]) -> dict[str, torch.Tensor]:
        batch = prepare_sentinels(
            [e["input_ids"] for e in examples],
            [e["chunk_lengths"] for e in examples],
            self.sr_id,
            self.config,
            self.pad_id,
        )
        mask = build_attention_mask(
            batch.chunk_ids, batch.is_sentinel, batch.valid, self.config, self.dtype
        )
        return {
            "input_ids": batch.input_ids,
            "labels": batch.labels,
            "position_ids": batch.position_ids,
            "attention_mask": mask,
        }
