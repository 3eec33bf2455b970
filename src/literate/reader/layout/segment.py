"""Cutting a page into line pieces at its white space, for a reader trained on short lines.

A small reader reads a short line well long before it reads a page: its resampler has few
latents and its glyphs must stay about one patch wide. ``tiling="lines"`` therefore cuts
the page where it is blank — classical layout analysis, as Tesseract does before it
recognises — and the model reads each piece: a recursive X–Y cut (``xy_cut``) finds the
page's lines in reading order (text columns, then rows, then cells), and a line wider than
the model's training lines is cut at word gaps into *pieces*. The pieces of one line are
joined back after reading, so the output has the page's lines, not our cuts.

Pure functions on a boolean ink mask; ``ink_mask`` makes it (Otsu's threshold).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from literate.lines import Line
from literate.reader.layout.markdown import Grid

PIECE_WIDTH = 14.0  # line heights: the length of the lines the bundled reader trained on


@dataclass(frozen=True)
class Piece:
    box: tuple[int, int, int, int]  # crop (x0, y0, x1, y1) in page pixels, padded
    segment: int  # pieces of one segment are joined into one line after reading
    ink: tuple[int, int, int, int] | None = None  # the piece's ink, unpadded


def ink_mask(image: Image.Image, rule: int = 80) -> np.ndarray:
    """Text ink (``H×W`` bool): a 3×3 median removes speckle noise, Otsu's threshold
    separates dark from light, and straight runs of ``rule`` pixels or more (table rules,
    frames) are erased so they do not join lines. An empty page has no ink."""
    return ink_and_rules(image, rule)[0]


@dataclass(frozen=True)
class Rules:
    """The straight runs ``ink_mask`` erased (``H×W`` bool each): a table's grid, and the
    column boundaries between its cells that are no gutter between text columns."""

    horizontal: np.ndarray
    vertical: np.ndarray


def ink_and_rules(image: Image.Image, rule: int = 80) -> tuple[np.ndarray, Rules]:
    """``ink_mask`` and the rules it erased."""
    raw = np.asarray(image.convert("L"), dtype=np.uint8)
    gray = np.asarray(Image.fromarray(raw).filter(ImageFilter.MedianFilter(3)), dtype=np.uint8)
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    if hist.max() == hist.sum():  # one grey level: nothing written
        empty = np.zeros_like(gray, dtype=bool)
        return empty, Rules(empty, empty)
    levels = np.arange(256)
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * levels)
    w1 = w0[-1] - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (m0[-1] * w0 - m0 * w0[-1]) ** 2 / (w0 * w1)
    threshold = int(np.nanargmax(np.where(w1 > 0, between, np.nan)))
    ink = gray <= threshold
    # hairlines too, often grey where they fall between two pixel rows: the median erases
    # them but for specks where they cross; "dark" is half way from ink to the background
    dark = raw <= (threshold + int(np.median(gray))) // 2
    horizontal = long_runs(ink, rule) | long_runs(dark, rule)
    vertical = long_runs(ink.T, rule).T | long_runs(dark.T, rule).T
    erased = widen(horizontal, axis=0) | widen(vertical, axis=1)  # with the specks at crossings
    return ink & ~erased, Rules(horizontal, vertical)


def widen(mask: np.ndarray, axis: int, by: int = 2) -> np.ndarray:
    """``mask`` grown ``by`` pixels both ways along ``axis``."""
    out = mask.copy()
    n = mask.shape[axis]
    for k in range(1, by + 1):
        lo = [slice(None)] * 2
        hi = [slice(None)] * 2
        lo[axis], hi[axis] = slice(0, n - k), slice(k, n)
        out[tuple(lo)] |= mask[tuple(hi)]
        out[tuple(hi)] |= mask[tuple(lo)]
    return out


def ruled_grids(rules: Rules, snap: int = 4) -> list[Grid]:
    """Ruled tables: rules that touch (within ``snap`` pixels) form one grid; a grid of two
    columns or more and two rows or more gives its column and row rule positions (a rule
    a few pixels thick is one position). A frame alone (one cell) is no table."""
    hs = mask_runs(rules.horizontal)  # (y, x0, x1)
    vs = mask_runs(rules.vertical.T)  # (x, y0, y1)
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (y, x0, x1) in enumerate(hs):
        for j, (x, y0, y1) in enumerate(vs):
            if x0 - snap <= x <= x1 + snap and y0 - snap <= y <= y1 + snap:
                parent[find(i)] = find(len(hs) + j)
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for i, (y, _, _) in enumerate(hs):
        groups.setdefault(find(i), ([], []))[1].append(y)
    for j, (x, _, _) in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[0].append(x)
    grids = []
    for xs, ys in groups.values():
        xs, ys = positions(xs, snap), positions(ys, snap)
        if len(xs) >= 3 and len(ys) >= 3:
            grids.append(Grid(tuple(xs), tuple(ys)))
    return sorted(grids, key=lambda g: (g.ys[0], g.xs[0]))


def mask_runs(mask: np.ndarray) -> list[tuple[int, int, int]]:
    """``(row, start, end)`` of every horizontal run of True."""
    d = np.diff(np.pad(mask, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(d == 1)
    _, ends = np.nonzero(d == -1)
    return list(zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True))


def positions(values: list[int], snap: int) -> list[int]:
    """Sorted values, those within ``snap`` of the previous one merged into their mean."""
    out: list[list[int]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= snap:
            out[-1].append(v)
        else:
            out.append([v])
    return [round(sum(g) / len(g)) for g in out]


def long_runs(mask: np.ndarray, length: int) -> np.ndarray:
    """The pixels of horizontal runs of True at least ``length`` long."""
    d = np.diff(np.pad(mask, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(d == 1)
    _, ends = np.nonzero(d == -1)  # both row-major, so the k-th start pairs the k-th end
    long = ends - starts >= length  # few: loop over those only
    out = np.zeros_like(mask, dtype=bool)
    for r, a, b in zip(
        rows[long].tolist(), starts[long].tolist(), ends[long].tolist(), strict=True
    ):
        out[r, a:b] = True
    return out


def runs(flags: np.ndarray, bridge: int = 0) -> list[tuple[int, int]]:
    """Runs ``[start, end)`` of True, joining runs separated by fewer than ``bridge``
    False entries."""
    idx = np.flatnonzero(np.diff(np.concatenate([[0], flags.astype(np.int8), [0]])))
    out: list[tuple[int, int]] = []
    for start, end in zip(idx[::2].tolist(), idx[1::2].tolist(), strict=True):
        if out and start - out[-1][1] < bridge:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def line_height(ink: np.ndarray, strips: int = 4) -> float:
    """The page's usual text-line height: the median run of inked rows (most runs are
    one line, even where table cells or columns merge a few). Where columns set on offset
    baselines merge the rows of the whole width into runs of several lines (the median
    is over 1.5× the median run within quarter-page strips), the strips' median is used."""
    full = median_run(ink)
    w = ink.shape[1]
    parts = [ink[:, i * w // strips : (i + 1) * w // strips] for i in range(strips)]
    local = float(np.median(sum((run_lengths(p) for p in parts), []) or [0.0]))
    return local if full > 1.5 * local else full


def run_lengths(ink: np.ndarray) -> list[int]:
    """Heights of the runs of inked rows (two ink pixels or more; under 4 rows is noise)."""
    return [b - a for a, b in runs(ink.sum(axis=1) >= 2) if b - a >= 4]


def median_run(ink: np.ndarray) -> float:
    found = run_lengths(ink)
    return float(np.median(found)) if found else 0.0


def xy_cut(
    ink: np.ndarray, h: float, rules: np.ndarray | None = None
) -> list[tuple[int, int, int, int]]:
    """Recursive X–Y cut into text lines ``(x0, y0, x1, y1)``, in reading order: a block
    is cut into text columns at a ``gutter``, else at its blank rows (so table rows and
    key–value pairs stay in order), else at column gaps wider than its words'
    (``words_apart``: columns, cells), else it is one line — or two touching lines, cut at
    a row far emptier than the rest. ``rules``: the page's vertical rules (``Rules.vertical``), so
    no gutter is taken between a table's columns."""
    out: list[tuple[int, int, int, int]] = []
    todo = [(0, 0, ink.shape[1], ink.shape[0])]
    while todo:
        x0, y0, x1, y1 = todo.pop(0)
        block = ink[y0:y1, x0:x1]
        rows = block.sum(axis=1)
        ys = [(a, b) for a, b in runs(rows >= 2) if b - a >= 3]
        if not ys:
            continue
        if len(ys) > 1:
            ruled = None if rules is None else np.flatnonzero(rules[y0:y1].any(axis=0)) - x0
            cut = gutter(block, h, ruled)
            if cut is not None:  # columns whose lines do not line up: one column at a time
                todo[:0] = [(x0, y0, x0 + cut[0], y1), (x0 + cut[1], y0, x1, y1)]
            else:
                todo[:0] = [(x0, y0 + a, x1, y0 + b) for a, b in ys]
            continue
        a, b = ys[0]
        y0, y1, block, rows = y0 + a, y0 + b, block[a:b], rows[a:b]
        xs = words_apart(block, h)
        if len(xs) > 1:
            todo[:0] = [(x0 + c, y0, x0 + d, y1) for c, d in xs]
            continue
        c, d = xs[0]
        if y1 - y0 > 1.7 * h:
            lo, hi = int(0.3 * (y1 - y0)), int(0.7 * (y1 - y0))
            cut = lo + int(np.argmin(rows[lo:hi]))
            if rows[cut] < 0.15 * np.median(rows):
                todo[:0] = [(x0 + c, y0, x0 + d, y0 + cut), (x0 + c, y0 + cut, x0 + d, y1)]
                continue
        if max(d - c, y1 - y0) >= 0.5 * h:  # not a speck left where rules crossed
            out.append((x0 + c, y0, x0 + d, y1))
    return out


def gutter(
    block: np.ndarray, h: float, ruled: np.ndarray | None = None, width: float = 1.5
) -> tuple[int, int] | None:
    """The widest blank column gap (≥ ``width`` h) across a block of several lines whose
    lines on its two sides do not share rows — text columns, read one after the other;
    where most lines line up across a gap (tables, key–value pages, two columns on one
    baseline grid) the next widest is tried, and if none qualifies rows are read in turn.
    A gap holding a vertical rule with more rules on both sides (``ruled``: the columns of
    vertical rules on the block's rows, in block coordinates) is no gutter: it parts a
    ruled table's columns, whose rows need not line up (cells of several lines)."""
    ruled = np.zeros(0, dtype=int) if ruled is None else ruled
    gaps = [(a, b) for a, b in runs(~block.any(axis=0)) if a > 0 and b < block.shape[1]]
    for a, b in sorted((g for g in gaps if g[1] - g[0] >= width * h), key=lambda g: g[0] - g[1]):
        inside = ((ruled >= a) & (ruled < b)).any()
        if inside and (ruled < a).any() and (ruled >= b).any():
            continue  # between a table's columns
        left = [t for t, _ in runs(block[:, :a].sum(axis=1) >= 2)]
        right = [t for t, _ in runs(block[:, b:].sum(axis=1) >= 2)]
        fewer, more = sorted((left, right), key=len)
        shared = sum(any(abs(t - u) <= 0.3 * h for u in more) for t in fewer)
        if shared < 0.8 * len(fewer):
            return a, b
    return None


def tallest_run(flags: np.ndarray) -> int:
    return max((b - a for a, b in runs(flags)), default=0)


def words_apart(block: np.ndarray, h: float) -> list[tuple[int, int]]:
    """Column ranges of a one-band block that belong to different lines: ink runs (gaps
    under 0.5 ``h`` bridged) stay together while the gap between neighbours is under 1.5×
    the smaller one's text height (its tallest run of inked rows) — so a large heading's
    word gaps join, and table cells and columns part."""
    parts = runs(block.any(axis=0), bridge=max(1, round(0.5 * h)))
    heights = [tallest_run(block[:, a:b].any(axis=1)) for a, b in parts]
    out, tall = [parts[0]], [heights[0]]
    for (a, b), t in zip(parts[1:], heights[1:], strict=True):
        if a - out[-1][1] < 1.5 * max(h, min(t, tall[-1])):
            out[-1], tall[-1] = (out[-1][0], b), max(t, tall[-1])
        else:
            out.append((a, b))
            tall.append(t)
    return out


def segment_page(
    ink: np.ndarray,
    max_width: float = PIECE_WIDTH,
    pad: float = 0.3,
    rules: Rules | None = None,
) -> list[Piece]:
    """Pieces to read, in reading order: each line of ``xy_cut`` is one segment, cut at
    word gaps (letters closer than 0.2 line heights make a word) into pieces at most
    ``max_width`` line heights wide, each padded by ``pad`` line heights (towards a
    neighbouring piece of its line, by at most half the gap between them)."""
    height, width = ink.shape
    h_page = line_height(ink)
    pieces: list[Piece] = []
    vertical = None if rules is None else rules.vertical
    for segment, (x0, y0, x1, y1) in enumerate(xy_cut(ink, h_page, vertical)):
        h = y1 - y0
        words = runs(ink[y0:y1, x0:x1].any(axis=0), bridge=max(1, round(0.2 * h)))
        chunks: list[tuple[int, int]] = []
        for a, b in words:
            if chunks and b - chunks[-1][0] <= max_width * h:
                chunks[-1] = (chunks[-1][0], b)
            else:
                chunks.append((a, b))
        p = round(pad * h)
        for i, (a, b) in enumerate(chunks):
            # a piece's padding stops half way to its neighbour in the line, so no piece
            # shows the edge of the next one's first word (which was read twice)
            left = p if i == 0 else min(p, (a - chunks[i - 1][1]) // 2)
            right = p if i == len(chunks) - 1 else min(p, (chunks[i + 1][0] - b) // 2)
            box = (
                max(0, x0 + a - left),
                max(0, y0 - p),
                min(width, x0 + b + right),
                min(height, y1 + p),
            )
            pieces.append(Piece(box, segment, (x0 + a, y0, x0 + b, y1)))
    return pieces


def join_pieces(pieces: list[Piece], lines_per_piece: list[list[Line]]) -> list[Line]:
    """Lines read in each piece (piece coordinates) → page lines: one line per segment, its
    texts joined by a space; a piece read as nothing adds nothing. The box is the ink the
    cut found in the pieces that were read — exact, where a small reader's boxes are only
    near — or, for pieces without ink boxes, the reader's boxes moved into page
    coordinates and united."""
    by_segment: dict[int, list[Line]] = {}
    for piece, lines in zip(pieces, lines_per_piece, strict=True):
        x, y = piece.box[0], piece.box[1]
        for ln in lines:
            x0, y0, x1, y1 = ln.bbox
            box = piece.ink or (x0 + x, y0 + y, x1 + x, y1 + y)
            by_segment.setdefault(piece.segment, []).append(Line(ln.text, box))
    out = []
    for seg in sorted(by_segment):
        parts = [ln for ln in by_segment[seg] if ln.text.strip()]  # pieces in reading order
        if not parts:
            continue
        text = " ".join(ln.text.strip() for ln in parts)
        box = (
            min(ln.bbox[0] for ln in parts),
            min(ln.bbox[1] for ln in parts),
            max(ln.bbox[2] for ln in parts),
            max(ln.bbox[3] for ln in parts),
        )
        out.append(Line(text, box))
    return out
