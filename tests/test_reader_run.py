"""``literate read``'s outputs: one that cannot be written fails its input alone, an --out
that cannot be a folder is refused before the model loads, stems that clash all keep their
suffix, and a replaced reading is said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from literate.cli import main
from literate.reader import Reader
from literate.reader.reader import output_stems


def page(path: Path, text: str = "Hello reader") -> Path:
    img = Image.new("RGB", (360, 90), "white")
    ImageDraw.Draw(img).text((10, 30), text, fill="black", font_size=28)
    img.save(path)
    return path


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err.strip().splitlines()


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*"))


def test_a_folder_where_an_output_goes_fails_that_input_alone(tmp_path, capsys):
    good, one = page(tmp_path / "good.png"), page(tmp_path / "one.png", "One more")
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
    good = page(tmp_path / "good.png")
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
    a_jpg, a_png = page(tmp_path / "a.jpg"), page(tmp_path / "a.png")
    b = page(tmp_path / "b.png")
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
    good = page(tmp_path / "good.png")
    out = tmp_path / "out"
    code, first, _ = run(capsys, "read", good, "--engine", "tesseract", "--out", out)
    assert code == 0 and "(replaced" not in first
    code, again, _ = run(capsys, "read", good, "--engine", "tesseract", "--out", out)
    assert code == 0 and "(replaced an earlier reading)" in again.splitlines()[0]
    code, _, err = run(capsys, "read", good, "--engine", "tesseract", "--out", out, "--quiet")
    assert code == 0 and err == [f"literate: note: {out / 'good'}.*: replaced an earlier reading"]


def test_a_model_with_tesseract_is_noted_not_loaded(tmp_path, capsys):
    good = page(tmp_path / "good.png")
    code, _, err = run(
        capsys, "read", good, "--engine", "tesseract", "--model", "nobody/nothing", "--out",
        tmp_path / "out", "--quiet",
    )  # fmt: skip
    assert code == 0
    assert err == ["literate: note: --model nobody/nothing is not used by --engine tesseract"]
