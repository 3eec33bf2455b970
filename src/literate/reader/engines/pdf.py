"""``--engine pdf``: a born-digital PDF page read from its own text layer, exactly.

The layer (``literate.data.pdftext``: lines and words with boxes at the page's dpi) is
trusted only where it says what the ink says: ``pdftext.layer_problem`` names why a page's
layer is unusable (no text; glyphs without a Unicode mapping; text covering only part of the
ink; text where there is no ink). An invisible layer (text render mode 3: an OCR layer someone
added) is usable only after ``auto`` checks it against its own OCR (``engines/auto.py``).
"""

from __future__ import annotations

from PIL import Image

from literate.data.pdftext import TextLayer, layer_problem
from literate.reader.layout.markdown import markdown_from_page_lines
from literate.reader.layout.segment import ink_and_rules, ruled_grids
from literate.reader.page import Page

__all__ = ["PdfEngine", "layer_problem", "page_from_layer"]

READ_BY = "text-layer"


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
