from hypothesis import given, settings
from hypothesis import strategies as st

from literate.lines import Line
from literate.reader.parse import format_ocr, parse_markdown, parse_ocr, trim_tail_loop


def test_round_trip_and_per_image_scaling():
    text = format_ocr([("Total 50", (10, 20, 110, 40)), ("Tax 5", (10, 50, 60, 70))])
    same = parse_ocr(text, (200, 100), (200, 100))
    assert same.lines == [Line("Total 50", (10, 20, 110, 40)), Line("Tax 5", (10, 50, 60, 70))]
    assert same.dropped == 0
    # the same answer for a page resized from 800×300 to 200×100 scales by (4, 3)
    big = parse_ocr(text, (200, 100), (800, 300))
    assert big.lines[0].bbox == (40, 60, 440, 120)


def test_malformed_output_keeps_the_valid_lines():
    text = (
        "junk before<bbox><x_1><y_1><x_50><y_9></bbox>good line\n"
        "<bbox><x_1><y_1><x_50></bbox>missing y\n"
        "<bbox><x_5><y_5><x_5><y_9></bbox>empty box\n"
        "<bbox><x_1><y_20><x_900><y_999></bbox>clipped <x_3>stray\n"
        "<bbox><x_1><y_30><x_10><y_40></bbox>   \n"
        "<bbox><x_1><y_50><x_10><y_60>unclosed"
    )
    parsed = parse_ocr(text, (100, 100), (100, 100))
    assert parsed.lines == [
        Line("good line", (1, 1, 50, 9)),
        Line("clipped stray", (1, 20, 100, 100)),
    ]
    # junk, missing y, empty box, stray token, blank text, unclosed
    assert parsed.dropped == 6


def test_repetition_is_trimmed():
    looped = format_ocr([("a", (0, 0, 5, 5)), ("b", (0, 6, 5, 9))] + [("c", (0, 10, 5, 15))] * 6)
    parsed = parse_ocr(looped, (20, 20), (20, 20))
    assert [ln.text for ln in parsed.lines] == ["a", "b", "c"]
    assert parsed.dropped == 5
    md, trimmed = parse_markdown("# T\n\nx y\nz w\nx y\nz w\nx y\nz w\nx y\nz w")
    assert md == "# T\n\nx y\nz w" and trimmed == 6
    assert trim_tail_loop(["a", "b", "a", "b"]) == ["a", "b", "a", "b"]  # two copies: kept


tokens = st.sampled_from(
    ["<bbox>", "</bbox>", "<x_3>", "<y_7>", "<x_9999>", "<y_0>", "word", " ", "\n", "<md>", "<"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(tokens, max_size=40), st.integers(1, 500), st.integers(1, 500))
def test_parsing_never_crashes_and_boxes_are_valid(pieces, w, h):
    parsed = parse_ocr("".join(pieces), (64, 48), (w, h))
    for line in parsed.lines:
        x0, y0, x1, y1 = line.bbox
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h and line.text
    parse_markdown("".join(pieces))


def test_a_loop_of_exactly_three_copies_is_trimmed_and_two_are_kept():
    assert trim_tail_loop(["x", "c", "c", "c"]) == ["x", "c"]
    assert trim_tail_loop(["x", "c", "c"]) == ["x", "c", "c"]
    assert trim_tail_loop(["h", "a", "b", "a", "b", "a", "b"]) == ["h", "a", "b"]
    block = [str(i) for i in range(8)]  # the longest period trimmed: 8 lines
    assert trim_tail_loop(["h", *block * 3]) == ["h", *block]
    long = [str(i) for i in range(9)]  # a 9-line block repeats like a page, not a loop
    assert trim_tail_loop(["h", *long * 3]) == ["h", *long * 3]
    assert trim_tail_loop(["p", "q", "", "q", "", "q", ""]) == ["p", "q", ""]  # blanks count
    # through parse_ocr: three copies of a line in distinct boxes (no exact repeat) → one
    looped = format_ocr(
        [("a", (0, 0, 5, 5))] + [("c", (0, 6 + 5 * i, 5, 10 + 5 * i)) for i in range(3)]
    )
    parsed = parse_ocr(looped, (40, 40), (40, 40))
    assert [ln.text for ln in parsed.lines] == ["a", "c"] and parsed.dropped == 2
    md, trimmed = parse_markdown("# T\n\nrow\nrow\nrow")
    assert md == "# T\n\nrow" and trimmed == 2
