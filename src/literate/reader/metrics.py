"""Reading metrics, as in Kosmos-2.5's evaluation.

- ``ocr_scores``: word-level bag-of-words precision / recall / F1 (a word counts as often as
  it occurs in both; case- and punctuation-sensitive), line-level F1 where a predicted line
  matches a true one at IoU ≥ 0.5 (one-to-one, greedy by IoU), and the mean IoU of matches.
- ``ned``: 1 − Levenshtein distance / length of the longer string (rapidfuzz).
- ``nted``: 1 − tree edit distance / node count of the larger tree (apted), on the Markdown
  rendered to an HTML tree. Elements rename at cost 0/1 by tag; text nodes at their
  normalised edit distance, so one typo in a paragraph costs a fraction, not a node.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from html.parser import HTMLParser

from rapidfuzz.distance import Levenshtein

from literate.lines import Box, Line


@dataclass(frozen=True)
class OcrScores:
    word_precision: float
    word_recall: float
    word_f1: float
    line_precision: float
    line_recall: float
    line_f1_iou50: float
    mean_iou: float
    matched_lines: int

    def as_dict(self) -> dict:
        return asdict(self)


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def intersection(a: Box, b: Box) -> int:
    """Area two boxes share."""
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def iou(a: Box, b: Box) -> float:
    inter = intersection(a, b)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def word_counts(lines: list[Line]) -> Counter:
    return Counter(w for line in lines for w in line.text.split())


def match_pairs(
    pred: list[Line], true: list[Line], threshold: float = 0.5
) -> list[tuple[float, int, int]]:
    """A one-to-one matching ``(IoU, pred index, true index)``, greedy from the highest IoU,
    keeping IoU ≥ threshold."""
    pairs = sorted(
        ((iou(p.bbox, t.bbox), i, j) for i, p in enumerate(pred) for j, t in enumerate(true)),
        reverse=True,
    )
    used_p, used_t, matched = set(), set(), []
    for v, i, j in pairs:
        if v < threshold:
            break
        if i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
            matched.append((v, i, j))
    return matched


def match_lines(pred: list[Line], true: list[Line], threshold: float = 0.5) -> list[float]:
    """IoUs of ``match_pairs``."""
    return [v for v, _, _ in match_pairs(pred, true, threshold)]


def _ratio(hit: float, total: int, empty_both: bool) -> float:
    if total == 0:
        return 1.0 if empty_both else 0.0
    return hit / total


def ocr_scores(pred_lines: list[Line], true_lines: list[Line]) -> OcrScores:
    pw, tw = word_counts(pred_lines), word_counts(true_lines)
    hit = sum((pw & tw).values())
    both_empty = not pw and not tw
    wp = _ratio(hit, sum(pw.values()), both_empty)
    wr = _ratio(hit, sum(tw.values()), both_empty)
    matched = match_lines(pred_lines, true_lines)
    both_empty_l = not pred_lines and not true_lines
    lp = _ratio(len(matched), len(pred_lines), both_empty_l)
    lr = _ratio(len(matched), len(true_lines), both_empty_l)
    return OcrScores(
        word_precision=wp,
        word_recall=wr,
        word_f1=1.0 if both_empty else f1(wp, wr),
        line_precision=lp,
        line_recall=lr,
        line_f1_iou50=1.0 if both_empty_l else f1(lp, lr),
        mean_iou=sum(matched) / len(matched) if matched else 0.0,
        matched_lines=len(matched),
    )


def ned(a: str, b: str) -> float:
    """1 − edit distance / max length (1.0 for two empty strings)."""
    return 1.0 - Levenshtein.normalized_distance(a, b)


class Node:
    __slots__ = ("label", "text", "children")

    def __init__(self, label: str, text: bool = False):
        self.label, self.text, self.children = label, text, []

    def size(self) -> int:
        return 1 + sum(c.size() for c in self.children)


class _TreeBuilder(HTMLParser):
    VOID = {"br", "hr", "img", "input", "meta", "link", "col", "area", "base", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag)
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].label == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        text = " ".join(data.split())
        if text:
            self.stack[-1].children.append(Node(text, text=True))


def markdown_tree(md: str) -> Node:
    """Markdown → HTML (python-markdown, tables and fenced code) → a tree of tags and texts."""
    import markdown

    html = markdown.markdown(md, extensions=["tables", "fenced_code"])
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def tree_distance(a: Node, b: Node) -> float:
    from apted import APTED, Config

    class _Cost(Config):
        def rename(self, x: Node, y: Node) -> float:
            if x.text and y.text:
                return Levenshtein.normalized_distance(x.label, y.label)
            return float(x.text != y.text or x.label != y.label)

        def children(self, node: Node) -> list[Node]:
            return node.children

    return APTED(a, b, _Cost()).compute_edit_distance()


def nted(a: str, b: str) -> float:
    """1 − tree edit distance / node count of the larger tree, on the rendered Markdown."""
    ta, tb = markdown_tree(a), markdown_tree(b)
    n = max(ta.size(), tb.size())
    return 1.0 - tree_distance(ta, tb) / n
