"""The data engine: Markdown → HTML → PDF → PNG, with both reader tasks' ground truth.

As for Kosmos-2.5, the truth comes from the source, not from an OCR: the page's Markdown is
the Markdown we rendered, and its text lines and words with boxes come from the PDF's text
layer (``pdftotext -bbox-layout``, points × dpi/72). python-markdown makes the HTML,
weasyprint the PDF (fonts from Debian packages, CSS varied per page), pypdfium2 the PNG.

A page is one PDF page: blocks that would spill onto a second page are dropped (the kept
blocks are the page's Markdown). Sources: Shakespeare scenes, package READMEs and generated
pages (``literate.data.generated``); the test split uses other documents and the two
held-out font families. ``write_dataset`` is deterministic per seed and index, runs in
parallel and resumes (finished pages are kept) only into a folder of the same draw
(``draw.json``: seed, split, dpi, augmentations, fonts and the split's READMEs, which grow
with ``literate data fetch-readmes``).
"""

from __future__ import annotations

import functools
import io
import math
import random
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps

from literate.data.pdftext import text_layers
from literate.data.render import FONTS, TEST_FONTS, available_fonts
from literate.errors import BadValueError, LiterateError

PAGE_SIZES = {"A4": (210, 297), "A5": (148, 210), "letter": (216, 279), "receipt": (90, 280)}


@dataclass(frozen=True)
class Style:
    family: str
    size_pt: float
    page: str
    margin_mm: float
    columns: int
    line_height: float
    heading_family: str

    @classmethod
    def sample(cls, rng: random.Random, fonts: list[str], page: str | None = None) -> Style:
        family = rng.choice(fonts)
        return cls(
            family=family,
            size_pt=rng.choice([9, 10, 10.5, 11, 12, 13]),
            page=page or rng.choice(["A4", "A4", "A5", "letter"]),
            margin_mm=rng.choice([10, 15, 20, 25]),
            columns=2 if page != "receipt" and rng.random() < 0.2 else 1,
            line_height=rng.choice([1.2, 1.3, 1.45, 1.6]),
            heading_family=family if rng.random() < 0.7 else rng.choice(fonts),
        )

    def css(self) -> str:
        w, h = PAGE_SIZES[self.page]
        return f"""
@page {{ size: {w}mm {h}mm; margin: {self.margin_mm}mm; }}
body {{ font-family: "{FONTS[self.family].css}"; font-size: {self.size_pt}pt;
        line-height: {self.line_height}; overflow-wrap: anywhere;
        column-count: {self.columns}; column-gap: 8mm; }}
h1, h2, h3, h4 {{ font-family: "{FONTS[self.heading_family].css}"; line-height: 1.2;
        break-after: avoid; }}
h1 {{ font-size: 1.9em; }} h2 {{ font-size: 1.5em; }} h3 {{ font-size: 1.2em; }}
table {{ border-collapse: collapse; margin: 0.5em 0; break-inside: avoid; }}
thead {{ display: table-row-group; }}
td, th {{ border: 0.5pt solid #777; padding: 0.2em 0.8em; text-align: left; }}
pre, code {{ font-family: "Liberation Mono", monospace; font-size: 0.9em; }}
pre {{ white-space: pre-wrap; }}
"""


@dataclass
class SourcePage:
    id: str  # source document, for the split
    markdown: str


@dataclass
class PdfPage:
    image: Image.Image
    lines: list[dict]  # {"text", "bbox", "words": [{"text", "bbox"}]} in pixels
    markdown: str
    style: Style


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"offline: not fetching {url}")


@functools.cache
def offline_fetcher():
    """A url_fetcher that fetches nothing (weasyprint then leaves the resource out).
    weasyprint ≥ 70 wants a ``URLFetcher``: a plain function breaks its error path."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # weasyprint < 70 takes any callable
        return _no_fetch

    class Offline(URLFetcher):  # its __call__ goes through fetch
        def fetch(self, url, headers=None):
            _no_fetch(url)

    return Offline()


def markdown_blocks(md: str) -> list[str]:
    """Top-level blocks separated by blank lines, keeping fenced code blocks whole."""
    blocks, current, fenced = [], [], False
    for row in md.strip().splitlines():
        if row.strip().startswith("```"):
            fenced = not fenced
        if not row.strip() and not fenced:
            if current:
                blocks.append("\n".join(current))
                current = []
        else:
            current.append(row)
    if current:
        blocks.append("\n".join(current))
    return blocks


def to_body(md: str) -> str:
    import markdown

    return markdown.markdown(md, extensions=["tables", "fenced_code", "sane_lists"])


def to_html(md: str, style: Style) -> str:
    return f"<html><head><style>{style.css()}</style></head><body>{to_body(md)}</body></html>"


def render_pdf(md: str, style: Style) -> bytes:
    import logging

    import weasyprint
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False  # weasyprint turns it on for every user of PIL
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # font-subsetting chatter
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint.HTML(string=to_html(md, style), url_fetcher=offline_fetcher()).write_pdf()


def _page_count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def fit_one_page(md: str, style: Style) -> tuple[str, bytes] | None:
    """The longest prefix of ``md``'s blocks that fits on one page (binary search)."""
    blocks = markdown_blocks(md)
    lo, hi, best = 1, len(blocks), None
    while lo <= hi:
        mid = (lo + hi) // 2
        text = "\n\n".join(blocks[:mid])
        pdf = render_pdf(text, style)
        if _page_count(pdf) == 1:
            best, lo = (text, pdf), mid + 1
        else:
            hi = mid - 1
    return best


def text_layer(pdf: bytes, dpi: int) -> tuple[list[dict], tuple[int, int]]:
    """Lines and words of page 1 from the PDF's text layer (``pdftext``), in pixels at
    ``dpi``: the same reader ``--engine pdf`` uses, so the truth and that engine agree."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.pdf"
        path.write_bytes(pdf)
        layer = text_layers(path, dpi, first=1, last=1)[0]
    lines = [
        {
            "text": line.text,
            "bbox": list(line.bbox),
            "words": [{"text": w.text, "bbox": list(w.bbox)} for w in words],
        }
        for line, words in zip(layer.lines, layer.words, strict=True)
    ]
    return lines, (layer.width, layer.height)


def rasterise(pdf: bytes, dpi: int, size: tuple[int, int]) -> Image.Image:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        doc.close()
    if image.size != size:  # rounding: pad/crop to the text layer's page size
        canvas = Image.new("RGB", size, "white")
        canvas.paste(image, (0, 0))
        image = canvas
    return image


def render_page(md: str, style: Style, dpi: int = 100) -> PdfPage | None:
    fitted = fit_one_page(md, style)
    if fitted is None:
        return None
    text, pdf = fitted
    lines, size = text_layer(pdf, dpi)
    if not lines:
        return None
    return PdfPage(rasterise(pdf, dpi, size), lines, text, style)


def crop_to_content(page: PdfPage, rng: random.Random) -> PdfPage:
    """Cut the empty margins down to a random pad (no text is lost: boxes move)."""
    w, h = page.image.size
    x0 = min(ln["bbox"][0] for ln in page.lines)
    y0 = min(ln["bbox"][1] for ln in page.lines)
    x1 = max(ln["bbox"][2] for ln in page.lines)
    y1 = max(ln["bbox"][3] for ln in page.lines)
    pad = rng.randint(8, 40)
    left, top = max(0, x0 - pad), max(0, y0 - pad)
    right, bottom = min(w, x1 + pad), min(h, y1 + pad)

    def move(b):
        return [b[0] - left, b[1] - top, b[2] - left, b[3] - top]

    lines = [
        {
            **ln,
            "bbox": move(ln["bbox"]),
            "words": [{**wd, "bbox": move(wd["bbox"])} for wd in ln["words"]],
        }
        for ln in page.lines
    ]
    return PdfPage(page.image.crop((left, top, right, bottom)), lines, page.markdown, page.style)


def rotate_page(page: PdfPage, degrees: float) -> PdfPage:
    """Rotate by a small angle about the centre (page size kept, white fill); every box
    becomes the bounding box of its rotated corners, clipped to the page."""
    w, h = page.image.size
    cx, cy = w / 2, h / 2
    a = math.radians(degrees)  # PIL rotates counter-clockwise on screen for degrees > 0
    cos, sin = math.cos(a), math.sin(a)

    def move(b):
        xs, ys = [], []
        for x, y in ((b[0], b[1]), (b[2], b[1]), (b[0], b[3]), (b[2], b[3])):
            dx, dy = x - cx, y - cy
            xs.append(cx + dx * cos + dy * sin)
            ys.append(cy - dx * sin + dy * cos)
        box = [math.floor(min(xs)), math.floor(min(ys)), math.ceil(max(xs)), math.ceil(max(ys))]
        return [max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])]

    lines = [
        {
            **ln,
            "bbox": move(ln["bbox"]),
            "words": [{**wd, "bbox": move(wd["bbox"])} for wd in ln["words"]],
        }
        for ln in page.lines
    ]
    image = page.image.rotate(degrees, resample=Image.BICUBIC, fillcolor="white")
    return PdfPage(image, lines, page.markdown, page.style)


def augment(image: Image.Image, rng: random.Random) -> tuple[Image.Image, list[str]]:
    """Photometric noise that keeps every box where it is: blur, contrast, JPEG, noise."""
    done = []
    if rng.random() < 0.3:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
        done.append("blur")
    if rng.random() < 0.3:
        image = ImageOps.autocontrast(image, cutoff=0).point(
            lambda v, lo=rng.randint(0, 60), hi=rng.randint(200, 255): lo + v * (hi - lo) // 255
        )
        done.append("contrast")
    if rng.random() < 0.3:
        import numpy as np  # seeded from rng: PIL's effect_noise is not reproducible

        gen = np.random.default_rng(rng.getrandbits(32))
        pixels = np.asarray(image, dtype=np.float32)
        pixels = pixels + gen.normal(0, rng.uniform(6, 18), pixels.shape[:2])[..., None]
        image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
        done.append("noise")
    if rng.random() < 0.3:
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=rng.randint(35, 80))
        image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
        done.append("jpeg")
    return image, done


def split_fonts(split: str) -> list[str]:
    fonts = available_fonts()
    chosen = [f for f in fonts if (f in TEST_FONTS) == (split == "test")]
    if not chosen:
        raise LiterateError("no fonts for this split: `make demo` installs the font packages")
    return chosen


def page_record(page: PdfPage, source: str, augmentations: list[str]) -> dict:
    w, h = page.image.size
    return {
        "source": source,
        "style": asdict(page.style),
        "augmentations": augmentations,
        "pages": [
            {"page": 1, "width": w, "height": h, "lines": page.lines, "markdown": page.markdown}
        ],
    }


@functools.cache
def _corpora(split: str):
    from literate.data.corpora import load_corpus
    from literate.data.splits import get_split

    plays = get_split(load_corpus("shakespeare"), split)
    try:
        readmes = get_split(load_corpus("readmes"), split)
    except LiterateError:
        readmes = []
    return plays, readmes


def render_one(out: str, i: int, seed: int, split: str, dpi: int, augmentations: bool) -> str:
    """Page ``i`` of the dataset (skipped when already written); returns its kind."""
    from literate.data.generated import sample_source
    from literate.io import atomic_output, write_json_atomic, write_text_atomic

    path = Path(out) / f"page-{i:05d}.png"
    if all(path.with_suffix(s).is_file() for s in (".png", ".json", ".md")):
        return "kept"
    plays, readmes = _corpora(split)
    fonts = split_fonts(split)
    for attempt in range(20):  # a source that renders nothing (e.g. an empty README) → next
        rng = random.Random(f"{seed}/{split}/{i}/{attempt}")
        kind, source, md = sample_source(rng, plays, readmes)
        style = Style.sample(rng, fonts, page="receipt" if kind == "receipt" else None)
        page = render_page(md, style, dpi)
        if page is not None:
            break
    else:
        raise LiterateError(f"page {i}: no source rendered to text in 20 attempts")
    if rng.random() < 0.5:
        page = crop_to_content(page, rng)
    done = []
    if augmentations and rng.random() < 0.2:
        page = rotate_page(page, rng.uniform(-1.0, 1.0))
        done.append("rotation")
    image = page.image
    if augmentations:
        image, more = augment(image, rng)
        done += more
    with atomic_output(path) as tmp:  # the PNG last: its presence marks a finished page
        image.save(tmp, format="PNG")
        write_json_atomic(path.with_suffix(".json"), page_record(page, source, done))
        write_text_atomic(path.with_suffix(".md"), page.markdown + "\n")
    return kind


DRAW_FILE = "draw.json"


class DrawMismatch(BadValueError):
    """A dataset folder whose pages were drawn with other settings or other sources."""


def page_draw(seed: int, split: str, dpi: int, augmentations: bool) -> dict:
    """Everything besides a page's index that decides what it shows. The READMEs are
    recorded by a digest of their ids: installing the README wheels changes the pages."""
    import hashlib

    _, readmes = _corpora(split)
    ids = "\n".join(sorted(d.id for d in readmes)).encode()
    return {
        "seed": seed,
        "split": split,
        "dpi": dpi,
        "augmentations": augmentations,
        "fonts": split_fonts(split),
        "readmes": len(readmes),
        "readme_ids_sha1": hashlib.sha1(ids).hexdigest(),
    }


def check_draw(out: Path, draw: dict) -> None:
    """Refuse to resume ``out`` with another draw: its old pages would be kept beside new
    ones without a word. A folder from before draws were recorded is adopted, with a note."""
    import json
    import sys

    from literate.io import write_json_atomic

    path = out / DRAW_FILE
    if path.is_file():
        try:
            old = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise BadValueError(f"--out {out}: unreadable {DRAW_FILE} ({e})") from e
        changed = [f"{k} {old.get(k)!r} → {v!r}" for k, v in draw.items() if old.get(k) != v]
        if changed:
            raise DrawMismatch(
                f"--out {out}: its pages were drawn otherwise ({'; '.join(changed)}): "
                "use a new folder"
            )
        return
    if any(out.glob("page-*.png")):
        print(
            f"literate: note: {out}: pages from before draws were recorded are kept as they are",
            file=sys.stderr,
        )
    write_json_atomic(path, draw)


def write_dataset(
    out: str | Path,
    n: int,
    seed: int = 0,
    split: str = "train",
    dpi: int = 100,
    augmentations: bool = True,
    workers: int = 2,
) -> dict[str, int]:
    """``n`` pages in the ``literate eval reader`` layout; counts of pages per kind."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from rich.progress import Progress

    if split not in ("train", "validation", "test"):
        raise LiterateError(f"--split {split}: choose train, validation or test")
    from literate.io import make_folder

    out = make_folder(out, "--out")
    check_draw(out, page_draw(seed, split, dpi, augmentations))
    counts: dict[str, int] = {}
    args = [(str(out), i, seed, split, dpi, augmentations) for i in range(n)]
    with Progress() as progress:
        task = progress.add_task(f"rendering {n} pages", total=n)
        if workers <= 1:
            results = (render_one(*a) for a in args)
            for kind in results:
                counts[kind] = counts.get(kind, 0) + 1
                progress.advance(task)
        else:
            with ProcessPoolExecutor(workers) as pool:
                try:
                    for fut in as_completed([pool.submit(render_one, *a) for a in args]):
                        kind = fut.result()
                        counts[kind] = counts.get(kind, 0) + 1
                        progress.advance(task)
                except BaseException:  # e.g. a page that cannot be written: stop the rest
                    pool.shutdown(cancel_futures=True)
                    raise
    return counts


LIST_MARKERS = re.compile(r"^(?:[•◦▪‣–-]|\d+[.)])$")


def markdown_text(md: str) -> str:
    """The text a reader sees when ``md`` is rendered (tags dropped, entities decoded)."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = Text()
    parser.feed(to_body(md))
    return "".join(parser.parts)


def line_text_without_markers(line: dict) -> str:
    """A text line as the Markdown's text has it: list bullets/numbers are CSS markers."""
    words = [w["text"] for w in line["words"]]
    if words and LIST_MARKERS.match(words[0]):
        words = words[1:]
    return " ".join(words)
