"""Markdown from lines a reader found, by their text and boxes alone: paragraphs, headings,
list items, key–value lines and tables. Engines that read lines but no Markdown use it: the
tesseract engine and any Kosmos checkpoint reading a page in pieces (``--tiling``).

Pure functions; ``benchmarks/reader_segment.py`` measures the rules with perfect reading
(the text layer's own words in the cut's lines) against the pages' source Markdown.
"""

from __future__ import annotations

import bisect
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from literate.lines import Line

K = TypeVar("K")

BULLET = re.compile(r"^[•◦▪‣–*+-]\s+")  # the bullets a page shows; Markdown writes "- "
LIST_ITEM = re.compile(r"^(?:[•◦▪‣–*+-]|\d{1,3}[.)])\s")
KEY_VALUE = re.compile(r"^[A-Z0-9][^:]{0,40}:(?:\s|$)")  # "Key words: value"
ENDS_SENTENCE = re.compile(r"[.!?:;]$")
MAX_KEY_WORDS = 4
MAX_HEADING_WORDS = 12
MAX_CELL_WORDS = 4  # median words a cell: more is text in columns, not a table


@dataclass(frozen=True)
class Grid:
    """A ruled table (``segment.ruled_grids``): its column and row rules' positions in
    page pixels, left to right and top to bottom."""

    xs: tuple[int, ...]
    ys: tuple[int, ...]

    def cell_of(self, box: tuple[int, int, int, int]) -> tuple[int, int] | None:
        """``(row, column)`` of the cell holding the box's centre, if inside the grid."""
        x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if not (self.xs[0] < x < self.xs[-1] and self.ys[0] < y < self.ys[-1]):
            return None
        return bisect.bisect(self.ys, y) - 1, bisect.bisect(self.xs, x) - 1


def merge_cells(
    lines: list[tuple[K, Line, float]], grids: list[Grid] | tuple[Grid, ...]
) -> list[tuple[K, Line, float]]:
    """``(key, line, height)`` with the lines inside a ruled table's cells replaced by one
    line a cell, row by row, where the first of the table's lines was: a cell wrapped over
    several lines (narrow columns) is one cell again. The cell's box spans its grid row,
    so a row's cells line up (``same_row``); its height is its text lines' median."""
    cells: dict[tuple[int, int, int], list[tuple[K, Line, float]]] = {}
    out: list[tuple[K, Line, float] | int] = []
    placed: set[int] = set()
    for item in lines:
        hit = next(
            ((g, rc) for g, grid in enumerate(grids) if (rc := grid.cell_of(item[1].bbox))),
            None,
        )
        if hit is None:
            out.append(item)
            continue
        g, (r, c) = hit
        if g not in placed:
            placed.add(g)
            out.append(g)  # the table goes where its first line was read
        cells.setdefault((g, r, c), []).append(item)
    merged: list[tuple[K, Line, float]] = []
    for item in out:
        if not isinstance(item, int):
            merged.append(item)
            continue
        grid = grids[item]
        right = {}  # a column's text reaches this far: a line ending there broke a word
        for (g, _, c), members in cells.items():
            if g == item:
                right[c] = max([right.get(c, 0)] + [m[1].bbox[2] for m in members])
        for (g, r, c), members in sorted(cells.items()):
            if g != item:
                continue
            members.sort(key=lambda m: (m[1].bbox[1], m[1].bbox[0]))
            text = members[0][1].text.strip()
            for prev, m in zip(members, members[1:], strict=False):
                broke = right[c] - prev[1].bbox[2] < 0.5 * prev[2]
                text += ("" if broke else " ") + m[1].text.strip()
            box = (
                min(m[1].bbox[0] for m in members),
                grid.ys[r],
                max(m[1].bbox[2] for m in members),
                grid.ys[r + 1],
            )
            height = statistics.median(m[2] for m in members)
            merged.append((members[0][0], Line(text, box), height))
    return merged


def same_row(a: Line, b: Line) -> bool:
    """``b`` sits right of ``a`` on the same text row (table cells, form fields)."""
    ha, hb = a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1]
    overlap = min(a.bbox[3], b.bbox[3]) - max(a.bbox[1], b.bbox[1])
    return overlap >= 0.5 * max(1, min(ha, hb)) and b.bbox[0] >= a.bbox[2]


def rows_of(lines: list[Line]) -> list[list[int]]:
    """Indices of consecutive lines grouped into rows: a line on the same row as the one
    before it (and right of it) joins that row."""
    rows: list[list[int]] = []
    for i, line in enumerate(lines):
        if rows and same_row(lines[rows[-1][-1]], line):
            rows[-1].append(i)
        else:
            rows.append([i])
    return rows


def table_markdown(rows: list[list[Line]]) -> str:
    """A GitHub table: the first row is the header; each cell goes to the column whose
    left edge (from the row with most cells) is nearest its own, so a row missing a cell
    keeps the others in place."""
    starts = [c.bbox[0] for c in max(rows, key=len)]
    out = []
    for r, row in enumerate(rows):
        cells = [""] * len(starts)
        for c in row:
            k = min(range(len(starts)), key=lambda j: abs(starts[j] - c.bbox[0]))
            cells[k] = f"{cells[k]} {cell(c.text)}".strip()
        out.append("| " + " | ".join(cells) + " |")
        if r == 0:
            out.append("|" + "---|" * len(starts))
    return "\n".join(out)


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def is_key_value(text: str) -> bool:
    m = KEY_VALUE.match(text)
    return bool(m) and len(m.group(0).split()) <= MAX_KEY_WORDS


def paragraph_markdown(texts: list[str], level: int) -> list[str]:
    """Blocks of one paragraph's lines: list items, and key–value lines that start the
    paragraph or follow a finished line, each start a block of their own (items of one
    list joined by a newline, bullets written "- "); the rest are joined by spaces."""
    if level:
        return ["#" * level + " " + " ".join(texts)]
    blocks: list[list[str]] = []
    kinds: list[str] = []
    for text in texts:
        after_end = not blocks or kinds[-1] != "text" or ENDS_SENTENCE.search(blocks[-1][-1])
        if LIST_ITEM.match(text):
            kind, text = "item", BULLET.sub("- ", text)
        elif after_end and is_key_value(text):
            kind = "kv"
        else:
            kind = "text"
        if kind == "text" and blocks:
            blocks[-1].append(text)  # a continuation of what came before
        else:
            blocks.append([text])
            kinds.append(kind)
    out: list[str] = []
    for i, (kind, block) in enumerate(zip(kinds, blocks, strict=True)):
        text = " ".join(block)
        if kind == "item" and i and kinds[i - 1] == "item":
            out[-1] += "\n" + text
        else:
            out.append(text)
    return out


def table_runs(rows: list[list[Line]]) -> list[tuple[int, int]]:
    """``(start, end)`` of each table among ``rows``: two or more rows of two or more short
    cells (text in columns on one baseline grid also comes as rows of two: its cells are
    long), a one-cell row between two such rows kept inside (cells the cut did not
    separate)."""
    wide = [len(r) >= 2 for r in rows]
    for i in range(1, len(rows) - 1):
        if not wide[i] and wide[i - 1] and len(rows[i + 1]) >= 2:
            wide[i] = True
    runs, at = [], 0
    while at < len(rows):
        end = at
        while end < len(rows) and wide[end]:
            end += 1
        words = [len(c.text.split()) for r in rows[at:end] for c in r]
        if sum(len(r) >= 2 for r in rows[at:end]) >= 2 and (
            statistics.median(words) <= MAX_CELL_WORDS
        ):
            runs.append((at, end))
        at = max(end, at + 1)
    return runs


def markdown_from_lines(lines: list[tuple[tuple, Line, float]]) -> str:
    """Markdown of ``(paragraph key, line, line height)`` in reading order. Runs of two or
    more rows of short cells side by side are a table (across paragraph keys: a table's
    row gaps vary); otherwise a paragraph of at most 12 words whose lines are clearly
    taller than the page's median line is a heading (``#`` from 1.6×, ``##`` from 1.25×),
    and list items and key–value lines start blocks of their own."""
    if not lines:
        return ""
    keys, page_lines, heights = zip(*lines, strict=True)
    median = statistics.median(heights) or 1
    rows = rows_of(list(page_lines))
    tables = dict(table_runs([[page_lines[i] for i in r] for r in rows]))
    blocks: list[str] = []
    para: list[int] = []

    def flush() -> None:
        if para:
            ratio = statistics.median(heights[i] for i in para) / median
            level = 1 if ratio >= 1.6 else 2 if ratio >= 1.25 else 0
            if sum(len(page_lines[i].text.split()) for i in para) > MAX_HEADING_WORDS:
                level = 0
            blocks.extend(paragraph_markdown([page_lines[i].text for i in para], level))
            para.clear()

    at = 0
    while at < len(rows):
        if at in tables:
            flush()
            blocks.append(
                table_markdown([[page_lines[i] for i in r] for r in rows[at : tables[at]]])
            )
            at = tables[at]
            continue
        for i in rows[at]:
            if para and keys[i] != keys[para[-1]]:
                flush()
            para.append(i)
        at += 1
    flush()
    return "\n\n".join(blocks)


def markdown_from_page_lines(
    lines: list[Line], quantile: float = 0.25, factor: float = 0.5, grids: Sequence[Grid] = ()
) -> str:
    """Markdown from the lines of a tiled page (``literate.reader.layout``). The lines in a
    ruled table's ``grids`` become one line a cell; a new paragraph starts where the gap
    above a line exceeds the page's line gap (its lower ``quantile``: pages of one-line
    paragraphs have few gaps inside a paragraph) by ``factor`` line heights, where the line
    height jumps (headings; descenders alone stay < 1.3×), and where reading jumps up (the
    next column); cells on one row stay together."""

    def row_gaps(lines: list[Line]) -> tuple[list[bool], list[int]]:
        pairs = list(zip(lines, lines[1:], strict=False))
        new_row = [not same_row(a, b) for a, b in pairs]  # new_row[i - 1]: line i starts a row
        gaps = [
            b.bbox[1] - a.bbox[3]
            for (a, b), new in zip(pairs, new_row, strict=True)
            if new and b.bbox[1] >= a.bbox[1]
        ]
        return new_row, gaps

    # the gaps of the text outside ruled tables: a table's wrapped cells stack tightly
    outside = [ln for ln in lines if not any(g.cell_of(ln.bbox) for g in grids)]
    gaps = row_gaps(outside if len(outside) > 1 else lines)[1]
    usual = sorted(gaps)[int(quantile * (len(gaps) - 1))] if gaps else 0
    items = merge_cells([(None, ln, ln.bbox[3] - ln.bbox[1]) for ln in lines], grids)
    lines = [ln for _, ln, _ in items]
    new_row = row_gaps(lines)[0]
    keyed, para = [], 0
    for i, (_, line, height) in enumerate(items):
        if i and new_row[i - 1]:
            prev, prev_h = lines[i - 1], keyed[-1][2]
            gap = line.bbox[1] - prev.bbox[3]
            ratio = max(height, prev_h) / max(1, min(height, prev_h))
            jumped_up = line.bbox[1] < prev.bbox[1] - 0.5 * height
            if gap > usual + factor * height or ratio >= 1.3 or jumped_up:
                para += 1
        keyed.append(((0, para), line, height))
    return markdown_from_lines(keyed)
