"""Training examples for the reader: rendered snippets (on the fly, deterministic per index)
and folders of pages in the ``literate eval reader`` layout.

An example is ``{"image": PIL, "lines": [Line], "markdown": str, "glyphs": [(char, box)]}``
(glyph cells only where we rendered the image ourselves; ``literate.reader.glyphs``); the
collator turns it into a prompt and an answer for its task.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from torch.utils.data import Dataset

from literate.data.render import render_blocks, render_snippet, sample_blocks, train_fonts
from literate.errors import InputNotFoundError
from literate.lines import Line, lines_from_json
from literate.reader.documents import load_document
from literate.reader.layout.deskew import estimate_skew, level, unrotate_box
from literate.reader.layout.flatten import flatten
from literate.reader.layout.segment import PIECE_WIDTH, ink_and_rules, segment_page
from literate.reader.layout.strips import lines_inside, strip_height_for
from literate.reader.metrics import intersection

LEVELS = {"word": (1, 1, 1, 1), "line": (1, 1, 2, 6), "snippet": (1, 4, 2, 8)}  # rows, words
# --level mix: a strip stage that keeps drawing words, lines and snippets, meant to keep it
# from unlearning single words (research/word_reading.py measured a strips-only
# stage take one-word F1 from 0.075 to 0.005); the mix itself is not measured yet
MIX = {"word": 0.2, "line": 0.2, "snippet": 0.2, "strip": 0.4}
# --level piece: half pieces of data-engine pages (what `--tiling lines` hands the model, with
# the pages' fonts, sizes, tables and augmentations), half rendered lines, whose corpora hold
# far more text than a few hundred pages
PIECE_MIX = {"piece": 0.5, "line": 0.5}


class SeededDataset(Dataset):
    """``n`` items made on the fly; item ``i`` comes from a generator seeded by the dataset's
    ``seed``, a tag and ``i``, so it is the same every time and in every worker."""

    n: int
    seed: int

    def __len__(self) -> int:
        return self.n

    def rng(self, i: int, tag: str) -> random.Random:
        if not 0 <= i < self.n:
            raise IndexError(i)
        return random.Random(f"{self.seed}/{tag}/{i}")


class SnippetDataset(SeededDataset):
    """``n`` snippets of 1–4 lines cut from ``texts`` and rendered in ``fonts`` at random
    sizes; item ``i`` is the same image every time (seeded by ``seed`` and ``i``)."""

    def __init__(
        self,
        texts: list[str],
        n: int,
        seed: int = 0,
        fonts: list[str] | None = None,
        level: str = "snippet",
        sizes: tuple[int, int] = (18, 30),
    ):
        self.words = [w for t in texts for w in t.split() if w.isprintable()]
        if len(self.words) < 50:
            raise InputNotFoundError("not enough text to cut snippets from")
        self.n, self.seed, self.level, self.sizes = n, seed, level, sizes
        self.fonts = fonts or train_fonts()

    def __getitem__(self, i: int) -> dict:
        rng = self.rng(i, self.level)
        min_rows, max_rows, min_words, max_words = LEVELS[self.level]
        rows, at = [], rng.randrange(len(self.words) - 60)
        for _ in range(rng.randint(min_rows, max_rows)):
            k = rng.randint(min_words, max_words)
            rows.append(" ".join(self.words[at : at + k]))
            at += k
        page = render_snippet(rows, rng.choice(self.fonts), rng.randint(*self.sizes), rng)
        return {
            "image": page.image,
            "lines": page.lines,
            "markdown": page.markdown,
            "glyphs": page.glyphs,
        }


class StripDataset(SeededDataset):
    """Full-width strips of rendered pages, as the engine cuts them when reading in strips
    (``literate.reader.strips``): the strip height puts the text at a random scale in
    ``scales`` for ``max_patches``, the top is random, and the target is the lines wholly
    inside the strip (lines cut by an edge are a neighbouring strip's to read).

    Pages are laid out with Pillow on the fly (headings and paragraphs from ``texts``) or,
    with probability ``page_share``, taken from ``pages`` (a ``PageFolderDataset`` made by the
    data engine: tables, lists, forms, receipts, two columns …)."""

    def __init__(
        self,
        texts: list[str],
        n: int,
        max_patches: int,
        seed: int = 0,
        fonts: list[str] | None = None,
        scales: tuple[float, float] = (0.65, 1.0),
        pages: PageFolderDataset | None = None,
        page_share: float = 0.5,
    ):
        self.texts = [t for t in texts if len(t.split()) >= 200]
        if not self.texts:
            raise InputNotFoundError("not enough text to lay out pages")
        self.n, self.max_patches, self.seed, self.scales = n, max_patches, seed, scales
        self.fonts = fonts or train_fonts()
        self.pages, self.page_share = pages, page_share if pages is not None else 0.0

    def __getitem__(self, i: int) -> dict:
        rng = self.rng(i, "strip")
        if rng.random() < self.page_share:
            item = self.pages[rng.randrange(len(self.pages))]
            image, page_lines, glyphs = item["image"], item["lines"], None
        else:
            page = render_blocks(
                sample_blocks(rng.choice(self.texts), rng, n_paragraphs=rng.randint(1, 3)),
                rng.choice(self.fonts),
                size=rng.randint(18, 30),
                width=rng.randint(500, 1100),
                margin=rng.randint(20, 80),
            )
            image, page_lines, glyphs = page.image, page.lines, page.glyphs
        width, height = image.size
        strip = min(height, strip_height_for(width, self.max_patches, rng.uniform(*self.scales)))
        top = rng.randint(0, height - strip)
        lines = lines_inside(page_lines, top, top + strip)
        image = image.crop((0, top, width, top + strip))
        if glyphs is not None:  # None: a page we did not render (no glyph cells)
            glyphs = [
                (ch, (x0, y0 - top, x1, y1 - top))
                for ch, (x0, y0, x1, y1) in glyphs
                if y0 >= top and y1 <= top + strip
            ]
        return {
            "image": image,
            "lines": lines,
            "markdown": " ".join(ln.text for ln in lines),
            "glyphs": glyphs,
        }


class MixtureDataset(SeededDataset):
    """``n`` items drawn from ``parts`` with probabilities ``weights``; item ``i`` is the
    same every time (the part and the index within it are seeded by ``seed`` and ``i``)."""

    def __init__(self, parts: list[Dataset], weights: list[float], n: int, seed: int = 0):
        if len(parts) != len(weights) or not parts or min(weights) < 0 or sum(weights) <= 0:
            raise ValueError("a mixture needs one non-negative weight a part, not all zero")
        self.parts, self.weights, self.n, self.seed = parts, weights, n, seed

    def __getitem__(self, i: int) -> dict:
        rng = self.rng(i, "mix")
        part = rng.choices(self.parts, weights=self.weights)[0]
        return part[rng.randrange(len(part))]


class PageFolderDataset(Dataset):
    """Pages with ``<stem>.json`` (lines) and ``<stem>.md`` truth beside them."""

    def __init__(self, folder: str | Path):
        folder = Path(folder)
        self.items = sorted(p for p in folder.rglob("*.png") if p.with_suffix(".json").is_file())
        if not self.items:
            raise InputNotFoundError(f"{folder}: no page images with <stem>.json beside them")

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict:
        path = self.items[i]
        payload = json.loads(path.with_suffix(".json").read_text())
        page = (payload.get("pages") or [payload])[0]
        md = path.with_suffix(".md")
        return {
            "image": load_document(path).pages[0],
            "lines": lines_from_json(page),
            "markdown": md.read_text().strip() if md.is_file() else page.get("markdown", ""),
        }


class PieceDataset(SeededDataset):
    """Line pieces of data-engine pages, cut exactly as ``--tiling lines`` cuts a page
    (``literate.reader.segment``), so the model trains on the images it will be handed. The
    truth is the page's own words (from its text layer), each given to the piece holding
    most of it (at least half), one line per page line they come from, boxes in piece
    coordinates. A piece with no word keeps its empty truth: the engine hands the model
    such pieces too (specks, rule ends). A simulated scan is flattened and levelled first as
    the engine flattens and levels it (``min_degrees`` on), its words' boxes with it. A page is cut
    once per process and only its pieces are kept (a stage with ≈ 2,000 pages would hold
    ≈ 12 GB of whole page images)."""

    def __init__(
        self,
        folder: str | Path,
        n: int,
        seed: int = 0,
        max_width: float = PIECE_WIDTH,
        min_degrees: float = 1.0,
    ):
        self.pages = PageFolderDataset(folder).items
        self.n, self.seed, self.max_width = n, seed, max_width
        self.min_degrees = min_degrees
        self._cut: dict[int, tuple[list, list]] = {}

    def cut(self, j: int) -> tuple:
        """(levelled image, pieces, truth of each piece) of page ``j``."""
        path = self.pages[j]
        words = page_words(json.loads(path.with_suffix(".json").read_text()))
        image = flatten(load_document(path).pages[0])
        image, words = level_page(image, words, self.min_degrees)
        ink, rules = ink_and_rules(image)
        pieces = segment_page(ink, self.max_width, rules=rules)
        return image, pieces, pieces_truth(words, [p.box for p in pieces])

    def crops(self, j: int) -> tuple[list, list]:
        """(piece images, truth of each piece) of page ``j``, cut once per process."""
        if j not in self._cut:
            image, pieces, truths = self.cut(j)
            self._cut[j] = ([image.crop(p.box) for p in pieces], truths)
        return self._cut[j]

    def __getitem__(self, i: int) -> dict:
        rng = self.rng(i, "piece")
        for _ in range(len(self.pages)):
            crops, truths = self.crops(rng.randrange(len(self.pages)))
            if crops:  # else a page the cut finds no ink on
                break
        else:
            raise InputNotFoundError("the cut finds no ink on these pages")
        k = rng.randrange(len(crops))
        return {
            "image": crops[k],
            "lines": truths[k],
            "markdown": " ".join(ln.text for ln in truths[k]),
            "glyphs": None,
        }


def level_page(image, words: list[tuple[str, tuple, int]], min_degrees: float = 1.0):
    """``image`` levelled as ``Deskewed`` levels it (only from ``min_degrees``), with the
    words' boxes moved onto the levelled page (input → upright is a rotation by −skew)."""
    skew = estimate_skew(image)
    if abs(skew) < min_degrees:
        return image, words
    upright = level(image, skew)
    moved = [(t, unrotate_box(b, -skew, image.size), k) for t, b, k in words]
    return upright, [w for w in moved if w[1][0] < w[1][2] and w[1][1] < w[1][3]]


def page_words(payload: dict) -> list[tuple[str, tuple, int]]:
    """(text, box, line index) of every word of a truth JSON's first page (a line without
    word boxes counts as one word)."""
    page = (payload.get("pages") or [payload])[0]
    return [
        (w["text"], tuple(int(v) for v in w["bbox"]), k)
        for k, line in enumerate(page.get("lines", []))
        for w in line.get("words") or [{"text": line["text"], "bbox": line["bbox"]}]
    ]


def pieces_truth(words: list[tuple[str, tuple, int]], boxes: list[tuple]) -> list[list[Line]]:
    """The lines of each box: every word (text, box, line index) goes to the box holding
    most of it, if that is at least half of it (so no word is in two padded, overlapping
    pieces), grouped by line in reading order, boxes relative to the piece and clipped."""
    own: list[list[tuple[str, tuple, int]]] = [[] for _ in boxes]
    for w in words:
        area = max(1, (w[1][2] - w[1][0]) * (w[1][3] - w[1][1]))
        inside = [intersection(w[1], b) for b in boxes]
        k = max(range(len(boxes)), key=inside.__getitem__, default=None)
        if k is not None and inside[k] * 2 >= area:
            own[k].append(w)
    return [lines_in(ws, box) for ws, box in zip(own, boxes, strict=True)]


def lines_in(words: list[tuple[str, tuple, int]], box: tuple) -> list[Line]:
    """``words`` as lines, one per page line in order, relative to ``box`` and clipped."""
    bx0, by0, bx1, by1 = box
    grouped: dict[int, list[tuple[str, tuple]]] = {}
    for text, wbox, k in words:
        grouped.setdefault(k, []).append((text, wbox))
    lines = []
    for k in sorted(grouped):
        ws = sorted(grouped[k], key=lambda w: w[1][0])
        x0 = max(bx0, min(b[0] for _, b in ws)) - bx0
        y0 = max(by0, min(b[1] for _, b in ws)) - by0
        x1 = min(bx1, max(b[2] for _, b in ws)) - bx0
        y1 = min(by1, max(b[3] for _, b in ws)) - by0
        lines.append(Line(" ".join(t for t, _ in ws), (x0, y0, max(x1, x0 + 1), max(y1, y0 + 1))))
    return lines
