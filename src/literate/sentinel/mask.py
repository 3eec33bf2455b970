"""The sentinel attention mask, vectorised: a 4D additive float mask [B, 1, T, T].

Additive float, not boolean: transformers' ``eager`` attention adds the mask to the scores,
so a boolean mask (True = attend) would be added as 1.0/0.0 and mask nothing, while
``sdpa`` reads the same boolean correctly. A float mask (0 = attend, dtype min = masked)
means the same thing to both.

Who sees whom (``k ≤ q`` always):
- an ``<SR>`` query: the tokens of its own chunk and itself;
- an ordinary query, ``paper`` mode: every earlier token;
- an ordinary query, ``bounded`` mode: ordinary tokens of its chunk and the previous
  ``local_chunks`` chunks, ``<SR>`` of earlier chunks (the last ``max_sentinels``), and the
  first ``sink_tokens`` ordinary tokens.
"""

from __future__ import annotations

import torch

from literate.sentinel.config import SentinelConfig


def allowed_pairs(
    chunk_ids: torch.Tensor, is_sentinel: torch.Tensor, valid: torch.Tensor, config: SentinelConfig
) -> torch.Tensor:
    """Boolean [B, T, T]: may query ``q`` (dim 1) attend to key ``k`` (dim 2)."""
    b, t = chunk_ids.shape
    idx = torch.arange(t, device=chunk_ids.device)
    causal = idx[None, :, None] >= idx[None, None, :]
    cq, ck = chunk_ids[:, :, None], chunk_ids[:, None, :]
    sq, sk = is_sentinel[:, :, None], is_sentinel[:, None, :]
    same_chunk = ck == cq
    if config.mode == "paper":
        ordinary = causal
    else:
        local = ~sk & (ck >= cq - config.local_chunks)
        summaries = sk & (ck < cq)
        if config.max_sentinels is not None:
            summaries = summaries & (ck >= cq - config.max_sentinels)
        ordinal = torch.cumsum((~is_sentinel).long(), dim=1) - 1  # index among ordinary tokens
        sinks = (~is_sentinel & (ordinal < config.sink_tokens))[:, None, :]
        ordinary = causal & (local | summaries | sinks)
    allowed = torch.where(sq, causal & same_chunk, ordinary) & valid[:, None, :]
    # padding queries attend to themselves only, so no row is empty (no NaN in softmax)
    return allowed | (~valid[:, :, None] & torch.eye(t, dtype=torch.bool, device=idx.device))


def build_attention_mask(
    chunk_ids: torch.Tensor,
    is_sentinel: torch.Tensor,
    valid: torch.Tensor,
    config: SentinelConfig,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """The additive float mask [B, 1, T, T] for ``model(..., attention_mask=mask)``."""
    allowed = allowed_pairs(chunk_ids, is_sentinel, valid, config)
    mask = torch.zeros(allowed.shape, dtype=dtype, device=allowed.device)
    mask.masked_fill_(~allowed, torch.finfo(dtype).min)
    return mask[:, None]
