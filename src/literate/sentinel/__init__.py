"""Sentinel tokens ("Taking a Deep Breath", Luo et al., 2024): chunking, ``<SR>`` insertion
and attention masks. Streaming with a bounded KV cache is not built yet."""

from literate.sentinel.config import SentinelConfig
from literate.sentinel.mask import build_attention_mask
from literate.sentinel.prepare import SentinelBatch, prepare_sentinels

__all__ = ["SentinelBatch", "SentinelConfig", "build_attention_mask", "prepare_sentinels"]
