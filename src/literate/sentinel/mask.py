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


def sentinel_visible(
    q_chunk: torch.Tensor,
    q_sentinel: torch.Tensor,
    k_chunk: torch.Tensor,
    k_sentinel: torch.Tensor,
    k_ordinal: torch.Tensor,
    causal: torch.Tensor,
    config: SentinelConfig,
) -> torch.Tensor:
    """The rule for queries ``[..., Q, 1]`` against keys ``[..., 1, K]`` (broadcasting);
    ``k_ordinal`` is a key's index among ordinary tokens (for the sinks). The mask and the
    streaming cache both use this one function, so they cannot disagree."""
    own_chunk = causal & (k_chunk == q_chunk)
    if config.mode == "paper":
        ordinary = causal
    else:
        local = ~k_sentinel & (k_chunk >= q_chunk - config.local_chunks)
        summaries = k_sentinel & (k_chunk < q_chunk)
        if config.max_sentinels is not None:
            summaries = summaries & (k_chunk >= q_chunk - config.max_sentinels)
        sinks = ~k_sentinel & (k_ordinal < config.sink_tokens)
        ordinary = causal & (local | summaries | sinks)
    return torch.where(q_sentinel, own_chunk, ordinary)


def ordinals(is_sentinel: torch.Tensor) -> torch.Tensor:
    """Each token's index among the ordinary tokens of its row."""
    return torch.cumsum((~is_sentinel).long(), dim=-1) - 1


def allowed_pairs(
    chunk_ids: torch.Tensor, is_sentinel: torch.Tensor, valid: torch.Tensor, config: SentinelConfig
) -> torch.Tensor:
    """Boolean [B, T, T]: may query ``q`` (dim 1) attend to key ``k`` (dim 2)."""
    t = chunk_ids.shape[1]
    idx = torch.arange(t, device=chunk_ids.device)
    causal = idx[None, :, None] >= idx[None, None, :]
    allowed = sentinel_visible(
        chunk_ids[:, :, None],
        is_sentinel[:, :, None],
        chunk_ids[:, None, :],
        is_sentinel[:, None, :],
        ordinals(is_sentinel)[:, None, :],
        causal,
        config,
    )
    allowed = allowed & valid[:, None, :] & valid[:, :, None]
    # padding queries attend to themselves only, so no row is empty (no NaN in softmax)
    return allowed | (~valid[:, :, None] & torch.eye(t, dtype=torch.bool, device=idx.device))


def additive(allowed: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Boolean allowed-pairs → additive float mask (0 = attend, dtype min = masked)."""
    mask = torch.zeros(allowed.shape, dtype=dtype, device=allowed.device)
    return mask.masked_fill_(~allowed, torch.finfo(dtype).min)


def build_attention_mask(
    chunk_ids: torch.Tensor,
    is_sentinel: torch.Tensor,
    valid: torch.Tensor,
    config: SentinelConfig,
    dtype: torch.dtype = torch.float32,
    block_rows: int = 256,
) -> torch.Tensor:
    """The additive float mask [B, 1, T, T] for ``model(..., attention_mask=mask)``.

    Equal to ``additive(allowed_pairs(...))`` but without [T, T] boolean temporaries, which
    made an 8k mask cost a quarter of a forward pass. With chunk ids non-decreasing along a
    row (as ``prepare_sentinels`` makes them), every ordinary, non-sink key is visible to
    query ``q`` exactly on a band ``lo[q] ≤ k ≤ q``: ``lo`` is the start of the oldest local
    chunk (bounded), of the own chunk (an ``<SR>`` query) or 0 (paper). The band is filled
    in row blocks, restricted to the columns the block's band can reach; the few remaining
    columns (``<SR>`` keys, sinks, padding) are computed with the general rule
    ``sentinel_visible``. Rows with other chunk orders fall back to ``allowed_pairs``.
    """
    b, t = chunk_ids.shape
    dev = chunk_ids.device
    # non-decreasing chunk ids over the valid tokens of each row?
    running = torch.where(valid, chunk_ids, torch.full_like(chunk_ids, -(2**62))).cummax(-1).values
    if not bool(((running == chunk_ids) | ~valid).all()):
        return additive(allowed_pairs(chunk_ids, is_sentinel, valid, config), dtype)[:, None]
    idx = torch.arange(t, device=dev)

    def start(chunk: torch.Tensor) -> torch.Tensor:  # first position whose chunk id ≥ chunk
        return torch.searchsorted(running.contiguous(), chunk.contiguous(), side="left")

    own = start(chunk_ids)
    if config.mode == "paper":
        lo = torch.zeros_like(chunk_ids)
    else:
        lo = start(chunk_ids - config.local_chunks)
    lo = torch.where(is_sentinel, own, lo)
    lo = torch.where(valid, lo, idx + 1)  # padding queries: nothing on the band

    mask = torch.full((b, 1, t, t), torch.finfo(dtype).min, dtype=dtype, device=dev)
    for r0 in range(0, t, block_rows):
        r1 = min(t, r0 + block_rows)
        c0 = int(lo[:, r0:r1].min().clamp(max=r1 - 1))
        q = idx[r0:r1, None]
        k = idx[None, c0:r1]
        band = (k >= lo[:, r0:r1, None]) & (k <= q)
        mask[:, 0, r0:r1, c0:r1].masked_fill_(band, 0.0)

    # the columns the band does not describe, with the general rule
    special = is_sentinel | ~valid
    ordinal = ordinals(is_sentinel)
    if config.mode == "bounded" and config.sink_tokens > 0:
        special = special | (ordinal < config.sink_tokens)
    cols = special.any(0).nonzero().flatten()
    if len(cols):
        allowed = sentinel_visible(
            chunk_ids[:, :, None],
            is_sentinel[:, :, None],
            chunk_ids[:, None, cols],
            is_sentinel[:, None, cols],
            ordinal[:, None, cols],
            idx[None, :, None] >= cols[None, None, :],
            config,
        )
        allowed = allowed & valid[:, None, cols] & valid[:, :, None]
        allowed = allowed | (~valid[:, :, None] & (idx[None, :, None] == cols[None, None, :]))
        mask[:, 0].index_copy_(2, cols, additive(allowed, dtype))
    return mask


def build_block_mask(
    chunk_ids: torch.Tensor, is_sentinel: torch.Tensor, valid: torch.Tensor, config: SentinelConfig
):
    """The same rule as a FlexAttention ``BlockMask`` (for ``flex_attention`` on GPU, where
    it skips fully masked blocks instead of materialising a [T, T] mask per sequence)."""
    from torch.nn.attention.flex_attention import create_block_mask

    ordinal = ordinals(is_sentinel)

    def mask_mod(b, h, q, k):
        allowed = sentinel_visible(
            chunk_ids[b, q],
            is_sentinel[b, q],
            chunk_ids[b, k],
            is_sentinel[b, k],
            ordinal[b, k],
            k <= q,
            config,
        )
        return (allowed & valid[b, k] & valid[b, q]) | (~valid[b, q] & (q == k))

    b, t = chunk_ids.shape
    return create_block_mask(mask_mod, b, None, t, t, device=chunk_ids.device)
