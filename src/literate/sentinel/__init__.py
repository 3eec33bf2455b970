"""Sentinel tokens ("Taking a Deep Breath", Luo et al., 2024): chunking, ``<SR>`` insertion,
attention masks, and streaming with a bounded KV cache (policies full, window, sinks,
sentinel). Model preparation and a Trainer collator are here; the CLI is ``train lm --sentinel``,
``eval lm --policy`` and ``bench sentinel``."""

from literate.sentinel.collator import SentinelCollator
from literate.sentinel.config import SentinelConfig
from literate.sentinel.mask import build_attention_mask, build_block_mask
from literate.sentinel.model import check_mask_support, ensure_sr_token
from literate.sentinel.prepare import SentinelBatch, prepare_sentinels
from literate.sentinel.stream import Policy, SentinelStream, masked_logits, stream_logits

__all__ = [
    "Policy",
    "SentinelBatch",
    "SentinelCollator",
    "SentinelConfig",
    "SentinelStream",
    "build_attention_mask",
    "build_block_mask",
    "check_mask_support",
    "ensure_sr_token",
    "masked_logits",
    "prepare_sentinels",
    "stream_logits",
]
