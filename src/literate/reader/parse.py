"""Model output → lines with boxes, and Markdown; robust to whatever the model emits.

OCR output is ``<bbox><x_a><y_b><x_c><y_d></bbox>text`` per line, coordinates in pixels of
the *resized* image the processor made. Each page is scaled back with its own resized and
original sizes. Nothing here raises on malformed output: what is valid is kept, the rest is
counted in ``dropped``. Runaway repetition (a small model looping on a line) is trimmed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from literate.lines import Box, Line

_BOX = re.compile(r"<bbox>(.*?)</bbox>", re.S)
_COORD = re.compile(r"<([xy])_(\d+)>")
_STRAY = re.compile(r"</?bbox>|<[xy]_\d+>|<ocr>|<md>|</?image>|</?s>|<pad>|<unk>")


@dataclass
class Parsed:
    lines: list[Line]
    dropped: int


def parse_box(inner: str) -> tuple[int, int, int, int] | None:
    """``<x_a><y_b><x_c><y_d>`` → (a, b, c, d), or None unless exactly that shape."""
    coords = _COORD.findall(inner)
    if [axis for axis, _ in coords] != ["x", "y", "x", "y"] or _COORD.sub("", inner).strip():
        return None
    return tuple(int(v) for _, v in coords)  # type: ignore[return-value]


def scale_box(
    box: tuple[int, int, int, int], resized: tuple[int, int], original: tuple[int, int]
) -> Box | None:
    """Resized-image pixels → original pixels, clipped to the page; None if empty."""
    (rw, rh), (ow, oh) = resized, original
    sx, sy = ow / rw, oh / rh
    x0, y0, x1, y1 = box
    x0, x1 = (min(max(round(v * sx), 0), ow) for v in (x0, x1))
    y0, y1 = (min(max(round(v * sy), 0), oh) for v in (y0, y1))
    if x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1, y1)


def clean_text(text: str) -> tuple[str, int]:
    """Strip stray structural tokens from a line's text; count them."""
    cleaned, n = _STRAY.subn("", text)
    return " ".join(cleaned.split()), n


def parse_ocr(text: str, resized: tuple[int, int], original: tuple[int, int]) -> Parsed:
    """Decoded ``<ocr>`` output (prompt removed) → lines in original-page pixels."""
    lines: list[Line] = []
    dropped = 0
    pieces = text.split("<bbox>")
    if clean_text(pieces[0])[0]:
        dropped += 1  # text before any box: nowhere to put it
    for piece in pieces[1:]:
        if "</bbox>" not in piece:
            dropped += 1  # unclosed box (often the last piece of a cut-off output)
            continue
        inner, _, rest = piece.partition("</bbox>")
        coords = parse_box(inner)
        body, stray = clean_text(rest)
        dropped += stray
        box = scale_box(coords, resized, original) if coords else None
        if box is None or not body:
            dropped += 1
            continue
        lines.append(Line(body, box))
    kept = trim_repeats(lines)
    return Parsed(kept, dropped + len(lines) - len(kept))


def parse_markdown(text: str) -> tuple[str, int]:
    """Decoded ``<md>`` output → Markdown without structural tokens and runaway repeats;
    returns the text and the number of lines trimmed."""
    cleaned = _STRAY.sub("", text).strip()  # (a loop followed by blank space is a loop)
    rows = cleaned.split("\n")
    kept = trim_tail_loop(rows)
    return "\n".join(kept).strip(), len(rows) - len(kept)


def trim_repeats(lines: list[Line]) -> list[Line]:
    """Drop exact repeats of an earlier line (same text and box: a looping model, never a
    real page) and then any repeating tail."""
    seen: set[Line] = set()
    out = []
    for line in lines:
        if line not in seen:
            seen.add(line)
            out.append(line)
    return trim_tail_loop(out, key=lambda ln: ln.text)


def trim_tail_loop(items: list, key=lambda x: x, min_repeats: int = 3, max_period: int = 8) -> list:
    """If the list ends in ≥ ``min_repeats`` copies of a block of ≤ ``max_period`` items,
    keep one copy (the tail a model produces when it loops). Blank-only blocks count too."""
    keys = [key(x) for x in items]
    for period in range(1, max_period + 1):
        reps = 1
        while (reps + 1) * period <= len(keys) and keys[
            len(keys) - (reps + 1) * period : len(keys) - reps * period
        ] == keys[len(keys) - period :]:
            reps += 1
        if reps >= min_repeats and any(str(k).strip() for k in keys[len(keys) - period :]):
            return items[: len(items) - (reps - 1) * period]
    return items


def format_ocr(lines: list[tuple[str, tuple[int, int, int, int]]]) -> str:
    """The training target for ``<ocr>``: the inverse of ``parse_ocr`` (resized pixels)."""
    return "".join(f"<bbox><x_{a}><y_{b}><x_{c}><y_{d}></bbox>{t}\n" for t, (a, b, c, d) in lines)
