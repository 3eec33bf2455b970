"""Reading a page larger than the model's patch budget as overlapping horizontal strips.

A Kosmos-2.5 processor resizes every image to fit ``max_patches`` patches, so a tall page
read whole by a model with a small budget shrinks its text below what the model can read.
Instead the page is cut into full-width strips whose height keeps the text at the scale
the model was trained on; consecutive strips overlap by at least a line's height, so every
line lies whole inside some strip.

Merging (pure functions, tested on synthetic pages): every page row belongs to exactly
one strip's *core* (the window minus half of each overlap). Lines are taken in order of
preference — those whose centre lies in the core of the strip that read them first — and a
line is dropped when it overlaps a line already taken, so a line read twice in an overlap
is kept once, and a line missed by its own strip is still recovered from a neighbour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from literate.lines import Line

PATCH = 16


@dataclass(frozen=True)
class Strip:
    top: int  # window rows [top, bottom) of the page
    bottom: int
    core_top: int  # rows this strip is responsible for
    core_bottom: int


def strip_height_for(width: int, max_patches: int, scale: float) -> int:
    """Height of a full-width strip that the processor resizes by ``scale``
    (patches ≈ (w·s/16)·(h·s/16) = max_patches)."""
    return max(PATCH, math.floor(max_patches * PATCH * PATCH / (width * scale * scale)))


def plan_strips(height: int, strip_height: int, overlap: int) -> list[Strip]:
    """Windows of ``strip_height`` rows covering ``height`` with ``overlap`` rows shared by
    neighbours (the last window is aligned to the bottom edge)."""
    if strip_height <= 0 or not 0 <= overlap < strip_height:
        raise ValueError(f"need 0 ≤ overlap ({overlap}) < strip height ({strip_height})")
    if height <= strip_height:
        return [Strip(0, height, 0, height)]
    stride = strip_height - overlap
    n = math.ceil((height - strip_height) / stride) + 1
    tops = [min(i * stride, height - strip_height) for i in range(n)]
    strips = []
    for i, top in enumerate(tops):
        bottom = top + strip_height
        core_top = 0 if i == 0 else (top + tops[i - 1] + strip_height) // 2
        core_bottom = height if i == n - 1 else (tops[i + 1] + bottom) // 2
        strips.append(Strip(top, bottom, core_top, core_bottom))
    return strips


def _overlaps(a: Line, b: Line, threshold: float = 0.5) -> bool:
    """Same line read twice: they share ≥ ``threshold`` of the shorter one's height and
    of the narrower one's width."""
    ax0, ay0, ax1, ay1 = a.bbox
    bx0, by0, bx1, by1 = b.bbox
    dy = min(ay1, by1) - max(ay0, by0)
    dx = min(ax1, bx1) - max(ax0, bx0)
    if dy <= 0 or dx <= 0:
        return False
    return dy >= threshold * min(ay1 - ay0, by1 - by0) and dx >= threshold * min(
        ax1 - ax0, bx1 - bx0
    )


def merge_strip_lines(strips: list[Strip], lines_per_strip: list[list[Line]]) -> list[Line]:
    """Lines read in each strip (already in page coordinates) → each page line once, in
    reading order (top to bottom, then left to right)."""
    candidates = []
    for i, (strip, lines) in enumerate(zip(strips, lines_per_strip, strict=True)):
        for j, line in enumerate(lines):
            centre = (line.bbox[1] + line.bbox[3]) / 2
            outside = max(strip.core_top - centre, centre - strip.core_bottom, 0.0)
            candidates.append((outside, i, j, line))
    kept: list[Line] = []
    for _, _, _, line in sorted(candidates, key=lambda c: c[:3]):
        if not any(_overlaps(line, k) for k in kept):
            kept.append(line)
    return sorted(kept, key=lambda ln: (ln.bbox[1], ln.bbox[0]))


def offset_lines(lines: list[Line], top: int) -> list[Line]:
    """Strip coordinates → page coordinates."""
    return [
        Line(ln.text, (ln.bbox[0], ln.bbox[1] + top, ln.bbox[2], ln.bbox[3] + top)) for ln in lines
    ]


def lines_inside(lines: list[Line], top: int, bottom: int) -> list[Line]:
    """Lines wholly inside rows [top, bottom), in strip coordinates: a strip's training
    target (lines cut by its edges are left to the neighbouring strip)."""
    return [
        Line(ln.text, (ln.bbox[0], ln.bbox[1] - top, ln.bbox[2], ln.bbox[3] - top))
        for ln in lines
        if ln.bbox[1] >= top and ln.bbox[3] <= bottom
    ]
