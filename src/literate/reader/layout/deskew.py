"""Deskew: estimate a page's skew from its ink, so it can be read upright.

Text lines make the ink's row profile peaky when the page is level and flat when it is
tilted; the skew is the angle whose rotated profile has the largest variance (a coarse
search, then a fine one around the best). Boxes read on the upright page map back to the
input's pixels with ``unrotate_box``.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from literate.lines import Box
from literate.reader.layout.segment import ink_mask


def _profile_score(ink: np.ndarray, degrees: float) -> float:
    """Variance of the row sums of ``ink`` after shearing it by ``degrees`` (a shear is a
    rotation's first-order effect on rows, and costs one index shift per column)."""
    h, w = ink.shape
    shift = np.round(np.arange(w) * math.tan(math.radians(degrees))).astype(int)
    ys, xs = np.nonzero(ink)
    rows = ys - shift[xs]
    rows = rows - rows.min() if rows.size else rows
    counts = np.bincount(rows) if rows.size else np.zeros(1)
    return float(np.var(counts))


def estimate_skew(image: Image.Image, max_degrees: float = 5.0, width: int = 1000) -> float:
    """The page's skew in degrees (positive: text rises to the right... as PIL rotates:
    ``image.rotate(-skew)`` levels it); 0.0 for a page without enough ink to tell."""
    small = image
    if image.width > width:
        small = image.resize((width, max(1, round(image.height * width / image.width))))
    ink = ink_mask(small)
    if ink.sum() < 200:
        return 0.0
    best, step = 0.0, 0.5
    grid = np.arange(-max_degrees, max_degrees + 1e-9, step)
    for _ in range(3):
        scores = [_profile_score(ink, a) for a in grid]
        best = float(grid[int(np.argmax(scores))])
        grid = np.arange(best - step, best + step + 1e-9, step / 5)
        step /= 5
    return -best


def level(image: Image.Image, skew: float) -> Image.Image:
    """The page rotated upright, same size, white where the rotation uncovers paper."""
    return image.rotate(-skew, resample=Image.BICUBIC, fillcolor="white")


def unrotate_box(box: Box, skew: float, size: tuple[int, int]) -> Box:
    """A box on the upright page, as the bounding box of its corners on the input page."""
    w, h = size
    cx, cy = w / 2, h / 2
    a = math.radians(skew)  # upright → input: rotate by +skew (counter-clockwise on screen)
    ca, sa = math.cos(a), math.sin(a)
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])):
        dx, dy = x - cx, y - cy
        xs.append(cx + dx * ca + dy * sa)
        ys.append(cy - dx * sa + dy * ca)
    return (
        max(0, math.floor(min(xs))),
        max(0, math.floor(min(ys))),
        min(w, math.ceil(max(xs))),
        min(h, math.ceil(max(ys))),
    )
