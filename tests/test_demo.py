import json

from rich.console import Console

from literate.demo import SAMPLE_DIR, SAMPLE_MARKDOWN, read_sample
from literate.reader.model.tiny import build_reader


def test_sample_page_is_shipped_with_its_truth():
    for name in ("page.png", "page.json", "page.md", "page.pdf"):
        assert (SAMPLE_DIR / name).is_file()
    assert (SAMPLE_DIR / "page.md").read_text().strip() == SAMPLE_MARKDOWN.strip()
    lines = json.loads((SAMPLE_DIR / "page.json").read_text())["pages"][0]["lines"]
    assert lines[0]["text"] == "Reading a page"


def test_demo_reads_the_sample_with_both_engines(tmp_path, monkeypatch):
    ckpts = tmp_path / "ckpts"
    build_reader(ckpts / "reader-small", size="tiny", coordinate_bins=256)
    (ckpts / "reader-small" / "literate_reader.json").write_text(
        '{"tiling": "lines", "max_new_tokens": 24}'
    )
    monkeypatch.setenv("LITERATE_CHECKPOINTS", str(ckpts))
    console = Console(record=True, width=120)
    read_sample(console, tmp_path / "out")
    text = console.export_text()
    assert "bundled reader" in text and "tesseract" in text
    for name in ("page.png.json", "page.png.md", "page.png.boxes.png", "page.pdf.json"):
        assert (tmp_path / "out" / name).is_file(), name
