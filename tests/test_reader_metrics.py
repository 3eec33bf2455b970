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
