"""Training examples for sentinel LMs: documents → chunked token blocks.

Each document is chunked on its own plain tokenization (``chunk_text``) and ends with
``</s>``; the stream of all documents is cut into blocks of ``block_size`` original tokens,
chunks cut at block edges. An example is ``{"input_ids", "chunk_lengths"}``, which
``SentinelCollator`` turns into model inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

from transformers import PreTrainedTokenizerBase

from literate.data.corpora import TextDocument
from literate.errors import BadValueError
from literate.sentinel.chunking import chunk_text
from literate.sentinel.config import SentinelConfig


def chunked_stream(
    docs: Sequence[TextDocument], tokenizer: PreTrainedTokenizerBase, config: SentinelConfig
) -> tuple[list[int], list[int]]:
    ids: list[int] = []
    lengths: list[int] = []
    for doc in docs:
        d_ids, d_lengths = chunk_text(doc.text, tokenizer, config)
        ids += [*d_ids, tokenizer.eos_token_id]
        lengths += [*d_lengths[:-1], d_lengths[-1] + 1]  # </s> closes the last chunk
    return ids, lengths


def sentinel_blocks(
    docs: Sequence[TextDocument],
    tokenizer: PreTrainedTokenizerBase,
    config: SentinelConfig,
    block_size: int,
) -> list[dict[str, list[int]]]:
    """Blocks of ``block_size`` original tokens with their chunk lengths (tail dropped)."""
    ids, lengths = chunked_stream(docs, tokenizer, config)
    blocks, start = [], 0
    current: list[int] = []
    for n in lengths:
        while n > 0:
            take = min(n, block_size - sum(current))
            current.append(take)
            n -= take
            if sum(current) == block_size:
                blocks.append(
                    {"input_ids": ids[start : start + block_size], "chunk_lengths": current}
                )
                start += block_size
                current = []
    if not blocks:
        raise BadValueError(f"corpus has {len(ids)} tokens, fewer than one block of {block_size}")
    return blocks
