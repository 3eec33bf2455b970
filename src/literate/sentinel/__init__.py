"""Sentinel tokens ("Taking a Deep Breath", Luo et al., 2024): chunking, ``<SR>`` insertion,
attention masks, and streaming with a bounded KV cache (policies full, window, sinks,
sentinel). Model preparation, a Trainer collator and the ``train lm`` format are here; the
CLI is ``train lm --sentinel``, ``eval lm --policy`` and ``bench sentinel``."""

from literate.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(
    __name__,
    {
        "Policy": "literate.sentinel.stream",
        "SentinelBatch": "literate.sentinel.prepare",
        "SentinelCollator": "literate.sentinel.collator",
        "SentinelConfig": "literate.sentinel.config",
        "SentinelFormat": "literate.sentinel.training",
        "SentinelStream": "literate.sentinel.stream",
        "build_attention_mask": "literate.sentinel.mask",
        "build_block_mask": "literate.sentinel.mask",
        "check_mask_support": "literate.sentinel.model",
        "ensure_sr_token": "literate.sentinel.model",
        "masked_logits": "literate.sentinel.stream",
        "prepare_sentinels": "literate.sentinel.prepare",
        "stream_logits": "literate.sentinel.stream",
    },
)
