"""Text lines with boxes: the one shape every layer shares (the renderer's truth, the
engines' output, the metrics' input), so it lives below them all.

Boxes are integer pixels ``(x0, y0, x1, y1)`` of a page image, ``x0 < x1`` and ``y0 < y1``.
"""

from __future__ import annotations

from dataclasses import dataclass

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Line:
    text: str
    bbox: Box


def lines_from_json(payload: dict) -> list[Line]:
    """Lines of a ground-truth or output page dict."""
    return [Line(d["text"], tuple(int(v) for v in d["bbox"])) for d in payload.get("lines", [])]
