"""Word boxes inside a line box, for the formats that hold words (hOCR, ALTO, the PDF text
layer): the engines return lines, so a line's box is shared among its words in proportion
to their characters, a space counting as one. The words' text is exact; their boxes are an
estimate that always stays inside the line's box and keeps the words in order."""

from __future__ import annotations

from literate.lines import Box, Line


def word_boxes(line: Line) -> list[tuple[str, Box]]:
    """``[(word, box)]`` for each whitespace-separated word of ``line``, left to right."""
    words = line.text.split()
    if not words:
        return []
    x0, y0, x1, y1 = line.bbox
    units = sum(len(w) for w in words) + len(words) - 1  # characters plus the spaces between
    per_unit = (x1 - x0) / units
    out, at = [], 0
    for word in words:
        left = min(x1 - 1, x0 + round(at * per_unit))  # a box narrower than its words
        at += len(word)  # still gives each one pixel inside it
        right = min(x1, max(left + 1, x0 + round(at * per_unit)))
        out.append((word, (left, y0, right, y1)))
        at += 1
    return out
