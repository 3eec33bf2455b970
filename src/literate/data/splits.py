"""Deterministic train/validation/test splits by document.

Each document falls into a split by a hash of its id (and the seed): its split depends on
nothing else, so a corpus that grows never moves a document from test into train, the
same ids split the same way on every machine, and no document can be in two splits.
Tiny corpora whose held-out buckets come out empty borrow from train so that each
held-out split has a document (only when there are at least three). A corpus of fewer than
three documents (one book, two files) is split by position instead: the head of each
document trains, the next stretch validates and the tail tests (80/10/10 of its characters,
cut at line ends), so a user's single text still has held-out text.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

from literate.data.text import TextDocument
from literate.errors import BadValueError

SPLITS = ("train", "validation", "test")
DEFAULT_FRACTIONS = (0.8, 0.1, 0.1)
MIN_DOCUMENTS = 3  # fewer documents are split by position (held-out tails)


def hash_unit(doc_id: str, seed: int) -> float:
    """A uniform number in [0, 1) from the id: the document's place on the split line (and,
    keyed further, its place in any other seeded order that must not depend on the rest)."""
    digest = hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_documents(
    docs: Sequence[TextDocument],
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
    seed: int = 0,
) -> dict[str, list[TextDocument]]:
    """Split documents into train/validation/test by a hash of their ids."""
    if len(fractions) != 3 or any(f < 0 for f in fractions) or not math.isclose(sum(fractions), 1):
        raise BadValueError(
            f"split fractions must be 3 non-negative numbers summing to 1: {fractions}"
        )
    ids = [d.id for d in docs]
    if len(set(ids)) != len(ids):
        raise BadValueError("document ids must be unique to split by document")
    if len(docs) < MIN_DOCUMENTS:
        return split_by_position(docs, fractions)
    train_cut, val_cut = fractions[0], fractions[0] + fractions[1]
    out: dict[str, list[TextDocument]] = {s: [] for s in SPLITS}
    for d in docs:
        u = hash_unit(d.id, seed)
        out["train" if u < train_cut else "validation" if u < val_cut else "test"].append(d)
    if len(docs) >= MIN_DOCUMENTS:
        bounds = {"validation": (train_cut, val_cut), "test": (val_cut, 1.0)}
        for split, (lo, hi) in bounds.items():
            donor = max(SPLITS, key=lambda k: len(out[k]))
            if hi > lo and not out[split] and len(out[donor]) > 1:
                # the donor's document nearest this split's stretch of the line moves over
                mid = (lo + hi) / 2
                doc = min(out[donor], key=lambda d: (abs(hash_unit(d.id, seed) - mid), d.id))
                out[donor].remove(doc)
                out[split].append(doc)
    return out


def split_by_position(
    docs: Sequence[TextDocument], fractions: tuple[float, float, float] = DEFAULT_FRACTIONS
) -> dict[str, list[TextDocument]]:
    """Each document cut in three by position: its first ``fractions[0]`` of characters
    train, the next ``fractions[1]`` validate, the rest test. Cuts fall at the next line end
    (else the next space) so no line is in two splits; the pieces' ids are ``<id>:<split>``
    (empty pieces are left out)."""
    out: dict[str, list[TextDocument]] = {s: [] for s in SPLITS}
    for d in docs:
        n = len(d.text)
        cuts = [0]
        for share in (fractions[0], fractions[0] + fractions[1]):
            cuts.append(max(cuts[-1], _cut(d.text, round(share * n))))
        cuts.append(n)
        for split, a, b in zip(SPLITS, cuts, cuts[1:], strict=False):
            if d.text[a:b].strip():
                out[split].append(TextDocument(f"{d.id}:{split}", d.text[a:b], d.source))
    return out


def _cut(text: str, at: int) -> int:
    """``at`` moved to just after the next line end; where that is far (a text of few, long
    lines), just after the next space; with neither, to the end (no word is cut)."""
    if at <= 0 or at >= len(text):
        return max(0, min(at, len(text)))
    line_end, space = text.find("\n", at), text.find(" ", at)
    if line_end != -1 and (line_end - at <= max(200, len(text) // 50) or space == -1):
        return line_end + 1
    return space + 1 if space != -1 else len(text)


def get_split(docs: Sequence[TextDocument], split: str, seed: int = 0) -> list[TextDocument]:
    if split not in SPLITS:
        raise BadValueError(f"unknown split {split!r}: use one of {', '.join(SPLITS)}")
    return split_documents(docs, seed=seed)[split]
