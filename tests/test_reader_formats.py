"""Output formats: word boxes inside their line, text pages split by form feeds, hOCR that
validates, ALTO with its structure and geometry, a searchable PDF whose text layer gives the
read text back, and a format that cannot hold a document failing alone."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from xml.etree import ElementTree as ET

import pytest
from helpers import text_page
from PIL import Image, ImageDraw

from literate.cli import main
from literate.errors import BadValueError, OutputError
from literate.lines import Line
from literate.reader.formats import (
    DEFAULT_FORMATS,
    FORMATS,
    output_paths,
    parse_formats,
    render,
    write_document,
)
from literate.reader.formats.words import word_boxes
from literate.reader.page import Document, Page

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
LINES = [
    Line("Total 50,000 naïve Ωmega", (20, 30, 420, 60)),
    Line("second line", (20, 80, 200, 110)),
]


def doc_and_images(pages: int = 2) -> tuple[Document, list[Image.Image]]:
    images, out = [], []
    for n in range(1, pages + 1):
        im = Image.new("RGB", (600, 400), "white")
        draw = ImageDraw.Draw(im)
        for line in LINES:
            draw.text(line.bbox[:2], line.text, fill="black", font_size=24)
        images.append(im)
        out.append(Page(n, 600, 400, list(LINES), "# Total", read_by="tesseract"))
    return Document("scan.png", "tesseract", "tesseract 5", out), images


def test_word_boxes_share_the_line_box_by_characters():
    got = word_boxes(Line("ab cd", (0, 5, 50, 15)))  # 5 units of 10 px: ab, space, cd
    assert got == [("ab", (0, 5, 20, 15)), ("cd", (30, 5, 50, 15))]
    assert word_boxes(Line("   ", (0, 0, 10, 10))) == []


@pytest.mark.parametrize("line", LINES + [Line("x " * 40, (3, 4, 9, 8))])
def test_word_boxes_stay_inside_the_line_in_order(line):
    words = word_boxes(line)
    assert [w for w, _ in words] == line.text.split()
    x0, y0, x1, y1 = line.bbox
    for _, (a, b, c, d) in words:
        assert x0 <= a < c <= x1 and (b, d) == (y0, y1)
    assert all(p[1][0] <= q[1][0] for p, q in zip(words, words[1:], strict=False))


def test_text_separates_pages_by_form_feeds():
    doc, images = doc_and_images()
    text = render("txt", doc, images).decode()
    assert text.split("\f") == ["\n".join(ln.text for ln in LINES) + "\n"] * 2


def test_hocr_validates_and_holds_every_word_with_its_box():
    from hocr_spec.validate import HocrValidator

    doc, images = doc_and_images()
    data = render("hocr", doc, images)
    report = HocrValidator("standard").validate(io.BytesIO(data), filename="scan.hocr")
    assert report.is_valid(), report.format("text")
    root = ET.fromstring(data)
    ns = "{http://www.w3.org/1999/xhtml}"
    pages = [d for d in root.iter(f"{ns}div") if d.get("class") == "ocr_page"]
    assert [p.get("title") for p in pages] == [
        f'image "scan.png"; bbox 0 0 600 400; ppageno {n}' for n in (0, 1)
    ]
    words = [s for s in root.iter(f"{ns}span") if s.get("class") == "ocrx_word"]
    assert [w.text for w in words] == " ".join(ln.text for ln in LINES).split() * 2
    assert words[0].get("title") == "bbox {} {} {} {}".format(*word_boxes(LINES[0])[0][1])


def test_alto_has_its_structure_and_geometry_inside_the_page():
    doc, images = doc_and_images()
    root = ET.fromstring(render("alto", doc, images))
    assert root.tag == f"{ALTO}alto"
    assert root.find(f"{ALTO}Description/{ALTO}MeasurementUnit").text == "pixel"
    pages = root.findall(f"{ALTO}Layout/{ALTO}Page")
    assert [(p.get("ID"), p.get("PHYSICAL_IMG_NR")) for p in pages] == [
        ("page_1", "1"),
        ("page_2", "2"),
    ]
    for page in pages:
        assert (page.get("WIDTH"), page.get("HEIGHT")) == ("600", "400")
        lines = page.findall(f"{ALTO}PrintSpace/{ALTO}TextBlock/{ALTO}TextLine")
        assert len(lines) == len(LINES)
        for el, line in zip(lines, LINES, strict=True):
            strings = el.findall(f"{ALTO}String")
            assert " ".join(s.get("CONTENT") for s in strings) == line.text
            assert len(el.findall(f"{ALTO}SP")) == len(strings) - 1
            for s in [el, *strings]:
                x, y = int(s.get("HPOS")), int(s.get("VPOS"))
                w, h = int(s.get("WIDTH")), int(s.get("HEIGHT"))
                assert x >= 0 and y >= 0 and w > 0 and h > 0 and x + w <= 600 and y + h <= 400
    ids = [el.get("ID") for el in root.iter() if el.get("ID")]
    assert len(ids) == len(set(ids))  # xsd:ID values are unique


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) missing")
def test_the_searchable_pdf_gives_the_read_text_back(tmp_path):
    doc, images = doc_and_images()
    path = tmp_path / "scan.pdf"
    path.write_bytes(render("pdf", doc, images, dpi=150))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) == 2
    for page in pages:
        assert page.split() == " ".join(ln.text for ln in LINES).split()
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "Page size:       288 x 192 pts" in info  # 600×400 px at 150 dpi
    from pypdfium2 import PdfDocument

    pdf = PdfDocument(str(path))
    page = pdf[0]
    assert len([o for o in page.get_objects() if o.type == 3]) == 1  # the page image
    # the first word's text sits inside its box (pixels → points at 150 dpi, y flipped)
    textpage = page.get_textpage()
    left, bottom, right, top = textpage.get_charbox(0)
    x0, y0, x1, y1 = (v * 72 / 150 for v in word_boxes(LINES[0])[0][1])
    assert x0 - 1 <= left and right <= x1 + 1 and 192 - y1 - 1 <= bottom and top <= 192 - y0 + 1
    pdf.close()


def test_a_page_too_large_for_a_pdf_fails_that_output_alone(tmp_path):
    page = Page(1, 50_000, 10, [Line("wide", (0, 0, 100, 10))], None)
    doc = Document("wide.png", "tesseract", "t", [page])
    image = Image.new("1", (50_000, 10), 1)
    with pytest.raises(OutputError, match=r"wide.pdf: page 1 is 50000×10 pixels, 250 inches"):
        write_document(doc, [image], tmp_path, "wide", ("json", "pdf", "txt"), dpi=200)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wide.json", "wide.txt"]


def test_formats_are_parsed_in_order_once_and_unknown_ones_refused():
    assert parse_formats("pdf, json,pdf,HOCR") == ("pdf", "json", "hocr")
    assert set(FORMATS) >= set(DEFAULT_FORMATS)
    with pytest.raises(BadValueError, match="--format docx: choose from json,md,txt"):
        parse_formats("json,docx")
    with pytest.raises(BadValueError, match="name at least one"):
        parse_formats(" , ")


def test_every_format_has_its_own_file(tmp_path):
    paths = output_paths(tmp_path, "a/b", FORMATS)
    assert [p.name for p in paths.values()] == [
        "b.json",
        "b.md",
        "b.txt",
        "b.hocr",
        "b.alto.xml",
        "b.pdf",
        "b.boxes.png",
    ]
    doc, images = doc_and_images(1)
    written = write_document(doc, images, tmp_path, "a/b", FORMATS)
    assert written == list(paths.values()) and all(p.stat().st_size for p in written)
    assert json.loads(paths["json"].read_text()) == doc.to_json()
    assert sorted(p.name for p in (tmp_path / "a").glob(".*")) == []  # no temporary files


# --- the command line ------------------------------------------------------------------


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err.strip().splitlines()


def test_read_writes_the_formats_asked_for(tmp_path, capsys):
    src = text_page(tmp_path / "a.png")
    out = tmp_path / "out"
    code, _, _ = run(capsys, "read", src, "--engine", "tesseract", "--out", out, "--format",
                     "txt,pdf,alto")  # fmt: skip
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["a.alto.xml", "a.pdf", "a.txt"]
    assert "Hello" in (out / "a.txt").read_text()


def test_an_unknown_format_is_one_line_and_exit_2(tmp_path, capsys):
    src = text_page(tmp_path / "a.png")
    code, _, err = run(capsys, "read", src, "--out", tmp_path / "o", "--format", "json,docx")
    assert code == 2 and err == [
        "literate: error: --format docx: choose from json,md,txt,hocr,alto,pdf,boxes"
    ]


def test_skip_existing_skips_complete_outputs_and_rereads_a_newer_input(tmp_path, capsys):
    a, b = text_page(tmp_path / "a.png"), text_page(tmp_path / "b.png", "Second page")
    out = tmp_path / "out"
    args = ["read", a, b, "--engine", "tesseract", "--out", out, "--quiet", "--skip-existing"]
    assert run(capsys, *args)[0] == 0
    (out / "b.md").unlink()  # b incomplete: read again; a complete: skipped
    before = (out / "a.json").stat().st_mtime_ns
    code, _, err = run(capsys, *args)
    assert code == 0 and (out / "b.md").exists()
    assert (out / "a.json").stat().st_mtime_ns == before
    assert err[-1].startswith("literate: note: read 1 of 2 inputs (1 pages) in ")
    assert err[-1].endswith("; 1 skipped (outputs complete)")
    text_page(a, "Changed page")  # newer than its outputs
    code, _, err = run(capsys, *args)
    assert code == 0 and "Changed" in (out / "a.md").read_text()
    assert err[-1].endswith("; 1 skipped (outputs complete)")


def test_failures_are_listed_in_a_manifest_removed_after_a_clean_run(tmp_path, capsys):
    good = text_page(tmp_path / "good.png")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    out = tmp_path / "out"
    code, _, err = run(capsys, "read", good, bad, tmp_path / "gone.png", "--engine",
                       "tesseract", "--out", out, "--quiet")  # fmt: skip
    assert code == 1
    rows = [json.loads(r) for r in (out / "failures.jsonl").read_text().splitlines()]
    assert [r["path"] for r in rows] == [str(tmp_path / "gone.png"), str(bad)]
    assert rows[0]["error"] == f"{tmp_path / 'gone.png'}: no such file or folder"
    assert all(r["error"].startswith(r["path"] + ": ") for r in rows)
    assert err[-1].endswith(f"failures in {out / 'failures.jsonl'}")
    bad.unlink()
    assert run(capsys, "read", good, "--engine", "tesseract", "--out", out, "--quiet")[0] == 0
    assert not (out / "failures.jsonl").exists()


def test_workers_write_what_one_process_writes(tmp_path, capsys):
    files = [text_page(tmp_path / f"p{i}.png", f"Page number {i}") for i in range(3)]
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    one, two = tmp_path / "one", tmp_path / "two"
    common = ["--engine", "tesseract", "--quiet"]
    assert run(capsys, "read", *files, bad, "--out", one, *common)[0] == 1
    code, _, err = run(capsys, "read", *files, bad, "--out", two, "--workers", "2", *common)
    assert code == 1
    assert [ln for ln in err if ln.startswith("literate: error:")] == [
        f"literate: error: {bad}: not an image or PDF this reader knows"
    ]
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in two.iterdir())
    for name in names:
        if name.endswith(".json"):
            assert json.loads((one / name).read_text()) == json.loads((two / name).read_text())
