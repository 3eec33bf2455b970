"""``literate read``'s outputs: one that cannot be written fails its input alone, an --out
that cannot be a folder is refused before the model loads, stems that clash all keep their
suffix, and a replaced reading is said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import text_page

from literate.cli import main
from literate.reader import Reader
from literate.reader.reader import output_stems


def run(capsys, *args):
    """Exit code, stdout and the stderr lines but the closing summary (tested with the
    corpus options in test_reader_formats.py)."""
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    err = out.err.strip().splitlines()
    return code, out.out, [ln for ln in err if not ln.startswith("literate: note: read ")]


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*"))


def test_a_folder_where_an_output_goes_fails_that_input_alone(tmp_path, capsys):
    good, one = text_page(tmp_path / "good.png"), text_page(tmp_path / "one.png", "One more")
    out = tmp_path / "out"
    (out / "good.json").mkdir(parents=True)
    code, _, err = run(capsys, "read", good, one, "--engine", "tesseract", "--out", out, "--quiet")
    assert code == 1
    assert len(err) == 1 and err[0].startswith("literate: error: ")
    assert "good.png" in err[0] and "good.json: is a folder" in err[0]
    assert json.loads((out / "one.json").read_text())["pages"][0]["lines"]
    assert not (out / "good.md").exists()  # none of the three, not a part
    assert temp_files(out) == []


@pytest.mark.parametrize("kind", ["file", "proc", "file-parent"])
def test_an_out_that_cannot_be_a_folder_is_refused_before_the_model_loads(
    tmp_path, capsys, monkeypatch, kind
):
    good = text_page(tmp_path / "good.png")
    out = {
        "file": tmp_path / "taken",
        "proc": Path("/proc/literate-out"),
        "file-parent": tmp_path / "taken" / "out",
    }[kind]
    (tmp_path / "taken").write_text("a file")

    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(Reader, "from_pretrained", no_model)
    code, _, err = run(capsys, "read", good, "--engine", "tesseract", "--out", out)
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith("literate: error: --out ") and "Traceback" not in err[0]
    assert (tmp_path / "taken").read_text() == "a file"


def test_inputs_sharing_a_stem_all_keep_their_suffix(tmp_path, capsys):
    a_jpg, a_png = text_page(tmp_path / "a.jpg"), text_page(tmp_path / "a.png")
    b = text_page(tmp_path / "b.png")
    out = tmp_path / "out"
    code, _, _ = run(capsys, "read", a_jpg, a_png, b, "--engine", "tesseract", "--out", out)
    assert code == 0
    assert sorted(p.name for p in out.glob("*.json")) == ["a.jpg.json", "a.png.json", "b.json"]
    assert json.loads((out / "a.jpg.json").read_text())["source"] == str(a_jpg)


def test_output_stems_do_not_depend_on_the_order():
    base = Path("/in")
    files = [(base / n, base) for n in ("a.png", "a.pdf", "sub/a.png", "c.tif")]
    stems = output_stems(files)
    assert stems == ["a.png", "a.pdf", "sub/a", "c"]
    assert output_stems(files[::-1]) == stems[::-1]
    twice = [(Path("/x/a.png"), Path("/x")), (Path("/y/a.png"), Path("/y"))]
    assert output_stems(twice) == ["a.png", "a.png-2"]


def test_a_replaced_reading_is_said(tmp_path, capsys):
    good = text_page(tmp_path / "good.png")
    out = tmp_path / "out"
    code, first, _ = run(capsys, "read", good, "--engine", "tesseract", "--out", out)
    assert code == 0 and "(replaced" not in first
    code, again, _ = run(capsys, "read", good, "--engine", "tesseract", "--out", out)
    assert code == 0 and "(replaced an earlier reading)" in again.splitlines()[0]
    code, _, err = run(capsys, "read", good, "--engine", "tesseract", "--out", out, "--quiet")
    assert code == 0 and err == [f"literate: note: {out / 'good'}.*: replaced an earlier reading"]


def test_a_model_with_tesseract_is_noted_not_loaded(tmp_path, capsys):
    good = text_page(tmp_path / "good.png")
    code, _, err = run(
        capsys, "read", good, "--engine", "tesseract", "--model", "nobody/nothing", "--out",
        tmp_path / "out", "--quiet",
    )  # fmt: skip
    assert code == 0
    assert err == ["literate: note: --model nobody/nothing is not used by --engine tesseract"]


def test_an_unreadable_file_among_readable_ones_fails_alone(tmp_path, capsys, monkeypatch):
    import builtins

    a, b, c = (text_page(tmp_path / f"{n}.png", f"Page {n}") for n in "abc")
    real_open = builtins.open

    def fake_open(file, *args, **kwargs):
        if str(file) == str(b):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    out = tmp_path / "out"
    code, _, err = run(capsys, "read", a, b, c, "--engine", "tesseract", "--out", out, "--quiet")
    assert code == 1
    assert err == [f"literate: error: {b}: cannot read (permission denied)"]
    assert sorted(p.name for p in out.glob("*.json")) == ["a.json", "c.json"]


def test_an_unreadable_sub_folder_is_an_error_not_silence(tmp_path, capsys, monkeypatch):
    import os

    for sub in ("a", "b"):
        (tmp_path / "in" / sub).mkdir(parents=True)
        text_page(tmp_path / "in" / sub / "x.png")
    real_scandir = os.scandir

    def fake_scandir(path="."):
        if str(path) == str(tmp_path / "in" / "b"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", fake_scandir)
    out = tmp_path / "out"
    code, _, err = run(
        capsys, "read", tmp_path / "in", "--engine", "tesseract", "--out", out, "--quiet"
    )
    assert code == 1
    assert err == [
        f"literate: error: {tmp_path / 'in' / 'b'}: cannot read this folder (permission denied)"
    ]
    assert (out / "a" / "x.json").is_file()


def test_a_fifo_is_named_as_one(tmp_path, capsys):
    import os

    os.mkfifo(tmp_path / "pipe")
    code, _, err = run(capsys, "read", tmp_path / "pipe", "/dev/null", "--engine", "tesseract",
                       "--out", tmp_path / "out")  # fmt: skip
    assert code == 1
    assert err == [
        f"literate: error: {tmp_path / 'pipe'}: is a named pipe (FIFO), not a file or folder",
        "literate: error: /dev/null: is a character device, not a file or folder",
    ]


def test_eval_reader_reports_an_unreadable_page_and_scores_the_rest(tmp_path, capsys):
    pages = tmp_path / "pages"
    pages.mkdir()
    text_page(pages / "good.png")
    (pages / "good.md").write_text("Hello reader\n")
    text_page(pages / "bad.png")
    (pages / "bad.json").write_text("{not json")
    (pages / "empty.png").write_bytes(b"")
    (pages / "empty.md").write_text("x\n")
    code, out, err = run(capsys, "eval", "reader", pages, "--engine", "tesseract", "--task", "md")
    assert code == 1
    assert len(err) == 2 and all(e.startswith("literate: error: ") for e in err)
    assert "bad.png: its truth cannot be read" in err[0] and "empty.png: empty file" in err[1]
    assert "n_pages: 1" in out
