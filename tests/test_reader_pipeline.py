"""The whole path on CPU: image/PDF → processor → tiny Kosmos-2.5 → generate → parse →
JSON/MD/PNG, through the same ``from_pretrained`` code as a real checkpoint."""

import json

import pytest
import torch
from PIL import Image, ImageDraw

from literate.cli import main
from literate.errors import BadValueError
from literate.reader import Reader
from literate.reader.engines.kosmos import KosmosEngine, LoopStop
from literate.reader.model.tiny import build_reader
from literate.reader.parse import format_ocr


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny-reader")
    build_reader(out, size="tiny", coordinate_bins=256)
    return out


def sample(w=320, h=160):
    img = Image.new("RGB", (w, h), "white")
    ImageDraw.Draw(img).text((10, 10), "Hello reader", fill="black")
    return img


def test_read_png_and_pdf_end_to_end(tiny_dir, tmp_path, capsys):
    sample().save(tmp_path / "scan.png")
    sample(200, 300).save(tmp_path / "doc.pdf", save_all=True, append_images=[sample(200, 300)])
    out = tmp_path / "out"
    args = ["read", str(tmp_path / "scan.png"), str(tmp_path / "doc.pdf"), "--model", str(tiny_dir)]
    args += ["--engine", "kosmos"]
    rc = main(args + ["--out", str(out), "--max-new-tokens", "24", "--dpi", "72"])
    assert rc == 0
    for stem, pages in (("scan", 1), ("doc", 2)):
        doc = json.loads((out / f"{stem}.json").read_text())
        assert doc["engine"] == "kosmos" and doc["model"] == str(tiny_dir)
        assert [p["page"] for p in doc["pages"]] == list(range(1, pages + 1))
        for p in doc["pages"]:
            assert set(p) >= {"page", "width", "height", "lines", "markdown"}
            for line in p["lines"]:
                x0, y0, x1, y1 = line["bbox"]
                assert 0 <= x0 < x1 <= p["width"] and 0 <= y0 < y1 <= p["height"]
        assert (out / f"{stem}.md").is_file()
        with Image.open(out / f"{stem}.boxes.png") as boxes:
            assert boxes.size == (doc["pages"][0]["width"], doc["pages"][0]["height"])
    assert doc["pages"][0]["width"] == 200  # PDF at 72 dpi: points = pixels
    assert "==> " in capsys.readouterr().out


def test_bad_inputs_do_not_lose_the_good_ones(tiny_dir, tmp_path, capsys):
    sample().save(tmp_path / "good.png")
    (tmp_path / "bad.png").write_text("text, not a PNG")
    out = tmp_path / "out"
    rc = main(
        [
            "read",
            str(tmp_path / "bad.png"),
            str(tmp_path / "missing.pdf"),
            str(tmp_path / "good.png"),
        ]
        + ["--model", str(tiny_dir), "--out", str(out), "--max-new-tokens", "8", "--quiet"]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1
    assert (out / "good.json").is_file()
    errors = [e for e in err if e.startswith("literate: error:")]
    assert len(errors) == 2 and any("missing.pdf" in e for e in errors)
    assert not any("Traceback" in e for e in err)


def test_boxes_scale_per_image_in_a_batch(tiny_dir):
    engine = KosmosEngine.from_pretrained(str(tiny_dir), batch_size=2, max_new_tokens=8)
    images = [sample(320, 160), sample(100, 400)]
    _, sizes = engine.generate(images, "ocr")
    assert sizes[0] != sizes[1]  # the processor resizes each image on its own
    answer = format_ocr([("x", (0, 0, 16, 16))])
    engine.generate = lambda imgs, task: ([answer] * len(imgs), sizes)
    pages = engine.read(images, "ocr")
    for page, img, (rw, rh) in zip(pages, images, sizes, strict=True):
        assert page.lines[0].bbox == (0, 0, round(16 * img.width / rw), round(16 * img.height / rh))


def test_saved_and_reloaded_reader_reads_the_same(tiny_dir, tmp_path):
    first = Reader.from_pretrained(str(tiny_dir), max_new_tokens=16)
    first.engine.model.save_pretrained(tmp_path / "copy")
    first.engine.processor.save_pretrained(tmp_path / "copy")
    again = Reader.from_pretrained(str(tmp_path / "copy"), max_new_tokens=16)
    images = [sample()]
    a, b = first.read_images(images, "both"), again.read_images(images, "both")
    assert [p.to_json() for p in a] == [p.to_json() for p in b]


def test_loop_stop_ends_a_looping_sequence(tiny_dir):
    engine = KosmosEngine.from_pretrained(str(tiny_dir))
    tok = engine.processor.tokenizer
    loop = tok(format_ocr([("same", (1, 1, 9, 9))]) * 8)["input_ids"]
    fine = tok(format_ocr([(f"line {i}", (1, i, 9, i + 5)) for i in range(8)]))["input_ids"]
    n = min(len(loop), len(fine)) // 32 * 32
    ids = torch.tensor([loop[:n], fine[:n]])
    stop = LoopStop(tok, prompt_len=0, every=32)
    assert stop(ids, None).tolist() == [True, False]


def test_unloadable_model_is_one_line(tmp_path, capsys):
    (tmp_path / "empty-model").mkdir()
    rc = main(["read", str(tmp_path), "--model", str(tmp_path / "empty-model")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "cannot load Kosmos-2.5 model" in err[0]


def test_every_bad_input_gets_one_line_and_the_good_page_is_read(tmp_path, capsys):
    import pypdfium2 as pdfium

    from literate.data.render import render_blocks

    good = render_blocks([("h1", "Bad inputs"), ("p", "This page is fine and should be read.")])
    good.image.save(tmp_path / "good.png")
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "notes.png").write_text("a text file named .png\n")
    data = (tmp_path / "good.png").read_bytes()
    (tmp_path / "truncated.png").write_bytes(data[: len(data) // 3])
    pdfium.PdfDocument.new().save(str(tmp_path / "zero.pdf"))
    out = tmp_path / "out"
    args = [str(tmp_path / n) for n in ("empty.png", "notes.png", "truncated.png", "zero.pdf")]
    args += [str(tmp_path / "missing.tif"), str(tmp_path / "good.png")]
    rc = main(["read", *args, "--engine", "tesseract", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1
    assert err[-1].startswith("literate: note: read 1 of 6 inputs (1 pages) in ")
    err = err[:-1]  # the closing summary
    assert len(err) == 5 and all(e.startswith("literate: error: ") for e in err)
    for reason in ("empty file", "not an image", "truncated", "no pages", "no such file"):
        assert sum(reason in e for e in err) == 1, (reason, err)
    doc = json.loads((out / "good.json").read_text())
    assert doc["engine"] == "tesseract" and "Bad inputs" in doc["pages"][0]["markdown"]


def test_bundled_reader_resolves_through_the_checkpoints_folder(tiny_dir, tmp_path, monkeypatch):
    import shutil

    from literate.errors import CheckpointError

    monkeypatch.setenv("LITERATE_CHECKPOINTS", str(tmp_path))
    with pytest.raises(CheckpointError, match="--engine tesseract"):
        Reader.from_pretrained("bundled")
    shutil.copytree(tiny_dir, tmp_path / "reader-small")
    reader = Reader.from_pretrained("bundled", max_new_tokens=4)
    assert reader.engine.model_name == "bundled"
    assert len(reader.read_images([sample()], "ocr")) == 1


def test_engine_reads_a_tall_page_in_strips(tiny_dir, monkeypatch):
    """The engine's strip plumbing (crop, read, offset, merge) with a perfect strip reader:
    every line of the page comes back once, in page coordinates; Markdown keeps headings."""
    from literate.data.render import render_blocks
    from literate.reader.layout.strips import lines_inside
    from literate.reader.page import Page

    page = render_blocks([("h1", "Strips"), ("p", "many words here " * 40)], size=22, width=500)
    engine = KosmosEngine.from_pretrained(str(tiny_dir), tiling="strips", max_patches=64)
    calls = []

    def perfect(images, task):
        out = []
        for im in images:
            top = calls.pop(0)
            out.append(Page(1, im.width, im.height, lines_inside(page.lines, top, top + im.height)))
        return out

    real_crop = Image.Image.crop

    def spy(im, box):
        calls.append(box[1])
        return real_crop(im, box)

    monkeypatch.setattr(Image.Image, "crop", spy)
    monkeypatch.setattr(engine, "read_whole", perfect)
    got = engine.read([page.image], "both")[0]
    assert got.lines == page.lines
    assert got.markdown.startswith("# Strips\n\n")
    assert len(got.markdown.split("\n\n")) == 2


def test_engine_reads_a_page_in_line_pieces(tiny_dir, monkeypatch):
    """The engine's line plumbing (segment, crop, read, offset, join) with a reader that
    names each piece's place: every rendered line comes back once, in order, with a box
    on that line, and a line cut into pieces is joined back."""
    from literate.data.render import render_blocks
    from literate.lines import Line
    from literate.reader.page import Page

    page = render_blocks(
        [("h1", "Lines"), ("p", "one two three four five six seven eight " * 6)], size=22, width=700
    )
    engine = KosmosEngine.from_pretrained(str(tiny_dir), tiling="lines", piece_width=6)

    def placed(images, task):  # one line covering each piece (less its padding)
        return [
            Page(1, im.width, im.height, [Line("w", (3, 3, im.width - 3, im.height - 3))])
            for im in images
        ]

    monkeypatch.setattr(engine, "read_whole", placed)
    got = engine.read([page.image], "both")[0]
    assert len(got.lines) == len(page.lines)
    for ln, want in zip(got.lines, page.lines, strict=True):
        (x0, y0, x1, y1), (a0, b0, a1, b1) = ln.bbox, want.bbox
        assert abs(y0 - b0) <= 6 and abs(y1 - b1) <= 6 and abs(x0 - a0) <= 6 and abs(x1 - a1) <= 6
    assert any(ln.text.count("w") > 1 for ln in got.lines)  # pieces joined into one line
    md_words = [w for w in got.markdown.split() if w.strip("#")]  # headings' marks aside
    assert md_words == [w for ln in got.lines for w in ln.text.split()]


def test_checkpoint_defaults_set_the_tiling(tiny_dir, tmp_path):
    import shutil

    ckpt = tmp_path / "with-defaults"
    shutil.copytree(tiny_dir, ckpt)
    (ckpt / "literate_reader.json").write_text('{"tiling": "strips", "strip_scale": 1.0}')
    engine = KosmosEngine.from_pretrained(str(ckpt), max_new_tokens=8)
    assert engine.tiling == "strips" and engine.strip_scale == 1.0
    assert KosmosEngine.from_pretrained(str(ckpt), tiling="whole").tiling == "whole"
    (ckpt / "literate_reader.json").write_text('{"strips": true}')  # the older spelling
    assert KosmosEngine.from_pretrained(str(ckpt)).tiling == "strips"
    with pytest.raises(BadValueError, match="--tiling"):
        KosmosEngine.from_pretrained(str(ckpt), tiling="columns")
    page = engine.read([sample(300, 900)], "both")[0]
    assert (page.width, page.height) == (300, 900)
    assert all(0 <= ln.bbox[1] < ln.bbox[3] <= 900 for ln in page.lines)


def test_beam_search_reads_and_a_width_below_one_is_refused(tiny_dir):
    greedy = KosmosEngine.from_pretrained(str(tiny_dir), max_new_tokens=12)
    beams = KosmosEngine.from_pretrained(str(tiny_dir), max_new_tokens=12, num_beams=3)
    assert beams.num_beams == 3 and greedy.num_beams == 1
    images = [sample(), sample(100, 400)]
    texts, sizes = beams.generate(images, "ocr")
    assert len(texts) == 2 and sizes == greedy.generate(images, "ocr")[1]
    with pytest.raises(BadValueError, match="--num-beams"):
        KosmosEngine.from_pretrained(str(tiny_dir), num_beams=0)
