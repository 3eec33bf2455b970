"""``--engine pdf``: a born-digital PDF page read from its own text layer, exactly.

The layer (``literate.data.pdftext``: lines and words with boxes at the page's dpi) is
trusted only where it says what the ink says: ``layer_problem`` names why a page's layer is
unusable (no text; glyphs without a Unicode mapping; text covering only part of the ink;
text where there is no ink). An invisible layer (text render mode 3: an OCR layer someone
added) is usable only after ``auto`` checks it against its own OCR (``engines/auto.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from literate.data.pdftext import TextLayer
from literate.reader.layout.markdown import markdown_from_page_lines
from literate.reader.layout.segment import ink_and_rules, ruled_grids
from literate.reader.page import Page

READ_BY = "text-layer"


@dataclass(frozen=True)
class LayerChecks:
    """When a text layer is trusted (chosen on rendered and real pages: see docs/reader.md)."""

    max_unmapped: float = 0.05  # share of characters without a Unicode meaning
    min_ink_covered: float = 0.35  # share of the page's ink inside (padded) text boxes
    min_lines_on_ink: float = 0.8  # share of text lines with ink under them
    line_ink: float = 0.02  # ink share of a box that counts as "ink under it"


def layer_problem(layer: TextLayer | None, image: Image.Image, checks=LayerChecks()) -> str | None:
    """Why ``layer`` cannot be trusted for ``image`` (one phrase), or None if it can."""
    if layer is None or not layer.lines:
        return "no text layer"
    unmapped = layer.unmapped_share()
    if unmapped > checks.max_unmapped:
        return f"{unmapped:.0%} of its characters have no Unicode mapping"
    if image.size != (layer.width, layer.height):
        layer = layer.scaled(*image.size)
    ink = ink_and_rules(image)[0]
    total = int(ink.sum())
    if total == 0:
        return "text layer over a page without ink"
    covered = np.zeros_like(ink)
    on_ink = 0
    for line in layer.lines:
        x0, y0, x1, y1 = line.bbox
        pad = max(2, (y1 - y0) // 3)
        covered[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad] = True
        on_ink += ink[y0:y1, x0:x1].mean() >= checks.line_ink if y1 > y0 and x1 > x0 else 0
    share_covered = float((ink & covered).sum()) / total
    if share_covered < checks.min_ink_covered:
        return f"its text covers only {share_covered:.0%} of the page's ink"
    share_on_ink = on_ink / len(layer.lines)
    if share_on_ink < checks.min_lines_on_ink:
        return f"{1 - share_on_ink:.0%} of its lines lie where the page has no ink"
    return None


def page_from_layer(layer: TextLayer, image: Image.Image, task: str) -> Page:
    """The page as the text layer gives it: lines with boxes, Markdown through the layout
    rules every tiled engine uses (ruled tables from the image)."""
    if image.size != (layer.width, layer.height):
        layer = layer.scaled(*image.size)
    page = Page(0, image.width, image.height, read_by=READ_BY)
    if task != "md":
        page.lines = list(layer.lines)
    if task != "ocr":
        grids = ruled_grids(ink_and_rules(image)[1])
        page.markdown = markdown_from_page_lines(list(layer.lines), grids=grids)
    return page


class PdfEngine:
    """Text layers only: a page without a usable layer comes back empty with the reason."""

    name = "pdf"
    model_name = "text-layer"
    uses_text_layers = True
    batch_size = 8

    def read(
        self, images: list[Image.Image], task: str, layers: list[TextLayer | None] | None = None
    ) -> list[Page]:
        layers = layers or [None] * len(images)
        pages = []
        for image, layer in zip(images, layers, strict=True):
            problem = layer_problem(layer, image)
            if problem is None:
                pages.append(page_from_layer(layer, image, task))
            else:
                page = Page(0, image.width, image.height, read_by=self.name)
                page.note = f"not read: {problem} (--engine auto reads such pages by OCR)"
                pages.append(page)
        return pages
