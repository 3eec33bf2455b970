"""Markdown from lines a reader found, by their text and boxes alone: paragraphs, headings,
list items, key–value lines and tables. Engines that read lines but no Markdown use it: the
tesseract engine and any Kosmos checkpoint reading a page in pieces (``--tiling``).

Pure functions; ``benchmarks/reader_segment.py`` measures the rules with perfect reading
(the text layer's own words in the cut's lines) against the pages' source Markdown.
"""

from __future__ import annotations

import re
import statistics

from literate.reader.types import Line

LIST_ITEM = re.compile(r"^(?:[-*•+‣◦]|\d{1,3}[.)])\s")
KEY_VALUE = re.compile(r"^[^\s:][^:]{0,40}:(?:\s|$)")  # "Key words: value"
MAX_KEY_WORDS = 4
MAX_HEADING_WORDS = 12


def same_row(a: Line, b: Line) -> bool:
    """``b`` sits right of ``a`` on the same text row (table cells, form fields)."""
    ha, hb = a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1]
    overlap = min(a.bbox[3], b.bbox[3]) - max(a.bbox[1], b.bbox[1])
    return overlap >= 0.5 * max(1, min(ha, hb)) and b.bbox[0] >= a.bbox[2]


def rows_of(lines: list[Line]) -> list[list[Line]]:
    """Consecutive lines grouped into rows: a line on the same row as the one before it
    (and right of it) joins that row."""
    rows: list[list[Line]] = []
    for line in lines:
        if rows and same_row(rows[-1][-1], line):
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def table_markdown(rows: list[list[Line]]) -> str:
    """A GitHub table: the first row is the header, short rows padded with empty cells."""
    width = max(len(r) for r in rows)

    def fmt(cells: list[str]) -> str:
        return "| " + " | ".join(cells + [""] * (width - len(cells))) + " |"

    out = [fmt([c.text for c in rows[0]]), "|" + "---|" * width]
    out += [fmt([c.text for c in r]) for r in rows[1:]]
    return "\n".join(out)


def is_key_value(text: str) -> bool:
    m = KEY_VALUE.match(text)
    return bool(m) and len(m.group(0).split()) <= MAX_KEY_WORDS


def paragraph_markdown(texts: list[str], level: int) -> list[str]:
    """Blocks of one paragraph's lines: list items and key–value lines each start a block of
    their own (items of one list joined by a newline); the rest are joined by spaces."""
    if level:
        return ["#" * level + " " + " ".join(texts)]
    blocks: list[list[str]] = []
    kinds: list[str] = []
    for text in texts:
        kind = "item" if LIST_ITEM.match(text) else "kv" if is_key_value(text) else "text"
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
    """``(start, end)`` of each table among ``rows``: two or more rows of two or more cells,
    a one-cell row between two such rows kept inside (cells the cut did not separate)."""
    wide = [len(r) >= 2 for r in rows]
    for i in range(1, len(rows) - 1):
        if not wide[i] and wide[i - 1] and len(rows[i + 1]) >= 2:
            wide[i] = True
    runs, at = [], 0
    while at < len(rows):
        end = at
        while end < len(rows) and wide[end]:
            end += 1
        if sum(len(r) >= 2 for r in rows[at:end]) >= 2:
            runs.append((at, end))
        at = max(end, at + 1)
    return runs


def markdown_from_lines(lines: list[tuple[tuple, Line, float]]) -> str:
    """Markdown of ``(paragraph key, line, line height)`` in reading order. Runs of two or
    more rows with two or more cells side by side are a table (across paragraph keys: a
    table's row gaps vary); otherwise a paragraph whose lines are clearly taller than the
    page's median line is a heading (``#`` from 1.6×, ``##`` from 1.25×), and list items and
    key–value lines start blocks of their own."""
    if not lines:
        return ""
    median = statistics.median(h for _, _, h in lines)
    key_of = {id(line): key for key, line, _ in lines}
    height_of = {id(line): h for _, line, h in lines}
    rows = rows_of([line for _, line, _ in lines])
    tables = dict(table_runs(rows))
    blocks: list[str] = []
    para: list[Line] = []

    def flush() -> None:
        if para:
            ratio = statistics.median(height_of[id(ln)] for ln in para) / (median or 1)
            level = 1 if ratio >= 1.6 else 2 if ratio >= 1.25 else 0
            if sum(len(ln.text.split()) for ln in para) > MAX_HEADING_WORDS:
                level = 0
            blocks.extend(paragraph_markdown([ln.text for ln in para], level))
            para.clear()

    at = 0
    while at < len(rows):
        if at in tables:
            flush()
            blocks.append(table_markdown(rows[at : tables[at]]))
            at = tables[at]
            continue
        for line in rows[at]:
            if para and key_of[id(line)] != key_of[id(para[-1])]:
                flush()
            para.append(line)
        at += 1
    flush()
    return "\n\n".join(blocks)
