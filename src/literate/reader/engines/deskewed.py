"""Any OCR engine, reading each page upright: the page's skew is estimated from its ink
(``layout.deskew``), the page is levelled, read, and the boxes mapped back to the input's
pixels. Pages within ``min_degrees`` of level are read as they are."""

from __future__ import annotations

from PIL import Image

from literate.lines import Line
from literate.reader.layout.deskew import estimate_skew, level, unrotate_box
from literate.reader.page import Page


class Deskewed:
    def __init__(self, engine, min_degrees: float = 0.3, max_degrees: float = 5.0):
        self.engine, self.min_degrees, self.max_degrees = engine, min_degrees, max_degrees
        self.name, self.model_name = engine.name, engine.model_name
        self.batch_size = getattr(engine, "batch_size", 1)

    def __getattr__(self, name: str):
        """Everything else is the wrapped engine's (its processor, tiling, device…)."""
        return getattr(self.__dict__["engine"], name)

    def read(self, images: list[Image.Image], task: str) -> list[Page]:
        skews = [estimate_skew(im, self.max_degrees) for im in images]
        upright = [
            level(im, s) if abs(s) >= self.min_degrees else im
            for im, s in zip(images, skews, strict=True)
        ]
        pages = self.engine.read(upright, task)
        for page, image, skew in zip(pages, images, skews, strict=True):
            if abs(skew) < self.min_degrees:
                continue
            page.lines = [
                Line(ln.text, unrotate_box(ln.bbox, skew, image.size)) for ln in page.lines
            ]
            page.note = f"deskewed by {skew:+.1f}°"
        return pages
