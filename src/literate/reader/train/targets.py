"""Training targets in the model's own coordinates.

Kosmos-2.5 writes boxes in pixels of the image *as the processor resized it*, so a target
must be built with the same resize: ``resized_size`` repeats the image processor's rule
(the largest grid of 16×16 patches, aspect ratio kept, within ``max_patches``).
"""

from __future__ import annotations

import math

from literate.lines import Line
from literate.reader.parse import format_ocr

PATCH = 16


def resized_size(width: int, height: int, max_patches: int, patch: int = PATCH) -> tuple[int, int]:
    """``(width, height)`` of the image the Kosmos-2.5 processor feeds the encoder."""
    scale = math.sqrt(max_patches * (patch / height) * (patch / width))
    rows = max(min(math.floor(scale * height / patch), max_patches), 1)
    cols = max(min(math.floor(scale * width / patch), max_patches), 1)
    return cols * patch, rows * patch


def ocr_target(
    lines: list[Line], size: tuple[int, int], max_patches: int, coordinate_bins: int | None = None
) -> str:
    """Lines in original pixels → ``<bbox>…</bbox>text`` lines in resized pixels (clamped
    to the coordinate vocabulary when ``coordinate_bins`` is given)."""
    rw, rh = resized_size(*size, max_patches)
    sx, sy = rw / size[0], rh / size[1]
    top = (coordinate_bins - 1) if coordinate_bins else None
    out = []
    for line in lines:
        x0, y0, x1, y1 = line.bbox
        box = [round(x0 * sx), round(y0 * sy), round(x1 * sx), round(y1 * sy)]
        if top is not None:
            box = [min(v, top) for v in box]
        if box[2] > box[0] and box[3] > box[1]:
            out.append((line.text, tuple(box)))
    return format_ocr(out)
