"""A searchable PDF: each page image as the page, with the read words laid over it as
invisible text (render mode 3) at their boxes, so ``pdftotext`` gives the read text and a
viewer's search and selection find it, as ocrmypdf's output does. Written with ReportLab;
the text font is the DejaVu Sans that matplotlib ships (embedded as a subset, so every
Latin, Greek and Cyrillic character keeps its Unicode)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from PIL import Image

from literate.errors import OutputError
from literate.reader.formats.words import word_boxes
from literate.reader.page import Document

MAX_POINTS = 14_400  # 200 inches: the largest page side PDF readers (Acrobat) accept
FONT = "LiterateDejaVuSans"
ASCENT = 0.8  # share of a line box the glyphs' height fills; the rest is below the baseline


@cache
def _font() -> str:
    """The embedded font's name (ReportLab's Helvetica, Latin-1 only, without matplotlib)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    try:
        import matplotlib

        path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        pdfmetrics.registerFont(TTFont(FONT, str(path)))
    except Exception:  # pragma: no cover - matplotlib is a dependency
        return "Helvetica"
    return FONT


def page_dpi(image: Image.Image, default: float) -> float:
    """The image's own resolution where it records one (a scan's), else ``default``."""
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    return value if 36 <= value <= 2400 else float(default)


def to_pdf(doc: Document, images: list[Image.Image], dpi: float = 200) -> bytes:
    """The searchable PDF's bytes. Raises ``OutputError`` for a page larger than a PDF page
    may be (200 inches a side at the page's resolution)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas

    font = _font()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pageCompression=1, invariant=1)
    pdf.setTitle(Path(doc.source).name)
    pdf.setCreator(f"literate ({doc.engine}: {doc.model})")
    for page, image in zip(doc.pages, images, strict=True):
        scale = 72.0 / page_dpi(image, dpi)  # points per pixel
        width, height = image.width * scale, image.height * scale
        if max(width, height) > MAX_POINTS:
            raise OutputError(
                f"page {page.page} is {image.width}×{image.height} pixels, "
                f"{max(width, height) / 72:.0f} inches at its resolution: larger than a PDF "
                "page may be (200 inches)"
            )
        pdf.setPageSize((width, height))
        pdf.drawImage(ImageReader(image.convert("RGB")), 0, 0, width, height)
        text = pdf.beginText()
        text.setTextRenderMode(3)  # invisible: neither filled nor stroked
        for line in page.lines:
            for word, (x0, y0, x1, y1) in word_boxes(line):
                size = max(1.0, (y1 - y0) * scale * ASCENT)
                natural = pdfmetrics.stringWidth(word, font, size)
                text.setFont(font, size)
                text.setHorizScale(100.0 * (x1 - x0) * scale / natural if natural else 100.0)
                baseline = height - y1 * scale + (1 - ASCENT) * (y1 - y0) * scale
                text.setTextOrigin(x0 * scale, baseline)
                text.textOut(word)
        pdf.drawText(text)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()
