"""Text documents and the small text helpers every corpus shares (a base layer: the corpus
modules import it, it imports none of them)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Common English function words; an English README has several percent of its words here.
_ENGLISH_WORDS = frozenset(
    (
        "the and to of a in is for that it with as be on this you are can by or an from if not"
        " use will which your we at"
    ).split()
)
ENGLISH_MIN_SHARE = 0.12


@dataclass(frozen=True)
class TextDocument:
    """One document: the unit of splitting."""

    id: str
    text: str
    source: str


def _normalise(text: str) -> str:
    """Strip trailing spaces per line (Markdown hard breaks) and surrounding blank lines."""
    return "\n".join(line.rstrip() for line in text.splitlines()).strip() + "\n"


def english_share(text: str) -> float:
    """Share of words that are common English function words (a cheap language test)."""
    words = re.findall(r"[a-z]+", text.lower())
    if not words:
        return 0.0
    return sum(w in _ENGLISH_WORDS for w in words) / len(words)
