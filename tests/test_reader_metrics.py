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
