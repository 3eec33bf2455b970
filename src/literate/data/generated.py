"""Markdown sources for the data engine: Shakespeare scenes, package READMEs, and generated
pages (tables, lists, forms, receipts, key–value pages, headings of several levels,
bold and italic), all deterministic in their ``random.Random``."""

from __future__ import annotations

import random
import re

from literate.data.text import TextDocument

KINDS = ("shakespeare", "readme", "table", "list", "form", "receipt", "keyvalue", "article")

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HTML = re.compile(r"<[^>]+>")
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,;:!?'’-]{0,19}")  # no Markdown syntax in a word


def _words(texts: list[str], rng: random.Random, n: int) -> list[str]:
    text = rng.choice(texts)
    words = [w for w in text.split() if _PLAIN.fullmatch(w)]
    at = rng.randrange(max(1, len(words) - n))
    return words[at : at + n] or ["text"]


def _title(texts, rng, lo=2, hi=5) -> str:
    return " ".join(_words(texts, rng, rng.randint(lo, hi))).capitalize()


def _emphasise(words: list[str], rng: random.Random) -> str:
    out = []
    for w in words:
        r = rng.random()
        out.append(f"**{w}**" if r < 0.04 else f"*{w}*" if r < 0.08 else w)
    return " ".join(out)


def shakespeare_scene(doc: TextDocument, rng: random.Random) -> str:
    """Consecutive blocks of a play from a random block on (speakers in bold, verse)."""
    blocks = [b for b in doc.text.split("\n\n") if b.strip()]
    at = rng.randrange(max(1, len(blocks) - 40))
    return "\n\n".join(blocks[at : at + 60])


def readme_page(doc: TextDocument, rng: random.Random) -> str:
    """A README from a random section on, without images, links' targets or raw HTML (the
    renderer is offline, and the truth must be what the page shows)."""
    text = _IMAGE.sub("", doc.text)
    text = _LINK.sub(r"\1", text)
    text = "\n".join(_HTML.sub("", row) for row in text.splitlines())
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
    heads = [i for i, b in enumerate(blocks) if b.lstrip().startswith("#")] or [0]
    at = rng.choice(heads)
    return "\n\n".join(blocks[at : at + 60])


def table_page(texts, rng) -> str:
    cols = rng.randint(2, 5)
    head = [_title(texts, rng, 1, 2) for _ in range(cols)]
    rows = []
    for _ in range(rng.randint(3, 14)):
        row = [" ".join(_words(texts, rng, rng.randint(1, 3)))]
        for _ in range(cols - 1):
            row.append(
                f"{rng.uniform(0, 9999):,.2f}" if rng.random() < 0.5 else _title(texts, rng, 1, 2)
            )
        rows.append(row)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * cols]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    intro = _emphasise(_words(texts, rng, rng.randint(10, 30)), rng)
    return f"# {_title(texts, rng)}\n\n{intro}\n\n" + "\n".join(lines)


def list_page(texts, rng) -> str:
    parts = [f"# {_title(texts, rng)}"]
    for _ in range(rng.randint(1, 3)):
        parts.append(f"## {_title(texts, rng)}")
        ordered = rng.random() < 0.4
        items = [f"{i}. " if ordered else "- " for i in range(1, rng.randint(3, 8) + 1)]
        parts.append(
            "\n".join(m + _emphasise(_words(texts, rng, rng.randint(2, 14)), rng) for m in items)
        )
    return "\n\n".join(parts)


def form_page(texts, rng) -> str:
    fields = [
        "Name", "Address", "City", "Date", "Phone", "Email", "Account", "Signature",
        "Reference", "Department", "Amount", "Notes",
    ]  # fmt: skip
    rng.shuffle(fields)
    parts = [f"# {_title(texts, rng)} form"]
    for f in fields[: rng.randint(4, 10)]:
        value = _title(texts, rng, 1, 4) if rng.random() < 0.7 else "_" * rng.randint(8, 20)
        parts.append(f"**{f}:** {value}")
    return "\n\n".join(parts)


def receipt_page(texts, rng) -> str:
    items = [
        (_title(texts, rng, 1, 3), rng.randint(1, 5), rng.uniform(0.5, 80))
        for _ in range(rng.randint(3, 12))
    ]
    rows = ["| Item | Qty | Price |", "|---|---|---|"]
    rows += [f"| {name} | {q} | {p:.2f} |" for name, q, p in items]
    total = sum(q * p for _, q, p in items)
    return (
        f"# {_title(texts, rng, 1, 3)}\n\n"
        f"{rng.randint(1, 999)} {_title(texts, rng, 1, 2)} Street\n\n"
        f"Receipt no. {rng.randint(10000, 99999)}\n\n"
        + "\n".join(rows)
        + f"\n\n**Total: {total:.2f}**"
    )


def keyvalue_page(texts, rng) -> str:
    parts = [f"## {_title(texts, rng)}"]
    for _ in range(rng.randint(5, 14)):
        value = (
            f"{rng.randint(0, 99999)}"
            if rng.random() < 0.3
            else " ".join(_words(texts, rng, rng.randint(1, 6)))
        )
        parts.append(f"{_title(texts, rng, 1, 2)}: {value}")
    return "\n\n".join(parts)


def article_page(texts, rng) -> str:
    parts = [f"# {_title(texts, rng)}"]
    for level in (2, 3, 2, 3, 4):
        if rng.random() < 0.6:
            parts.append("#" * level + " " + _title(texts, rng))
        for _ in range(rng.randint(1, 2)):
            parts.append(_emphasise(_words(texts, rng, rng.randint(20, 70)), rng))
    return "\n\n".join(parts)


GENERATED = {
    "table": table_page,
    "list": list_page,
    "form": form_page,
    "receipt": receipt_page,
    "keyvalue": keyvalue_page,
    "article": article_page,
}


def sample_source(
    rng: random.Random, plays: list[TextDocument], readmes: list[TextDocument]
) -> tuple[str, str, str]:
    """``(kind, source id, markdown)`` for one page."""
    kinds = [k for k in KINDS if (k != "readme" or readmes) and (k != "shakespeare" or plays)]
    kind = rng.choice(kinds)
    texts = [d.text for d in plays + readmes]
    if kind == "shakespeare":
        doc = rng.choice(plays)
        return kind, f"shakespeare:{doc.id}", shakespeare_scene(doc, rng)
    if kind == "readme":
        doc = rng.choice(readmes)
        return kind, f"readmes:{doc.id}", readme_page(doc, rng)
    return kind, f"generated:{kind}", GENERATED[kind](texts, rng)
