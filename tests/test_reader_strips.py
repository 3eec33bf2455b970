import random

from hypothesis import given, settings
from hypothesis import strategies as st

from literate.data.render import render_blocks
from literate.lines import Line
from literate.reader.layout.strips import (
    lines_inside,
    merge_strip_lines,
    offset_lines,
    plan_strips,
    strip_height_for,
)
from literate.reader.train.targets import resized_size


def read_strips(lines, height, strip_height, overlap, miss=()):
    """A perfect reader of whole lines: each strip returns the lines wholly inside it."""
    strips = plan_strips(height, strip_height, overlap)
    got = []
    for i, s in enumerate(strips):
        inside = lines_inside(lines, s.top, s.bottom)
        got.append(offset_lines([ln for k, ln in enumerate(inside) if (i, k) not in miss], s.top))
    return strips, got


def test_two_strip_page_keeps_every_line_exactly_once():
    page = render_blocks([("h1", "A heading"), ("p", "word " * 60)], size=24, width=600)
    tallest = max(ln.bbox[3] - ln.bbox[1] for ln in page.lines)
    strip_height = page.image.height * 2 // 3
    strips, got = read_strips(page.lines, page.image.height, strip_height, tallest + 4)
    assert len(strips) == 2
    assert sum(len(g) for g in got) > len(page.lines)  # the overlap is read twice
    assert merge_strip_lines(strips, got) == page.lines


def test_a_line_missed_by_its_strip_comes_from_the_neighbour():
    lines = [Line(f"line {i}", (10, 30 * i + 5, 200, 30 * i + 25)) for i in range(10)]
    strips, got = read_strips(lines, 300, 180, 60)
    # drop from strip 0 every line it shares with strip 1
    shared = {ln.text for ln in got[1]}
    got[0] = [ln for ln in got[0] if ln.text not in shared]
    assert merge_strip_lines(strips, got) == lines


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(8, 40), min_size=1, max_size=30),
    st.integers(0, 20),
    st.integers(1, 4),
)
def test_cores_partition_the_page_and_merge_is_exact(heights, gap, extra):
    lines, y = [], 3
    for i, h in enumerate(heights):
        lines.append(Line(f"l{i}", (5, y, 300, y + h)))
        y += h + gap
    height = y + 3
    overlap = max(heights) + extra
    strip_height = overlap + 1 + max(heights) * extra
    strips = plan_strips(height, strip_height, overlap)
    assert strips[0].core_top == 0 and strips[-1].core_bottom == height
    for a, b in zip(strips, strips[1:], strict=False):
        assert a.core_bottom == b.core_top and b.top - a.top <= strip_height - overlap
        assert a.bottom - b.top >= overlap
    _, got = read_strips(lines, height, strip_height, overlap)
    assert merge_strip_lines(strips, got) == lines


def test_strip_height_keeps_the_scale():
    for width in (600, 1000, 2480):
        h = strip_height_for(width, 256, 0.8)
        rw, rh = resized_size(width, h, 256)
        assert abs(rw / width - 0.8) < 0.05


def test_single_strip_when_the_page_fits():
    assert len(plan_strips(100, 200, 40)) == 1
    random.seed(0)
