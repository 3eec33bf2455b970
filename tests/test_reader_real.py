"""Reading real pages: deskew, the scan simulator, piece joins, and real pages split by
document (``literate.data.real_pages``)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image, ImageDraw

from literate.data.real_pages import RESERVED, Source, installed_sources, split_sources
from literate.data.render import render_blocks
from literate.data.scans import Scan, ScanConfig, draw, simulate
from literate.lines import Line
from literate.reader.engines.deskewed import Deskewed
from literate.reader.layout.deskew import estimate_skew, level, unrotate_box
from literate.reader.layout.flatten import flatten
from literate.reader.layout.segment import ink_mask, join_pieces, segment_page
from literate.reader.page import Page

PAGE = [
    ("h1", "Deskew and scans"),
    ("p", "The quick brown fox jumps over the lazy dog, again and again. " * 10),
    ("p", "A second paragraph gives the profile more lines to line up with. " * 6),
]


@pytest.mark.parametrize("angle", [-3.0, -1.3, 0.0, 0.7, 2.2, 4.5])
def test_deskew_recovers_a_known_angle_within_a_fifth_of_a_degree(angle):
    image = render_blocks(PAGE).image.rotate(angle, Image.BICUBIC, fillcolor="white")
    assert abs(estimate_skew(image) - angle) <= 0.2


def test_boxes_read_upright_map_back_onto_the_tilted_page():
    clean = render_blocks(PAGE).image
    tilted = clean.rotate(2.0, Image.BICUBIC, fillcolor="white")
    upright = level(tilted, 2.0)
    ink = ink_mask(upright)
    ys, xs = np.nonzero(ink)
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    back = unrotate_box(box, 2.0, tilted.size)
    tilted_ink = ink_mask(tilted)
    inside = tilted_ink[back[1] : back[3], back[0] : back[2]].sum()
    assert inside >= 0.98 * tilted_ink.sum()


def spy_engine(seen: list):
    """An engine class that keeps the images it is handed and reads one box on each."""

    class Spy:
        name, model_name = "spy", "spy"

        def read(self, images, task):
            seen.extend(images)
            return [Page(0, im.width, im.height, [Line("x", (10, 10, 60, 30))]) for im in images]

    return Spy


def test_the_deskewed_engine_reads_upright_and_returns_input_pixels():
    seen = []
    Spy = spy_engine(seen)

    tilted = render_blocks(PAGE).image.rotate(3.0, Image.BICUBIC, fillcolor="white")
    (page,) = Deskewed(Spy()).read([tilted], "ocr")
    assert abs(estimate_skew(seen[0])) < 0.3  # the engine saw a level page
    assert page.lines[0].bbox == unrotate_box((10, 10, 60, 30), estimate_skew(tilted), tilted.size)
    assert "deskewed" in page.note


def words_page() -> tuple[Image.Image, list[Line]]:
    """Black bars standing for words, at known boxes."""
    img = Image.new("RGB", (1200, 900), "white")
    draw_ = ImageDraw.Draw(img)
    boxes = []
    for row in range(6):
        x = 80
        for col in range(5):
            w = 60 + 25 * ((row + col) % 4)
            box = (x, 100 + row * 110, x + w, 130 + row * 110)
            draw_.rectangle(box, fill="black")
            boxes.append(Line(f"w{row}{col}", box))
            x += w + 70
    return img, boxes


@pytest.mark.parametrize("seed", range(6))
def test_the_scan_simulator_keeps_every_word_box_on_its_word(seed):
    img, words = words_page()
    scan = draw(random.Random(seed), ScanConfig())
    scan = Scan(**{**scan.__dict__, "binarised": False, "noise": 2.0, "shadow": False})
    out, moved = simulate(img, words, scan, source_dpi=150)
    assert len(moved) == len(words) and out.size == moved_size(img, scan)
    dark = np.asarray(out.convert("L")) < 128
    for before, after in zip(words, moved, strict=True):
        x0, y0, x1, y1 = after.bbox
        inside = dark[y0:y1, x0:x1].mean()
        area_ratio = ((x1 - x0) * (y1 - y0)) / (
            (before.bbox[2] - before.bbox[0]) * (before.bbox[3] - before.bbox[1])
        )
        scale2 = (scan.dpi / 150) ** 2
        assert inside > 0.5, (before, after, inside)  # the box holds its (moved) word
        assert 0.8 * scale2 < area_ratio < 2.2 * scale2  # and little else


def moved_size(img, scan):
    k = scan.dpi / 150
    return (round(img.width * k), round(img.height * k))


def test_piece_joins_keep_each_word_once():
    page = render_blocks(
        [("p", "publication proceedings explained documentation interleaved columns")],
        size=22,
        width=1400,
    )
    ink = ink_mask(page.image)
    pieces = segment_page(ink, max_width=5)
    assert len(pieces) >= 3
    for a, b in zip(pieces, pieces[1:], strict=False):
        assert a.box[2] <= b.box[0], "neighbouring pieces overlap"
    # a reader that reads every word whose ink is in its piece, whole or cut
    words = [(x0, x1) for x0, x1 in _word_spans(ink)]
    read = []
    for p in pieces:
        seen = [i for i, (x0, x1) in enumerate(words) if x0 < p.box[2] and x1 > p.box[0]]
        read.append([Line(" ".join(f"w{i}" for i in seen), (0, 0, 5, 5))])
    (line,) = join_pieces(pieces, read)
    assert line.text.split() == [f"w{i}" for i in range(len(words))]


def _word_spans(ink):
    from literate.reader.layout.segment import runs

    cols = ink.any(axis=0)
    h = 22
    return runs(cols, bridge=round(0.2 * h))


def test_real_pages_split_by_document_and_never_use_reserved_packages():
    sources = [Source(f"doc:pkg{i}/manual.pdf", "pdf") for i in range(60)]
    sources += [Source(f"man:{n}", "groff") for n in ("ls", "cp", "tar")]
    parts = split_sources(sources)
    ids = [{s.id for s in v} for v in parts.values()]
    assert sum(len(v) for v in ids) == len(sources)
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert all(parts.values())
    for src in installed_sources():
        assert not any(f"/{pkg}/" in src.id or src.id.startswith(f"doc:{pkg}/") for pkg in RESERVED)


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_a_page_on_its_side_or_upside_down_is_read_upright(turns):
    import shutil

    from literate.reader.engines.deskewed import detect_turns
    from literate.reader.layout.orientation import turn_back_box

    if shutil.which("tesseract") is None:
        pytest.skip("Tesseract's orientation detector is not installed")
    page = render_blocks(PAGE, size=20, width=1100).image
    turned = page.rotate(90 * turns, expand=True)
    back = detect_turns(turned)
    assert (turns + back) % 4 == 0
    upright = turned.rotate(90 * back, expand=True)
    assert upright.size == page.size
    # a box on the upright page maps onto the same ink of the page as given
    box = (100, 40, 400, 90)
    moved = turn_back_box(box, back, turned.size)
    a = np.asarray(upright.convert("L"))[box[1] : box[3], box[0] : box[2]]
    b = np.asarray(turned.convert("L"))[moved[1] : moved[3], moved[0] : moved[2]]
    assert np.rot90(a, turns).shape == b.shape and (np.rot90(a, turns) == b).all()


def test_an_upright_page_is_not_turned():
    from literate.reader.engines.deskewed import detect_turns

    assert detect_turns(render_blocks(PAGE).image) == 0


@pytest.mark.parametrize("claim", [2, 3, 1])
def test_a_wrong_orientation_claim_does_not_turn_an_upright_page(monkeypatch, claim):
    """Tesseract's detector is wrong on some upright pages (confidently: 13 of 186 upright
    validation pages); its turn is checked against the ink and against reading."""
    import shutil

    from literate.reader.engines import deskewed

    if shutil.which("tesseract") is None:
        pytest.skip("Tesseract is not installed")
    monkeypatch.setattr(deskewed, "detector_answer", lambda small: (claim, 8.28))
    monkeypatch.setattr(deskewed, "doubtful", lambda ink: True)
    assert deskewed.detect_turns(render_blocks(PAGE, size=20, width=1100).image) == 0


def test_installing_another_package_moves_no_other_documents_pages():
    """Each document draws from its own generator, in an order of its own hash: the test
    split's pages stay put when a package adds documents (a shared generator moved them)."""
    from literate.data.real_pages import document_order, document_rng

    few = [Source(f"doc:pkg{i}/manual.pdf", "pdf") for i in range(10)]
    more = few + [Source(f"doc:new{i}/guide.pdf", "pdf") for i in range(5)]
    order = document_order(more, 0, "test")
    assert [s for s in order if s in few] == document_order(few, 0, "test")
    assert document_order(few, 1, "test") != document_order(few, 0, "test")  # seeded
    draws = {s.id: document_rng(s, 0, "test").sample(range(100), 5) for s in few}
    assert draws == {s.id: document_rng(s, 0, "test").sample(range(100), 5) for s in few}
    assert len({tuple(v) for v in draws.values()}) == len(few)
    assert document_rng(few[0], 0, "train").random() != document_rng(few[0], 0, "test").random()


def test_a_rerun_into_a_folder_of_another_draw_fails_in_one_line(tmp_path):
    import json

    from literate.data.real_pages import real_pages
    from literate.errors import BadValueError

    (tmp_path / "manifest.json").write_text(json.dumps({"split": "test", "dpi": 150, "seed": 0}))
    with pytest.raises(BadValueError, match=r"holds pages of another draw \(draw None"):
        real_pages(tmp_path, "test", root=tmp_path / "none")
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(BadValueError, match="unreadable manifest.json"):
        real_pages(tmp_path, "test", root=tmp_path / "none")


def test_scan_ranges_are_part_of_the_draw(tmp_path):
    """Scans weighted for training (`--blur`, `--binarise`) never resume into a folder of
    default-range scans; a manifest from before the ranges were recorded holds the defaults."""
    import json

    from literate.data.real_pages import DRAW, real_pages
    from literate.errors import BadValueError

    old = {"split": "train", "dpi": 150, "seed": 0, "draw": DRAW}
    (tmp_path / "manifest.json").write_text(json.dumps(old))
    hard = ScanConfig(blur=(0.6, 1.6), binarise=0.4)
    with pytest.raises(BadValueError, match=r"another draw \(scans .*'blur': \[0.0, 1.2\]"):
        real_pages(tmp_path, "train", scan_config=hard, root=tmp_path / "none")
    manifest = real_pages(tmp_path, "train", root=tmp_path / "none")  # defaults: resumes
    assert manifest["scans"]["blur"] == [0.0, 1.2] and manifest["scans"]["binarise"] == 0.15
    with pytest.raises(BadValueError, match="another draw"):
        real_pages(tmp_path, "train", scan_config=hard, root=tmp_path / "none")


needs_chromium = pytest.mark.skipif(
    __import__("shutil").which("chromium") is None, reason="no chromium: apt-get install chromium"
)


@needs_chromium
def test_real_pages_from_an_installed_pdf_and_html_printed_by_chromium(tmp_path, monkeypatch):
    """End to end on a documentation tree made here: an installed PDF is taken as is, an
    HTML manual is printed by headless Chromium; each kept page has its text layer's words as
    truth, clean, scanned and as a one-page PDF, and the manifest names both producers."""
    import json

    from literate.data import real_pages as rp
    from literate.data.pages import Style, render_pdf

    root = tmp_path / "doc"
    (root / "pkg-a").mkdir(parents=True)
    (root / "pkg-b" / "html").mkdir(parents=True)
    style = Style("dejavu-sans", 12, "A5", 12, 1, 1.3, "dejavu-sans")
    text = "Installed manuals hold real pages with exact text layers for the reader. " * 6
    (root / "pkg-a" / "manual.pdf").write_bytes(render_pdf(f"# Manual\n\n{text}", style))
    body = "".join(
        f"<p>Paragraph {i}: the printed page keeps every word of it.</p>" for i in range(160)
    )
    (root / "pkg-b" / "html" / "guide.html").write_text(
        f"<!doctype html><html><body><h1>Guide</h1>{body}</body></html>"
    )
    (root / "pkg-b" / "html" / "index.html").write_text("<p>too small: navigation</p>")
    monkeypatch.setattr(rp, "MAN_PAGES", ())
    sources = rp.installed_sources(root)
    assert sorted(s.id for s in sources) == ["doc:pkg-a/manual.pdf", "html:pkg-b/html/guide.html"]
    monkeypatch.setattr(rp, "split_sources", lambda found, seed: {"test": found})
    manifest = rp.real_pages(tmp_path / "out", "test", pages_per_doc=1, root=root)
    assert not manifest["skipped"], manifest["skipped"]
    assert {p["source"] for p in manifest["pages"]} == {s.id for s in sources}
    assert "Skia" in manifest["producers"] and manifest["draw"] == "per-document"
    html_page = next(p for p in manifest["pages"] if p["source"].startswith("html:"))
    truth = json.loads((tmp_path / "out" / "clean" / f"{html_page['id']}.json").read_text())
    words = {w["text"] for ln in truth["lines"] for w in ln["words"]}
    assert {"Paragraph", "printed", "every", "word"} <= words
    for sub in ("clean", "degraded"):
        assert (tmp_path / "out" / sub / f"{html_page['id']}.png").is_file()
    assert (tmp_path / "out" / "pdf" / f"{html_page['id']}.pdf").is_file()


def shadowed_scan(image: Image.Image) -> Image.Image:
    """``image`` on grey, unevenly lit paper with a shadow at its left edge (no geometry)."""
    scan = Scan(dpi=150, rotation=0.0, perspective=(0.0,) * 8, paper=0.74, uneven=0.12,
                shadow=True, bleed=False, blur=0.0, noise=2.0, binarised=False,
                jpeg=90)  # fmt: skip
    return simulate(image, [], scan, source_dpi=150)[0]


def test_white_paper_is_not_flattened():
    page = render_blocks(PAGE).image
    assert flatten(page) is page


def test_flattening_makes_shadowed_grey_paper_white_and_keeps_the_ink():
    clean = render_blocks(PAGE).image
    scan = shadowed_scan(clean)
    flat = np.asarray(flatten(scan).convert("L"))
    paper = ~ink_mask(clean)
    assert np.percentile(np.asarray(scan.convert("L"))[paper], 5) < 150  # the shadow
    assert np.percentile(flat[paper], 5) >= 235
    ink, flat_ink = ink_mask(clean), ink_mask(flatten(scan))
    assert (ink & flat_ink).sum() / (ink | flat_ink).sum() >= 0.7
    assert len(segment_page(flat_ink)) == len(segment_page(ink))


def test_the_engine_reads_flattened_paper_and_the_page_says_so():
    seen = []
    Spy = spy_engine(seen)

    clean = render_blocks(PAGE).image
    scan = shadowed_scan(clean)
    (page,) = Deskewed(Spy()).read([scan], "ocr")
    assert np.percentile(np.asarray(seen[0].convert("L"))[~ink_mask(clean)], 5) >= 235
    assert page.lines[0].bbox == (10, 10, 60, 30) and page.note == "paper flattened"
    (as_given,) = Deskewed(Spy(), flat=False).read([scan], "ocr")
    assert seen[1] is scan and not as_given.note


def test_a_dark_block_stays_dark_when_the_paper_is_flattened():
    clean = render_blocks(PAGE).image
    ImageDraw.Draw(clean).rectangle((600, 500, 900, 800), fill=(25, 25, 25))
    flat = np.asarray(flatten(shadowed_scan(clean)).convert("L"))
    assert np.median(flat[520:780, 620:880]) < 80
