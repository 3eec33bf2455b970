"""Markdown from read lines: paragraphs, headings, lists, key–value lines and tables."""

from literate.lines import Line
from literate.reader.layout.markdown import (
    Grid,
    markdown_from_lines,
    markdown_from_page_lines,
    merge_cells,
    rows_of,
    table_runs,
)


def line(text: str, x: int, y: int, w: int = 200, h: int = 20) -> Line:
    return Line(text, (x, y, x + w, y + h))


def keyed(lines: list[Line], keys: list[int]) -> list[tuple]:
    return [((0, k), ln, ln.bbox[3] - ln.bbox[1]) for k, ln in zip(keys, lines, strict=True)]


def test_rows_group_cells_side_by_side_only():
    a, b, c = line("a", 0, 0, 50), line("b", 100, 3, 50), line("c", 0, 40, 50)
    assert rows_of([a, b, c]) == [[0, 1], [2]]
    assert rows_of([b, a]) == [[0], [1]]  # left of the last cell: a new row


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
        line("• a bullet", 0, 205),
        line("Name: Ada", 0, 225),
        line("City: Paris", 0, 250),
        line("He looked up and", 0, 300),
        line("then he said: go", 0, 325),
        line("Home now.", 0, 350),
    ]
    md = markdown_from_lines(keyed(lines, [0, 1, 1, 2, 2, 2, 2, 3, 3, 4, 4, 4]))
    assert md == (
        "# Title\n\nSome prose that wraps here.\n\n1. first item goes on\n2. second\n- a bullet"
        "\n\nName: Ada\n\nCity: Paris\n\nHe looked up and then he said: go Home now."
    )


def test_a_table_spans_paragraph_keys_and_keeps_cells_in_their_columns():
    rows = [("Item", "Qty", "Price"), ("Tea", "2", "3|4"), ("Rice", "", "10")]
    lines = [
        line(c, 300 * j, 40 * i, 100) for i, r in enumerate(rows) for j, c in enumerate(r) if c
    ]
    md = markdown_from_lines(keyed(lines, [0, 0, 0, 1, 1, 1, 2, 2]))
    assert md == ("| Item | Qty | Price |\n|---|---|---|\n| Tea | 2 | 3\\|4 |\n| Rice |  | 10 |")


def test_text_in_two_columns_on_one_grid_is_not_a_table():
    left = ["the quick brown fox jumps", "over the lazy dog and", "runs far away from it"]
    right = ["while the other one sat", "under a tree in the", "shade of the afternoon"]
    lines = [
        line(t, 400 * j, 30 * i, 300) for i in range(3) for j, t in enumerate((left[i], right[i]))
    ]
    md = markdown_from_lines(keyed(lines, [0] * 6))
    assert "|" not in md and md.count("\n") == 0


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


def test_wrapped_cells_of_a_ruled_table_are_one_cell_each():
    grid = Grid(xs=(100, 300, 360, 440), ys=(50, 100, 160, 220))
    lines = [
        Line("Receipt no. 61971", (20, 10, 200, 30)),
        Line("Item", (110, 65, 150, 85)),
        Line("Qt", (310, 55, 350, 75)),  # "Qty" broken at the column's edge
        Line("y", (310, 77, 322, 97)),
        Line("Price", (370, 65, 420, 85)),
        Line("See the", (110, 105, 180, 125)),  # words wrapped: a space
        Line("documentation", (110, 130, 290, 150)),
        Line("4", (310, 120, 320, 140)),
        Line("78.4", (370, 110, 430, 130)),
        Line("9", (370, 132, 380, 152)),
        Line("Tea", (110, 180, 150, 200)),
        Line("2", (310, 180, 320, 200)),
        Line("3.99", (370, 180, 420, 200)),
        Line("Total: 1024.17", (20, 240, 200, 260)),
    ]
    items = merge_cells([(k, ln, 20) for k, ln in enumerate(lines)], [grid])
    assert [ln.text for _, ln, _ in items] == [
        "Receipt no. 61971",
        "Item",
        "Qty",
        "Price",
        "See the documentation",
        "4",
        "78.49",
        "Tea",
        "2",
        "3.99",
        "Total: 1024.17",
    ]
    assert items[2][1].bbox[1::2] == (50, 100) and items[2][0] == 2  # the grid's row, first key
    md = markdown_from_page_lines(lines, grids=[grid])
    assert "| Item | Qty | Price |\n|---|---|---|\n| See the documentation | 4 | 78.49 |" in md
    assert md.startswith("Receipt no. 61971\n\n|") and md.endswith("|\n\nTotal: 1024.17")


def test_a_grid_cell_is_found_by_the_lines_centre():
    grid = Grid(xs=(0, 10, 20), ys=(0, 10, 20))
    assert grid.cell_of((12, 2, 18, 8)) == (0, 1) and grid.cell_of((2, 12, 8, 18)) == (1, 0)
    assert grid.cell_of((25, 2, 30, 8)) is None and merge_cells([], [grid]) == []


# --- the layout rules' helpers, by hand (killing the mutants docs/testing.md lists)


def test_grid_cells_and_rows_by_hand():
    from literate.lines import Line
    from literate.reader.layout.markdown import Grid, rows_of, same_row

    grid = Grid((0, 100, 200), (0, 50, 100))
    assert grid.cell_of((10, 10, 30, 20)) == (0, 0)
    assert grid.cell_of((110, 60, 190, 90)) == (1, 1)
    assert grid.cell_of((90, 10, 130, 20)) == (0, 1)  # the centre (110, 15) decides
    assert grid.cell_of((0, 0, 0, 10)) is None  # centre on the left rule: outside
    assert grid.cell_of((190, 90, 210, 110)) is None  # centre on the bottom-right corner
    assert grid.cell_of((-10, 10, 10, 20)) is None and grid.cell_of((10, 95, 20, 105)) is None
    a = Line("a", (0, 0, 50, 10))
    assert same_row(a, Line("b", (60, 5, 90, 15)))  # overlap 5 = half the height
    assert not same_row(a, Line("b", (60, 6, 90, 16)))  # overlap 4
    assert same_row(a, Line("b", (50, 0, 90, 10)))  # touching on the right
    assert not same_row(a, Line("b", (49, 0, 90, 10)))  # overlapping: not right of it
    assert same_row(Line("a", (0, 0, 5, 0)), Line("b", (6, 0, 9, 0))) is False  # no height
    lines = [a, Line("b", (60, 0, 90, 10)), Line("c", (0, 20, 50, 30)), Line("d", (0, 40, 9, 50))]
    assert rows_of(lines) == [[0, 1], [2], [3]]


def test_table_and_paragraph_markdown_by_hand():
    from literate.lines import Line
    from literate.reader.layout.markdown import is_key_value, paragraph_markdown, table_markdown

    rows = [
        [
            Line("Name", (0, 0, 40, 10)),
            Line("a|b", (100, 0, 140, 10)),
            Line("C", (200, 0, 240, 10)),
        ],
        [Line("x", (2, 20, 40, 30)), Line("z", (205, 20, 240, 30))],  # the middle cell missing
    ]
    assert table_markdown(rows) == "| Name | a\\|b | C |\n|---|---|---|\n| x |  | z |"
    two = [[Line("k", (0, 0, 9, 9)), Line("v", (50, 0, 60, 9))], [Line("p", (0, 20, 9, 29))]]
    assert table_markdown(two) == "| k | v |\n|---|---|\n| p |  |"
    assert is_key_value("Date: today") and is_key_value("Total due now: 5")
    assert is_key_value("One two three four: x") and not is_key_value("One two three four five: x")
    assert not is_key_value("lower: x") and is_key_value("Done:")
    assert paragraph_markdown(["A", "title"], 2) == ["## A title"]
    assert paragraph_markdown(["• one", "- two", "text"], 0) == ["- one\n- two text"]
    assert paragraph_markdown(["Start of", "a sentence.", "Key: v", "Name: w"], 0) == [
        "Start of a sentence.",
        "Key: v",
        "Name: w",
    ]
    assert paragraph_markdown(["Start of", "Key: v"], 0) == ["Start of Key: v"]
    assert paragraph_markdown(["1. a", "text", "2) b"], 0) == ["1. a text\n2) b"]


def test_table_runs_by_hand():
    from literate.lines import Line
    from literate.reader.layout.markdown import table_runs

    def row(*texts):
        return [Line(t, (100 * i, 0, 100 * i + 50, 10)) for i, t in enumerate(texts)]

    assert table_runs([row("a", "b"), row("c", "d")]) == [(0, 2)]
    assert table_runs([row("a", "b")]) == []  # one row is no table
    assert table_runs([row("a", "b"), row("note"), row("c", "d")]) == [(0, 3)]
    assert table_runs([row("a", "b"), row("note"), row("end")]) == []
    assert table_runs([row("t"), row("a", "b"), row("c", "d"), row("u")]) == [(1, 3)]
    long = "five words in this cell"
    assert table_runs([row(long, long), row(long, long)]) == []  # text in columns
    assert table_runs([row("a b c d", "e"), row("f", "g h i j")]) == [(0, 2)]  # median 2.5
