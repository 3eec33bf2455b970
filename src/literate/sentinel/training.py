"""Training an LM with ``<SR>`` sentinel tokens: the ``BlockFormat`` that ``train lm`` takes
(blocks with sentinels inserted, the sentinel collator with its attention masks), so the
LM layer trains sentinel models without importing this package."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from literate.data.corpora import TextDocument
from literate.sentinel.collator import SentinelCollator
from literate.sentinel.config import SentinelConfig
from literate.sentinel.data import sentinel_blocks
from literate.sentinel.model import check_mask_support, ensure_sr_token


@dataclass
class SentinelFormat:
    """``<SR>`` after every chunk; the collator builds each batch's sentinel mask."""

    config: SentinelConfig
    name: str = "sentinel"

    def settings(self) -> dict:
        return asdict(self.config)

    def blocks(self, docs: list[TextDocument], tok, block_size: int) -> list:
        return sentinel_blocks(docs, tok, self.config, block_size)

    def collator(self, model, tok) -> SentinelCollator:
        sr_id = ensure_sr_token(model, tok, self.config.sr_token)
        check_mask_support(model)
        return SentinelCollator(sr_id, self.config, pad_id=tok.pad_token_id or 0)
