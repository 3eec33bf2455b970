"""Chunk boundaries over token ids.

The text is tokenized once, as a model without sentinels would see it, and chunks are runs
of those tokens: so the original tokens, and the perplexity over them, are the same with
and without sentinels. A token belongs to the chunk in which its first character lies.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from transformers import PreTrainedTokenizerBase

from literate.errors import BadValueError
from literate.sentinel.config import SentinelConfig

# A sentence ends at . ! ? or … (plus closing quotes/brackets) followed by whitespace, or at a
# blank line (headings, list items and verse lines without final punctuation).
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)|\n\s*\n")
_LINE_END = re.compile(r"\n")


def boundary_chars(text: str, chunking: str) -> list[int]:
    """Character offsets at which a new chunk starts (sorted, without 0)."""
    if chunking == "fixed":
        return []
    pattern = _SENTENCE_END if chunking == "sentence" else _LINE_END
    out, prev = [], 0
    for end in sorted({m.end() for m in pattern.finditer(text) if 0 < m.end() < len(text)}):
        if text[prev:end].strip():  # a stretch of whitespace alone makes no chunk
            out.append(end)
            prev = end
    return out


def split_long(lengths: list[int], max_len: int) -> list[int]:
    """Cut every chunk length above ``max_len`` into pieces of at most ``max_len``."""
    out = []
    for n in lengths:
        while n > max_len:
            out.append(max_len)
            n -= max_len
        if n > 0:
            out.append(n)
    return out


def chunk_text(
    text: str, tokenizer: PreTrainedTokenizerBase, config: SentinelConfig, add_bos: bool = True
) -> tuple[list[int], list[int]]:
    """Token ids of ``text`` (``<s>`` first when ``add_bos``) and the length of each chunk."""
    if not text.strip():
        raise BadValueError("empty text: nothing to chunk")
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = list(enc["input_ids"]), enc["offset_mapping"]
    starts = boundary_chars(text, config.chunking)
    chunk_of = [bisect_right(starts, start) for start, _ in offsets]
    lengths: list[int] = []
    for i, c in enumerate(chunk_of):
        if i == 0 or c != chunk_of[i - 1]:
            lengths.append(0)
        lengths[-1] += 1
    if add_bos and tokenizer.bos_token_id is not None:
        ids = [tokenizer.bos_token_id, *ids]
        lengths[0] += 1
    return ids, split_long(lengths, config.max_chunk_tokens)
