"""Flatten a scan's paper: divide the page by its own background, so grey or uneven paper, a
shadow at one edge and faint bleed-through become white and the ink keeps its contrast.

A scanner or a phone lights the page unevenly, and a global threshold (Otsu's, in
``segment.ink_mask``) then takes a shadowed edge for ink, so lines there are cut wrong and
a reader trained on white paper sees grey. The background is the page with its ink
removed: a grey-level closing (maximum then minimum filter) wider than any stroke, on a
reduced copy, smoothed and scaled back. Pages whose paper is already white everywhere are
returned as they are, so born-digital renders are read exactly as before. On 24 real
validation scans (``research/flatten_probe.py``) flattening raised Tesseract's mean page word
F1 and the bundled reader's; the figures are in ``research/results/flatten_probe.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter


@dataclass(frozen=True)
class FlattenConfig:
    reduce: int = 4  # the background is estimated on a copy this many times smaller
    window: int = 9  # closing window on the reduced copy (≈ 36 px of the page: wider than strokes)
    white_paper: int = 235  # a page whose background's 5th percentile is this light is left as is
    white: float = 0.9  # after dividing, this share of the paper's brightness and above is paper
    floor: float = 0.5  # the background is never taken darker than this share of its median


def background(grey: Image.Image, cfg: FlattenConfig = FlattenConfig()) -> np.ndarray:
    """The paper's brightness under every pixel (``H×W`` float, grey levels)."""
    w, h = grey.size
    r = max(1, min(cfg.reduce, w // 8, h // 8))
    small = grey.reduce(r) if r > 1 else grey
    closed = small.filter(ImageFilter.MaxFilter(cfg.window)).filter(
        ImageFilter.MinFilter(cfg.window)
    )
    smooth = closed.filter(ImageFilter.GaussianBlur(cfg.window / 2))
    return np.asarray(smooth.resize((w, h), Image.BILINEAR), dtype=np.float32)


def needs_flattening(bg: np.ndarray, cfg: FlattenConfig = FlattenConfig()) -> bool:
    return float(np.percentile(bg, 5)) < cfg.white_paper


def flatten(image: Image.Image, cfg: FlattenConfig = FlattenConfig()) -> Image.Image:
    """``image`` with white paper (RGB, same size); the image itself where its paper is
    white already."""
    grey = image.convert("L")
    bg = background(grey, cfg)
    if not needs_flattening(bg, cfg):
        return image
    # a dark block wider than the window (a figure, white-on-black text) is no paper: the
    # floor keeps it dark instead of dividing it up to white noise
    bg = np.maximum(bg, max(1.0, cfg.floor * float(np.median(bg))))
    px = np.asarray(grey, dtype=np.float32) / bg
    px = np.clip(px / cfg.white, 0.0, 1.0)
    return Image.fromarray((px * 255 + 0.5).astype(np.uint8)).convert("RGB")
