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


# --- hand-computed cases (killing the mutants docs/testing.md lists for parse.py)


def test_parse_box_takes_exactly_x_y_x_y():
    from literate.reader.parse import parse_box

    assert parse_box("<x_1><y_2><x_30><y_40>") == (1, 2, 30, 40)
    assert parse_box(" <x_1> <y_2><x_3><y_4>\n") == (1, 2, 3, 4)
    assert parse_box("<y_1><x_2><y_3><x_4>") is None
    assert parse_box("<x_1><y_2><x_3>") is None
    assert parse_box("<x_1><y_2><x_3><y_4><x_5>") is None
    assert parse_box("<x_1><y_2>a<x_3><y_4>") is None


def test_scale_box_scales_each_axis_rounds_and_clips():
    from literate.reader.parse import scale_box

    assert scale_box((10, 10, 30, 20), (100, 50), (200, 500)) == (20, 100, 60, 200)
    assert scale_box((1, 1, 3, 3), (4, 4), (6, 6)) == (2, 2, 4, 4)  # 1.5 → 2, 4.5 → 4
    assert scale_box((-5, -5, 150, 80), (100, 50), (200, 100)) == (0, 0, 200, 100)
    assert scale_box((10, 10, 10, 20), (100, 100), (100, 100)) is None  # no width
    assert scale_box((10, 20, 30, 20), (100, 100), (100, 100)) is None  # no height
    assert scale_box((10, 20, 30, 21), (100, 100), (100, 100)) == (10, 20, 30, 21)
    assert scale_box((200, 0, 300, 10), (100, 100), (100, 100)) is None  # off the page


def test_clean_text_counts_what_it_strips():
    from literate.reader.parse import clean_text

    assert clean_text("a <x_3> b</s>  c<pad>") == ("a b c", 3)
    assert clean_text("<ocr><md><image></image><s><unk></bbox>") == ("", 7)
    assert clean_text("plain  text ") == ("plain text", 0)


def test_parse_ocr_counts_every_dropped_piece():
    from literate.reader.parse import parse_ocr

    out = (
        "junk before"  # 1: text before any box
        "<bbox><x_0><y_0><x_10><y_10></bbox>one<x_5>\n"  # kept, 1 stray token
        "<bbox><x_0><y_0><x_0><y_10></bbox>empty box\n"  # 1: no width
        "<bbox><x_0><y_20><x_10><y_30></bbox>  \n"  # 1: no text
        "<bbox><y_0><x_0><y_10><x_10></bbox>bad order\n"  # 1: not x y x y
        "<bbox><x_0><y_40><x_10><y_50></bbox>two\n"  # kept
        "<bbox><x_0><y_40><x_10><y_50></bbox>two\n"  # 1: exact repeat
        "<bbox><x_0><y_60>"  # 1: unclosed
    )
    parsed = parse_ocr(out, (100, 100), (200, 100))
    assert [(ln.text, ln.bbox) for ln in parsed.lines] == [
        ("one", (0, 0, 20, 10)),
        ("two", (0, 40, 20, 50)),
    ]
    assert parsed.dropped == 7
    assert parse_ocr("", (10, 10), (10, 10)).dropped == 0
    assert parse_ocr("   ", (10, 10), (10, 10)).dropped == 0


def test_parse_markdown_strips_tokens_and_trims_a_looping_tail():
    from literate.reader.parse import parse_markdown

    assert parse_markdown("\n# T<s>\n\ntext</s>\n") == ("# T\n\ntext", 0)
    assert parse_markdown("a\nb\nb\nb\nb") == ("a\nb", 3)
    assert parse_markdown("a\nb\nb") == ("a\nb\nb", 0)


def test_trim_tail_loop_periods_and_limits():
    from literate.reader.parse import trim_tail_loop

    assert trim_tail_loop(list("xababab")) == list("xab")
    assert trim_tail_loop(list("xabab")) == list("xabab")  # 2 copies are kept
    assert trim_tail_loop(list("abcdefgh" * 3)) == list("abcdefgh")  # period 8: the longest
    assert trim_tail_loop(list("abcdefghi" * 3)) == list("abcdefghi" * 3)  # 9: not a loop
    assert trim_tail_loop(list("xaa"), min_repeats=2) == list("xa")
    assert trim_tail_loop(list("xaa"), min_repeats=3) == list("xaa")
    assert trim_tail_loop(["a", "", "", ""]) == ["a", "", "", ""]  # blank lines stay
    assert trim_tail_loop(["a", " ", "b", " ", "b", " ", "b"]) == ["a", " ", "b"]
    assert trim_tail_loop([]) == []
    assert trim_tail_loop([1, 2, 2, 2], key=lambda v: v % 2) == [1, 2]


def test_format_ocr_writes_the_target_parse_reads():
    from literate.reader.parse import format_ocr, parse_ocr

    text = format_ocr([("hi", (1, 2, 3, 4)), ("yo", (5, 6, 7, 8))])
    assert text == "<bbox><x_1><y_2><x_3><y_4></bbox>hi\n<bbox><x_5><y_6><x_7><y_8></bbox>yo\n"
    assert [ln.bbox for ln in parse_ocr(text, (10, 10), (10, 10)).lines] == [
        (1, 2, 3, 4),
        (5, 6, 7, 8),
    ]


def test_parse_edge_cases_by_hand():
    from literate.reader.parse import parse_markdown, parse_ocr

    # an unclosed box does not end the output: the next box is still read
    out = "<bbox><x_0><y_0><bbox><x_0><y_0><x_10><y_10></bbox>ok\n"
    parsed = parse_ocr(out, (10, 10), (10, 10))
    assert [ln.text for ln in parsed.lines] == ["ok"] and parsed.dropped == 1
    # a stray second </bbox> belongs to the text (and is stripped from it), not the box
    out = "<bbox><x_0><y_0><x_10><y_10></bbox>left</bbox>right\n"
    parsed = parse_ocr(out, (10, 10), (10, 10))
    assert [ln.text for ln in parsed.lines] == ["leftright"] and parsed.dropped == 1
    assert parse_markdown("X marks the spot\n") == ("X marks the spot", 0)
    assert parse_markdown("a\nb\nb\nb\n  \n") == ("a\nb", 2)
