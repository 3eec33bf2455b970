"""Text layers first: a born-digital PDF page is read from its own text layer, exactly; a
page without one (or with one that disagrees with the ink) is read by OCR instead."""

from __future__ import annotations

import shutil

import pytest
from PIL import Image, ImageDraw

from literate.data.pdftext import text_layers
from literate.reader.engines import make_engine
from literate.reader.engines.pdf import layer_problem
from literate.reader.reader import Reader

pytest.importorskip("weasyprint", reason="weasyprint renders the test PDF")
pdfium = pytest.importorskip("pypdfium2")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="no pdftotext")

MD = "# Invoice 2026\n\nTotal due: 50,000 credits by the first of March.\n\n- one item\n- two"


def text_pdf() -> bytes:
    from literate.data.pages import Style, render_pdf

    style = Style("dejavu-sans", 12, "A5", 12, 1, 1.3, "dejavu-sans")
    return render_pdf(MD, style)


def scan_image() -> Image.Image:
    img = Image.new("RGB", (900, 600), "white")
    draw = ImageDraw.Draw(img)
    from literate.data.render import font

    f = font("dejavu-sans", 40)
    draw.text((60, 80), "Scanned page without text", font=f, fill="black")
    draw.text((60, 180), "Only pixels live here", font=f, fill="black")
    return img


@pytest.fixture
def mixed_pdf(tmp_path):
    """Page 1 born digital (a text layer), page 2 an image only (no text layer)."""
    (tmp_path / "text.pdf").write_bytes(text_pdf())
    scan_image().save(tmp_path / "scan.pdf", resolution=100)
    out = pdfium.PdfDocument.new()
    for part in ("text.pdf", "scan.pdf"):
        out.import_pages(pdfium.PdfDocument(str(tmp_path / part)))
    path = tmp_path / "mixed.pdf"
    out.save(str(path))
    return path


@needs_poppler
def test_the_pdf_engine_gives_the_text_layer_exactly(mixed_pdf):
    run = Reader(make_engine("pdf"), dpi=150).read([mixed_pdf], task="both")
    assert not run.errors
    first, second = run.results[0].document.pages
    truth = text_layers(mixed_pdf, 150)[0]
    assert [ln.text for ln in first.lines] == [ln.text for ln in truth.lines]
    words = [w for ln in first.lines for w in ln.text.split() if w != "•"]  # list bullets
    assert words == MD.replace("#", "").replace("- ", "").split()
    assert first.read_by == "text-layer"
    for ln in first.lines:
        x0, y0, x1, y1 = ln.bbox
        assert 0 <= x0 < x1 <= first.width and 0 <= y0 < y1 <= first.height
    assert first.markdown.startswith("# Invoice 2026")
    # no text layer: the pdf engine says so rather than guess
    assert second.lines == [] and "no text layer" in second.note


@needs_poppler
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="no tesseract")
def test_auto_falls_back_to_ocr_page_by_page(mixed_pdf):
    run = Reader(make_engine("auto"), dpi=150).read([mixed_pdf], task="both")
    first, second = run.results[0].document.pages
    assert first.read_by == "text-layer" and second.read_by == "tesseract"
    assert "Scanned" in second.text
    assert run.results[0].document.to_json()["pages"][1]["read_by"] == "tesseract"


@needs_poppler
def test_a_text_layer_that_misses_the_ink_is_not_trusted(tmp_path):
    (tmp_path / "t.pdf").write_bytes(text_pdf())
    layer = text_layers(tmp_path / "t.pdf", 150)[0]
    blank = Image.new("RGB", (layer.width, layer.height), "white")
    assert "without ink" in layer_problem(layer, blank)
    # the page's ink is a whole scan, and the layer holds one short line of it
    busy = scan_image().resize((layer.width, layer.height))
    ImageDraw.Draw(busy).rectangle((0, layer.height // 2, layer.width, layer.height), "black")
    assert layer_problem(layer, busy) is not None


def test_unmapped_glyphs_make_a_layer_unusable_not_a_crash():
    from literate.data.pdftext import parse_bbox_layout

    word = '<word xMin="1" yMin="1" xMax="60" yMax="9">\x01\x02\x03x</word>'
    xhtml = (
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><doc>'
        f'<page width="100" height="100"><flow><block><line>{word}</line></block></flow>'
        "</page></doc></body></html>"
    )
    (layer,) = parse_bbox_layout(xhtml, 72)
    assert layer.unmapped_share() == 0.75
    page = Image.new("RGB", (100, 100), "white")
    ImageDraw.Draw(page).rectangle((1, 1, 60, 9), fill="black")
    assert "no Unicode mapping" in layer_problem(layer, page)
