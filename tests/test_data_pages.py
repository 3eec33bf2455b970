"""The data engine's ground truth agrees with itself and with its source."""

import dataclasses
import importlib.util
import json
import random
import re
import shutil
import subprocess
from collections import Counter

import pytest

from literate.data.corpora import TextDocument
from literate.data.generated import GENERATED, readme_page, shakespeare_scene
from literate.data.pages import (
    DRAW_FILE,
    DrawMismatch,
    Style,
    check_draw,
    line_text_without_markers,
    markdown_text,
    render_page,
    render_pdf,
    split_fonts,
    write_dataset,
)
from literate.data.render import FONTS, TEST_FONTS, available_fonts

# Only the tests that render need weasyprint (and poppler's pdftotext for the truth, pdffonts
# for the faces): each says so in the report when it is missing, the others still run.
needs_weasyprint = pytest.mark.skipif(
    importlib.util.find_spec("weasyprint") is None,
    reason="weasyprint is not installed: it renders the pages (pip install -e '.[dev]')",
)
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils (pdftotext, pdffonts) are not installed: make system-deps",
)

TEXTS = [
    "Now is the winter of our discontent made glorious summer by this sun of York "
    "and all the clouds that lour'd upon our house in the deep bosom of the ocean buried "
    "42 crowns, 3.50 ducats; thrice-told tales! " * 8
]
README = TextDocument(
    "readmes:demo",
    "# demo\n\n![badge](https://x/y.svg)\n\nA [link](https://example.org) and "
    "<b>html</b>.\n\n## Usage\n\n```python\nimport demo\ndemo.run(1)\n```\n\n"
    "- one item\n- two items\n\n1. first\n2. second\n",
    "readmes",
)
PLAY = TextDocument(
    "shakespeare:demo",
    "## ACT I\n\n**KING**\nNow is the winter\nof our discontent.\n\n_Exit_\n\n" * 6,
    "shakespeare",
)


def sources():
    rng = random.Random(0)
    out = [(kind, fn(TEXTS, rng)) for kind, fn in GENERATED.items()]
    out.append(("readme", readme_page(README, rng)))
    out.append(("shakespeare", shakespeare_scene(PLAY, rng)))
    return out


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@needs_weasyprint
@needs_poppler
@pytest.mark.parametrize("kind,md", sources(), ids=[k for k, _ in sources()])
def test_rendered_truth_is_consistent(kind, md):
    style = Style.sample(random.Random(kind), ["dejavu-sans", "liberation-serif"])
    page = render_page(md, style, dpi=72)
    assert page is not None and page.lines
    w, h = page.image.size
    for line in page.lines:
        assert line["text"] == " ".join(wd["text"] for wd in line["words"])
        for wd in line["words"]:
            x0, y0, x1, y1 = wd["bbox"]
            assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        assert line["bbox"] == [
            min(wd["bbox"][0] for wd in line["words"]),
            min(wd["bbox"][1] for wd in line["words"]),
            max(wd["bbox"][2] for wd in line["words"]),
            max(wd["bbox"][3] for wd in line["words"]),
        ]
    # the page's Markdown, rendered to text, is exactly the page's text (whitespace aside)
    source = squash(markdown_text(page.markdown))
    seen = [squash(line_text_without_markers(ln)) for ln in page.lines]
    assert Counter("".join(seen)) == Counter(source)
    assert all(s in source for s in seen)


def test_offline_renderer_drops_readme_images_and_link_targets():
    md = readme_page(README, random.Random(1))
    assert "https://" not in md and "<b>" not in md and "link" in md


@needs_weasyprint
def test_pdf_renders_offline_without_the_images_it_cannot_fetch():
    # a README image that escapes the cleaning must not stop the page (nor touch the network)
    md = '# Title\n\n<img src="https://x/y.svg"> text ![b](https://x/z.png)\n'
    pdf = render_pdf(md, Style.sample(random.Random(0), split_fonts("train")))
    assert pdf.startswith(b"%PDF")


@needs_weasyprint
@needs_poppler
def test_every_font_family_renders_in_its_own_face(tmp_path):
    # fontconfig falls back silently to another face for a family name it does not know
    base = Style.sample(random.Random(0), ["dejavu-sans"])
    for family in available_fonts():
        style = dataclasses.replace(base, family=family, heading_family=family)
        path = tmp_path / f"{family}.pdf"
        path.write_bytes(render_pdf("# Title\n\nplain and **bold** words", style))
        listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
        embedded = {row.split()[0].split("+")[-1] for row in listing.splitlines()[2:]}
        want = FONTS[family].css.replace(" ", "-")
        assert embedded and all(name.startswith(want) for name in embedded), (family, embedded)


@needs_weasyprint
@needs_poppler
def test_dataset_is_deterministic_resumable_and_split_by_font(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_dataset(a, 3, seed=7, split="test", workers=2)
    write_dataset(b, 3, seed=7, split="test", workers=1)
    for i in range(3):
        name = f"page-{i:05d}"
        ja = json.loads((a / f"{name}.json").read_text())
        assert ja == json.loads((b / f"{name}.json").read_text())
        assert (a / f"{name}.png").read_bytes() == (b / f"{name}.png").read_bytes()
        assert ja["style"]["family"] in TEST_FONTS
    (a / "page-00001.png").unlink()
    before = (a / "page-00000.png").stat().st_mtime_ns
    counts = write_dataset(a, 3, seed=7, split="test", workers=1)
    assert counts.get("kept") == 2
    assert (a / "page-00001.png").read_bytes() == (b / "page-00001.png").read_bytes()
    assert (a / "page-00000.png").stat().st_mtime_ns == before
    assert not set(split_fonts("train")) & set(TEST_FONTS)
    with pytest.raises(DrawMismatch, match="seed 7 → 8"):  # never two draws in one folder
        write_dataset(a, 3, seed=8, split="test", workers=1)
    assert (a / "page-00000.png").stat().st_mtime_ns == before


def test_a_folder_resumes_only_with_the_same_sources(tmp_path, capsys):
    """The held-out bench once reused pages drawn before the README wheels were installed,
    so its page set differed from the one it then claimed: the sources are part of a draw."""
    draw = {"seed": 0, "split": "test", "readmes": 59, "readme_ids_sha1": "aa"}
    check_draw(tmp_path, draw)
    assert json.loads((tmp_path / DRAW_FILE).read_text()) == draw
    check_draw(tmp_path, draw)  # the same draw resumes
    with pytest.raises(DrawMismatch, match="readmes 59 → 249"):
        check_draw(tmp_path, {**draw, "readmes": 249, "readme_ids_sha1": "bb"})
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "page-00000.png").write_bytes(b"")
    check_draw(legacy, draw)  # pages from before draws were recorded: adopted, and said so
    assert "kept as they are" in capsys.readouterr().err
    assert (legacy / DRAW_FILE).is_file()
