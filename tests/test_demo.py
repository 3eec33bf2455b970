import json

from helpers import DEMO_SCORES, printed_scores
from rich.console import Console

from literate.demo import SAMPLE_DIR, SAMPLE_MARKDOWN, read_sample
from literate.reader.model.tiny import build_reader


def test_sample_page_is_shipped_with_its_truth():
    for name in ("page.png", "page.json", "page.md", "page.pdf"):
        assert (SAMPLE_DIR / name).is_file()
    assert (SAMPLE_DIR / "page.md").read_text().strip() == SAMPLE_MARKDOWN.strip()
    lines = json.loads((SAMPLE_DIR / "page.json").read_text())["pages"][0]["lines"]
    assert lines[0]["text"] == "Reading a page"


def test_demo_prints_the_bundled_readers_and_tesseracts_known_scores(tmp_path):
    console = Console(record=True, width=120)
    read_sample(console, tmp_path / "out")
    assert printed_scores(console.export_text()) == DEMO_SCORES
    for name in ("page.png.json", "page.png.md", "page.png.boxes.png", "page.pdf.json"):
        assert (tmp_path / "out" / name).is_file(), name
    written = json.loads((tmp_path / "out" / "page.png.json").read_text())
    assert written["pages"][0]["lines"][0]["text"] == "Reading a page"


def test_demo_goes_on_with_another_reader_and_scores_it(tmp_path, monkeypatch):
    """An untrained tiny reader in place of the bundled one: its row is printed too, and
    Tesseract's stays the known one."""
    ckpts = tmp_path / "ckpts"
    build_reader(ckpts / "reader-small", size="tiny", coordinate_bins=256)
    (ckpts / "reader-small" / "literate_reader.json").write_text(
        '{"tiling": "lines", "max_new_tokens": 24}'
    )
    monkeypatch.setenv("LITERATE_CHECKPOINTS", str(ckpts))
    console = Console(record=True, width=120)
    read_sample(console, tmp_path / "out")
    scores = printed_scores(console.export_text())
    assert scores.keys() == DEMO_SCORES.keys()
    assert scores["tesseract"] == DEMO_SCORES["tesseract"]
    assert scores["auto (PDF text layer)"] == DEMO_SCORES["auto (PDF text layer)"]
    assert scores["bundled reader"][0] < 0.5  # untrained: it cannot read the page
