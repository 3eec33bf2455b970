"""Pages rendered with Pillow, with exact ground truth: line boxes and Markdown.

The fast renderer (headings and wrapped paragraphs in one font): the Tesseract check, the
reader benchmark's pages, and warm-up data. Fonts come from Debian's ``fonts-*`` packages
(installed by ``scripts/install-system-deps.sh``).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from PIL import Image, ImageDraw, ImageFont

from literate.errors import LiterateError
from literate.lines import Line

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")


class FontFamily(NamedTuple):
    """A face's two files (indexed by ``bold``) and the name CSS and fontconfig know it by."""

    regular: str
    bold: str
    css: str


FONTS = {
    "dejavu-sans": FontFamily("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVu Sans"),
    "dejavu-serif": FontFamily("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVu Serif"),
    "liberation-sans": FontFamily(
        "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf", "Liberation Sans"
    ),
    "liberation-serif": FontFamily(
        "LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "Liberation Serif"
    ),
    "liberation-mono": FontFamily(
        "LiberationMono-Regular.ttf", "LiberationMono-Bold.ttf", "Liberation Mono"
    ),
    "freesans": FontFamily("FreeSans.ttf", "FreeSansBold.ttf", "FreeSans"),
    "freeserif": FontFamily("FreeSerif.ttf", "FreeSerifBold.ttf", "FreeSerif"),
    "carlito": FontFamily("Carlito-Regular.ttf", "Carlito-Bold.ttf", "Carlito"),
    "caladea": FontFamily("Caladea-Regular.ttf", "Caladea-Bold.ttf", "Caladea"),
    "c059": FontFamily("C059-Roman.otf", "C059-Bold.otf", "C059"),
    # more training families (fonts-urw-base35, fonts-linuxlibertine): more faces to generalise
    # from to the held-out ones (docs/reader-training.md, stage 8)
    "nimbus-sans": FontFamily("NimbusSans-Regular.otf", "NimbusSans-Bold.otf", "Nimbus Sans"),
    "nimbus-sans-narrow": FontFamily(
        "NimbusSansNarrow-Regular.otf", "NimbusSansNarrow-Bold.otf", "Nimbus Sans Narrow"
    ),
    "nimbus-roman": FontFamily("NimbusRoman-Regular.otf", "NimbusRoman-Bold.otf", "Nimbus Roman"),
    "p052": FontFamily("P052-Roman.otf", "P052-Bold.otf", "P052"),
    "urw-bookman": FontFamily("URWBookman-Light.otf", "URWBookman-Demi.otf", "URW Bookman"),
    "urw-gothic": FontFamily("URWGothic-Book.otf", "URWGothic-Demi.otf", "URW Gothic"),
    "linux-libertine": FontFamily("LinLibertine_R.otf", "LinLibertine_RB.otf", "Linux Libertine O"),
    "linux-biolinum": FontFamily("LinBiolinum_R.otf", "LinBiolinum_RB.otf", "Linux Biolinum O"),
    # and five more (fonts-open-sans, fonts-roboto-unhinted, fonts-ebgaramond, fonts-cantarell,
    # fonts-sil-charis): sans faces unlike the URW clones' (Open Sans, Cantarell, Roboto) and two
    # more serifs (Charis SIL, EB Garamond). Not Noto: its wide coverage changes fontconfig's
    # fallback for the emoji of held-out README pages, and with it their truth
    "open-sans": FontFamily("OpenSans-Regular.ttf", "OpenSans-Bold.ttf", "Open Sans"),
    "charis": FontFamily("CharisSIL-Regular.ttf", "CharisSIL-Bold.ttf", "Charis SIL"),
    "roboto": FontFamily("Roboto-Regular.ttf", "Roboto-Bold.ttf", "Roboto"),
    "eb-garamond": FontFamily("EBGaramond12-Regular.otf", "EBGaramond12-Bold.otf", "EB Garamond"),
    "cantarell": FontFamily("Cantarell-Regular.otf", "Cantarell-Bold.otf", "Cantarell"),
}

# Two families never used for training: the held-out split of `bench reader` is set in them.
TEST_FONTS = ("carlito", "caladea")

HEADING_SCALE = {"h1": 1.7, "h2": 1.35, "p": 1.0}


@functools.cache
def _font_file(name: str) -> Path:
    for root in FONT_DIRS:
        if root.is_dir():
            for path in root.rglob(name):
                return path
    raise LiterateError(f"font {name} not found: `make demo` installs the Debian font packages")


def font(family: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    if family not in FONTS:
        raise LiterateError(f"unknown font family {family!r}; choose one of {', '.join(FONTS)}")
    return ImageFont.truetype(str(_font_file(FONTS[family][bold])), size)


def available_fonts() -> list[str]:
    out = []
    for family in FONTS:
        try:
            _font_file(FONTS[family][0])
            out.append(family)
        except LiterateError:
            pass
    return out


def train_fonts() -> list[str]:
    return [f for f in available_fonts() if f not in TEST_FONTS]


def test_fonts() -> list[str]:
    return [f for f in available_fonts() if f in TEST_FONTS]


Glyph = tuple[str, tuple[int, int, int, int]]


@dataclass
class RenderedPage:
    image: Image.Image
    lines: list[Line]
    markdown: str
    glyphs: list[Glyph] = field(default_factory=list)  # (character, its cell); no spaces


def glyph_cells(row: str, x: float, f: ImageFont.FreeTypeFont, line: Line) -> list[Glyph]:
    """Each visible character of ``row`` (drawn from ``x``) and its cell: its advance
    (prefix widths, so the cells tile the line) × the line's height. Cells, not ink boxes, so
    a thin glyph (``i``, ``.``) still covers the patches that see it; the supervision of
    ``literate.reader.glyphs``."""
    _, y0, _, y1 = line.bbox
    out, left = [], x
    for k, ch in enumerate(row):
        right = x + f.getlength(row[: k + 1])
        if not ch.isspace() and right > left:
            out.append((ch, (round(left), y0, round(right), y1)))
        left = right
    return out


def wrap(text: str, f: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels (a word longer than a line gets its own)."""
    rows, row = [], ""
    for word in text.split():
        candidate = f"{row} {word}" if row else word
        if row and f.getlength(candidate) > width:
            rows.append(row)
            row = word
        else:
            row = candidate
    if row:
        rows.append(row)
    return rows


def render_blocks(
    blocks: list[tuple[str, str]],
    family: str = "dejavu-sans",
    size: int = 26,
    width: int = 1000,
    margin: int = 60,
    line_gap: float = 0.45,
    max_height: int | None = None,
) -> RenderedPage:
    """``blocks``: ``("h1" | "h2" | "p", text)``. Lines are laid out top to bottom; the page
    is as tall as its content (or cut at ``max_height``, dropping blocks that do not fit)."""
    placed: list[tuple[tuple[int, int], str, ImageFont.FreeTypeFont]] = []
    md: list[str] = []
    y = margin
    for kind, text in blocks:
        f = font(family, round(size * HEADING_SCALE[kind]), bold=kind != "p")
        rows = wrap(text, f, width - 2 * margin)
        step = round(f.size * (1 + line_gap))
        if not rows or (max_height and y + step * len(rows) + margin > max_height):
            break
        for row in rows:
            placed.append(((margin, y), row, f))
            y += step
        y += round(size * 0.6)
        prefix = {"h1": "# ", "h2": "## ", "p": ""}[kind]
        md.append(prefix + " ".join(rows))
    height = max_height or y + margin
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    lines, glyphs = [], []
    for xy, row, f in placed:
        draw.text(xy, row, font=f, fill=(0, 0, 0))
        x0, y0, x1, y1 = draw.textbbox(xy, row, font=f)
        lines.append(Line(row, (int(x0), int(y0), int(x1), int(y1))))
        glyphs += glyph_cells(row, xy[0], f, lines[-1])
    return RenderedPage(image, lines, "\n\n".join(md), glyphs)


def sample_blocks(text: str, rng: random.Random, n_paragraphs: int = 3) -> list[tuple[str, str]]:
    """A heading, maybe a subheading, and paragraphs of consecutive sentences from ``text``."""
    words = [w for w in text.split() if w.isprintable()]
    if len(words) < 20:
        raise LiterateError("not enough text to lay out a page")
    start = rng.randrange(0, max(1, len(words) - 200))
    cursor = start
    blocks = [("h1", " ".join(words[cursor : cursor + rng.randint(2, 5)]))]
    cursor += 5
    for i in range(n_paragraphs):
        if i == 1 and rng.random() < 0.5:
            blocks.append(("h2", " ".join(words[cursor : cursor + rng.randint(2, 4)])))
            cursor += 4
        n = rng.randint(15, 45)
        blocks.append(("p", " ".join(words[cursor : cursor + n])))
        cursor += n
    return [(k, t) for k, t in blocks if t]


def write_page_set(
    out: str | Path,
    n: int,
    seed: int = 0,
    corpus: str = "shakespeare",
    split: str = "test",
    fonts: list[str] | None = None,
) -> list[Path]:
    """``n`` rendered pages in the ``literate eval reader`` layout (``page-XXXX.png`` with
    ``.json`` lines and ``.md``), deterministic per seed; existing pages are kept, so an
    interrupted run resumes."""
    from literate.data.corpora import load_corpus
    from literate.data.splits import get_split
    from literate.io import atomic_output, make_folder, write_json_atomic, write_text_atomic

    out = make_folder(out)
    fonts = fonts or available_fonts()
    docs = None
    paths = []
    for i in range(n):
        path = out / f"page-{i:04d}.png"
        paths.append(path)
        if (
            path.is_file()
            and path.with_suffix(".json").is_file()
            and path.with_suffix(".md").is_file()
        ):
            continue
        if docs is None:
            docs = get_split(load_corpus(corpus), split)
        rng = random.Random(f"{seed}-{i}")
        doc = docs[rng.randrange(len(docs))]
        family = fonts[i % len(fonts)]
        page = render_blocks(
            sample_blocks(doc.text, rng),
            family,
            size=rng.randint(20, 30),
            width=rng.choice([900, 1000, 1100]),
            margin=rng.randint(40, 80),
        )
        payload = {
            "source": f"{corpus}:{doc.id}",
            "font": family,
            "pages": [
                {
                    "page": 1,
                    "width": page.image.width,
                    "height": page.image.height,
                    "lines": [{"text": ln.text, "bbox": list(ln.bbox)} for ln in page.lines],
                    "markdown": page.markdown,
                }
            ],
        }
        with atomic_output(path) as tmp:  # the PNG last: its presence marks a finished page
            page.image.save(tmp, format="PNG")
            write_json_atomic(path.with_suffix(".json"), payload)
            write_text_atomic(path.with_suffix(".md"), page.markdown + "\n")
    return paths


def render_snippet(
    rows: list[str],
    family: str,
    size: int,
    rng: random.Random,
    pad: int | None = None,
    ink: tuple[int, int, int] = (0, 0, 0),
) -> RenderedPage:
    """A tight image of a few text lines (the warm-up data): one line per row, left
    aligned, with per-line boxes; the Markdown is the rows as one paragraph."""
    f = font(family, size)
    pad = rng.randint(4, 16) if pad is None else pad
    step = round(size * rng.uniform(1.25, 1.6))
    width = max(1, max(round(f.getlength(r)) for r in rows)) + 2 * pad
    height = pad * 2 + step * (len(rows) - 1) + round(size * 1.3)
    shade = rng.randint(235, 255)
    image = Image.new("RGB", (width, height), (shade, shade, shade))
    draw = ImageDraw.Draw(image)
    lines, glyphs = [], []
    for i, row in enumerate(rows):
        xy = (pad, pad + i * step)
        draw.text(xy, row, font=f, fill=ink)
        x0, y0, x1, y1 = draw.textbbox(xy, row, font=f)
        if x1 > x0 and y1 > y0:
            lines.append(Line(row, (int(x0), int(y0), int(x1), int(y1))))
            glyphs += glyph_cells(row, pad, f, lines[-1])
    return RenderedPage(image, lines, " ".join(rows), glyphs)
