import pytest

from literate.lines import Line
from literate.reader.metrics import iou, markdown_tree, ned, nted, ocr_scores


def test_word_scores_count_repeats_as_often_as_they_occur():
    pred = [Line("a b b", (0, 0, 10, 10)), Line("c", (0, 20, 10, 30))]
    true = [Line("a b", (0, 0, 10, 10)), Line("c d", (0, 50, 10, 60))]
    s = ocr_scores(pred, true)
    # pred {a, b, b, c}, true {a, b, c, d}: 3 shared (b once) → P = R = 3/4
    assert s.word_precision == s.word_recall == s.word_f1 == pytest.approx(0.75)
    # line 1 matches exactly (IoU 1); line 2 (y 20–30) and true line 2 (y 50–60) do not
    assert s.line_f1_iou50 == pytest.approx(0.5) and s.mean_iou == 1.0 and s.matched_lines == 1


def test_line_matching_threshold_and_iou():
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    pred = [Line("x", (0, 0, 10, 10))]
    assert ocr_scores(pred, [Line("x", (5, 0, 15, 10))]).line_f1_iou50 == 0.0  # IoU 1/3
    assert ocr_scores(pred, [Line("x", (1, 0, 11, 10))]).mean_iou == pytest.approx(90 / 110)


def test_empty_cases():
    assert ocr_scores([], []).word_f1 == 1.0
    assert ocr_scores([], [Line("a", (0, 0, 1, 1))]).word_f1 == 0.0
    assert ocr_scores([Line("a", (0, 0, 1, 1))], []).word_precision == 0.0


def test_ned():
    assert ned("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    assert ned("", "") == 1.0 and ned("abc", "") == 0.0


def test_nted_hand_computed():
    # root, h1, "Title", p, "Hello world": 5 nodes; h1 → h2 is one rename
    assert nted("# Title\n\nHello world", "## Title\n\nHello world") == pytest.approx(1 - 1 / 5)
    # inserting a paragraph (p + its text) into root, h1, "A"
    assert nted("# A", "# A\n\ntext") == pytest.approx(1 - 2 / 5)
    # one typo in a text node costs its normalised edit distance, not a whole node
    assert nted("hello", "hallo") == pytest.approx(1 - (1 / 5) / 3)
    assert nted("", "") == 1.0
    assert markdown_tree("| a | b |\n|---|---|\n| 1 | 2 |").size() > 8  # tables are trees


def test_a_word_counts_as_often_as_it_occurs_in_both():
    # pred {a, a, a, b}, true {a, a, c}: a is shared twice (not once, as a set would count)
    s = ocr_scores([Line("a a a b", (0, 0, 10, 10))], [Line("a a c", (0, 0, 10, 10))])
    assert s.word_precision == pytest.approx(2 / 4) and s.word_recall == pytest.approx(2 / 3)
    assert s.word_f1 == pytest.approx(2 * (1 / 2) * (2 / 3) / (1 / 2 + 2 / 3))


def test_a_line_at_exactly_iou_one_half_matches():
    # (0,0,10,10) inside (0,0,10,20): intersection 100, union 200 → IoU exactly 0.5
    pred, true = [Line("x", (0, 0, 10, 10))], [Line("x", (0, 0, 10, 20))]
    assert iou(pred[0].bbox, true[0].bbox) == 0.5
    s = ocr_scores(pred, true)
    assert (s.matched_lines, s.line_f1_iou50, s.mean_iou) == (1, 1.0, 0.5)
    just_under = ocr_scores(pred, [Line("x", (0, 0, 10, 21))])  # 100 / 210
    assert (just_under.matched_lines, just_under.line_f1_iou50) == (0, 0.0)


def test_an_empty_prediction_scores_zero_not_one():
    true = [Line("a b", (0, 0, 10, 10)), Line("c", (0, 20, 10, 30))]
    s = ocr_scores([], true)
    assert (s.word_precision, s.word_recall, s.word_f1) == (0.0, 0.0, 0.0)
    assert (s.line_precision, s.line_recall, s.line_f1_iou50) == (0.0, 0.0, 0.0)
    assert (s.mean_iou, s.matched_lines) == (0.0, 0)
    # lines whose text is empty are no words either
    blank = ocr_scores([Line("", (0, 0, 10, 10))], true)
    assert blank.word_precision == 0.0 and blank.line_precision == 1.0
    # nothing predicted for nothing written: perfect
    assert ocr_scores([], []).as_dict() == {
        "word_precision": 1.0,
        "word_recall": 1.0,
        "word_f1": 1.0,
        "line_precision": 1.0,
        "line_recall": 1.0,
        "line_f1_iou50": 1.0,
        "mean_iou": 0.0,
        "matched_lines": 0,
    }


# --- hand-computed values for every field (killing the mutants docs/testing.md lists)


def test_every_score_of_a_small_page_by_hand():
    from literate.reader.metrics import ocr_scores

    true = [Line("the cat the", (0, 0, 100, 10)), Line("sat on mat", (0, 20, 100, 30))]
    pred = [
        Line("the cat", (0, 0, 100, 10)),  # IoU 1
        Line("sat in mat mat", (0, 22, 100, 32)),  # IoU 8/12
        Line("extra", (0, 50, 10, 60)),  # matches nothing
    ]
    s = ocr_scores(pred, true)
    # words: pred {the, cat, sat, in, mat×2, extra} = 7, true 6, hits the, cat, sat, mat = 4
    assert s.word_precision == pytest.approx(4 / 7) and s.word_recall == pytest.approx(4 / 6)
    assert s.word_f1 == pytest.approx(2 * (4 / 7) * (4 / 6) / (4 / 7 + 4 / 6))
    assert s.line_precision == pytest.approx(2 / 3) and s.line_recall == 1.0
    assert s.line_f1_iou50 == pytest.approx(0.8) and s.matched_lines == 2
    assert s.mean_iou == pytest.approx((1 + 8 / 12) / 2)
    assert s.as_dict()["matched_lines"] == 2 and len(s.as_dict()) == 8


def test_scores_when_one_side_is_empty():
    from literate.reader.metrics import ocr_scores

    line = Line("a b", (0, 0, 10, 10))
    s = ocr_scores([], [line])
    assert (s.word_precision, s.word_recall, s.word_f1) == (0.0, 0.0, 0.0)
    assert (s.line_precision, s.line_recall, s.line_f1_iou50, s.mean_iou) == (0, 0, 0, 0)
    s = ocr_scores([line], [])
    assert (s.word_precision, s.word_recall, s.word_f1) == (0.0, 0.0, 0.0)
    assert (s.line_precision, s.line_recall, s.line_f1_iou50) == (0.0, 0.0, 0.0)
    s = ocr_scores([], [])
    assert (s.word_f1, s.line_f1_iou50, s.word_precision, s.line_recall) == (1, 1, 1, 1)
    assert (s.mean_iou, s.matched_lines) == (0.0, 0)
    # lines without words on both sides: words score 1, lines by their boxes
    s = ocr_scores([Line("", (0, 0, 10, 10))], [Line(" ", (0, 0, 10, 10))])
    assert s.word_f1 == 1.0 and s.line_f1_iou50 == 1.0 and s.mean_iou == 1.0


def test_f1_iou_and_intersection_by_hand():
    from literate.reader.metrics import f1, intersection, iou

    assert f1(0.0, 0.0) == 0.0 and f1(0.5, 1.0) == pytest.approx(2 / 3) and f1(1, 1) == 1
    assert intersection((0, 0, 10, 10), (5, 5, 20, 20)) == 25
    assert intersection((0, 0, 10, 10), (10, 0, 20, 10)) == 0  # touching
    assert intersection((0, 0, 10, 10), (0, 12, 10, 20)) == 0  # apart in y only
    assert intersection((0, 0, 10, 10), (12, 0, 20, 10)) == 0  # apart in x only
    assert intersection((2, 3, 8, 9), (0, 0, 10, 10)) == 36  # inside
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0  # no area: no overlap
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0


def test_matching_is_one_to_one_greedy_from_the_best_pair():
    from literate.reader.metrics import match_lines, match_pairs

    true = [Line("a", (0, 0, 100, 10)), Line("b", (0, 0, 100, 12))]
    pred = [Line("x", (0, 0, 100, 11))]  # IoU 10/11 with a, 11/12 with b: b wins, a is left
    assert match_pairs(pred, true) == [(pytest.approx(11 / 12), 0, 1)]
    pred2 = pred + [Line("y", (0, 0, 100, 10))]  # y takes a (IoU 1) first, then x takes b
    assert match_pairs(pred2, true) == [(1.0, 1, 0), (pytest.approx(11 / 12), 0, 1)]
    assert match_lines(pred2, true) == [1.0, pytest.approx(11 / 12)]
    assert match_lines(pred, true, threshold=0.95) == []
    assert match_lines([], true) == [] and match_lines(pred, []) == []


def test_ned_by_hand():
    from literate.reader.metrics import ned

    assert ned("", "") == 1.0 and ned("abc", "abd") == pytest.approx(2 / 3)
    assert ned("abc", "") == 0.0 and ned("ab", "abcd") == pytest.approx(0.5)


def test_markdown_tree_nests_tags_keeps_void_ones_flat_and_joins_white_space():
    from literate.reader.metrics import markdown_tree

    def shape(n):
        return (n.label, n.text, [shape(c) for c in n.children])

    tree = markdown_tree("a  \nb <span>x</b>  y\n z</span>\n\n---\n\n| h |\n|---|\n| c |")
    assert shape(tree) == (
        "root", False, [
            ("p", False, [("a", True, []), ("br", False, []), ("b", True, []),
                          ("span", False, [("x", True, []), ("y z", True, [])])]),
            ("hr", False, []),
            ("table", False, [
                ("thead", False, [("tr", False, [("th", False, [("h", True, [])])])]),
                ("tbody", False, [("tr", False, [("td", False, [("c", True, [])])])]),
            ]),
        ],
    )  # fmt: skip
    assert tree.size() == 18
    assert shape(markdown_tree("```\ncode\n```")) == (
        "root", False, [("pre", False, [("code", False, [("code", True, [])])])]
    )  # fmt: skip


def test_nted_costs_by_hand():
    from literate.reader.metrics import nted

    assert nted("# Title", "# Title") == 1.0
    assert nted("# Title", "# Titel") == pytest.approx(1 - 0.4 / 3)  # a text renamed: 2/5
    assert nted("# A", "## A") == pytest.approx(1 - 1 / 3)  # a tag renamed: 1
    assert nted("# A", "A") == pytest.approx(1 - 1 / 3)  # h1 → p
    assert nted("a  \nb\n\n---\n\nc", "a  \nb") == pytest.approx(1 - 3 / 8)
    assert nted("*a*", "a") == pytest.approx(1 - 1 / 4)  # <em> deleted


def test_metric_edge_cases_by_hand():
    from literate.reader.metrics import iou, markdown_tree, match_pairs, nted

    assert iou((10, 0, 20, 10), (15, 0, 25, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 1, 1), (0, 0, 1, 1)) == 1.0  # a union of one pixel
    # one true line, two predictions on it: only the better one matches
    true = [Line("a", (0, 0, 100, 10))]
    assert match_pairs([Line("a", (0, 0, 100, 10)), Line("a", (0, 0, 100, 9))], true) == [
        (1.0, 0, 0)
    ]

    def shape(n):
        return (n.label, n.text, [shape(c) for c in n.children])

    assert shape(markdown_tree("a &amp; b")) == (
        "root",
        False,
        [("p", False, [("a & b", True, [])])],
    )
    # a closing tag closes everything opened inside it (span, left open, ends with p)
    assert shape(markdown_tree("<div><p><span>x</p>y</div>")) == (
        "root", False, [("div", False, [
            ("p", False, [("span", False, [("x", True, [])])]), ("y", True, []),
        ])],
    )  # fmt: skip
    # a text node never renames to a tag for less than 1, whatever their spelling
    assert nted("em", "<em></em>") == pytest.approx(1 - 1 / 3)
