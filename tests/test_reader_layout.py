"""Markdown from read lines: paragraphs, headings, lists, key–value lines and tables."""

from literate.reader.engines.kosmos import markdown_from_page_lines
from literate.reader.layout import markdown_from_lines, rows_of, table_runs
from literate.reader.types import Line


def line(text: str, x: int, y: int, w: int = 200, h: int = 20) -> Line:
    return Line(text, (x, y, x + w, y + h))


def keyed(lines: list[Line], keys: list[int]) -> list[tuple]:
    return [((0, k), ln, ln.bbox[3] - ln.bbox[1]) for k, ln in zip(keys, lines, strict=True)]


def test_rows_group_cells_side_by_side_only():
    a, b, c = line("a", 0, 0, 50), line("b", 100, 3, 50), line("c", 0, 40, 50)
    assert rows_of([a, b, c]) == [[a, b], [c]]
    assert rows_of([b, a]) == [[b], [a]]  # left of the last cell: a new row


def test_table_runs_need_two_wide_rows_and_keep_a_merged_row_inside():
    wide, one = [line("x", 0, 0), line("y", 300, 0)], [line("z", 0, 0)]
    assert table_runs([one, wide, one, wide, one]) == [(1, 4)]
    assert table_runs([one, wide, one, one]) == []


def test_headings_lists_key_values_and_paragraphs():
    lines = [
        line("Title", 0, 0, h=40),
        line("Some prose that", 0, 60),
        line("wraps here.", 0, 85),
        line("1. first item", 0, 130),
        line("goes on", 0, 155),
        line("2. second", 0, 180),
        line("Name: Ada", 0, 225),
        line("City: Paris", 0, 270),
    ]
    md = markdown_from_lines(keyed(lines, [0, 1, 1, 2, 2, 2, 3, 4]))
    assert md == (
        "# Title\n\nSome prose that wraps here.\n\n1. first item goes on\n2. second"
        "\n\nName: Ada\n\nCity: Paris"
    )


def test_a_table_spans_paragraph_keys():
    rows = [("Item", "Qty"), ("Tea", "2"), ("Rice", "10")]
    lines = [line(c, 300 * j, 40 * i, 100) for i, r in enumerate(rows) for j, c in enumerate(r)]
    md = markdown_from_lines(keyed(lines, [0, 0, 1, 1, 2, 2]))
    assert md == "| Item | Qty |\n|---|---|\n| Tea | 2 |\n| Rice | 10 |"


def test_tiled_page_paragraphs_by_gap_and_a_new_column():
    left = [line("one", 0, 0), line("two", 0, 25), line("three", 0, 80)]
    right = [line("four", 400, 0), line("five", 400, 25)]
    md = markdown_from_page_lines(left + right)
    assert md == "one two\n\nthree\n\nfour five"
    assert markdown_from_page_lines([]) == ""


def test_a_long_tall_paragraph_is_not_a_heading():
    words = " ".join(["word"] * 14)
    lines = [line(words, 0, 0, h=40), line("body", 0, 60), line("text", 0, 85)]
    assert markdown_from_lines(keyed(lines, [0, 1, 2])).startswith(words + "\n\n")
