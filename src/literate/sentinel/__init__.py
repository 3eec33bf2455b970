"""Sentinel tokens ("Taking a Deep Breath", Luo et al., 2024): chunking, ``<SR>`` insertion,
attention masks, and streaming with a bounded KV cache (policies full, window, sinks,
sentinel). Sentinel training and the CLI are not built yet."""

from literate.sentinel.config import SentinelConfig
from literate.sentinel.mask import build_attention_mask
from literate.sentinel.prepare import SentinelBatch, prepare_sentinels
from literate.sentinel.stream import Policy, masked_logits, stream_logits

__all__ = [
    "Policy",
    "SentinelBatch",
    "SentinelConfig",
    "build_attention_mask",
    "masked_logits",
    "prepare_sentinels",
    "stream_logits",
]
