"""Cutting pages into line pieces at white space (``literate.reader.segment``)."""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw

from literate.data.pages import augment
from literate.data.render import font, render_blocks
from literate.lines import Line
from literate.reader.layout.segment import (
    Piece,
    ink_and_rules,
    ink_mask,
    join_pieces,
    line_height,
    long_runs,
    ruled_grids,
    runs,
    segment_page,
    xy_cut,
)


def test_runs_bridge_short_gaps():
    flags = np.array([0, 1, 1, 0, 1, 0, 0, 0, 1, 1], dtype=bool)
    assert runs(flags) == [(1, 3), (4, 5), (8, 10)]
    assert runs(flags, bridge=2) == [(1, 5), (8, 10)]
    assert runs(np.zeros(4, dtype=bool)) == []
    # "fewer than bridge": a gap of exactly ``bridge`` False entries stays a gap
    assert runs(flags, bridge=3) == [(1, 5), (8, 10)]
    assert runs(flags, bridge=4) == [(1, 10)]
    assert runs(np.array([1, 0, 0, 1], dtype=bool), bridge=2) == [(0, 1), (3, 4)]
    assert runs(np.ones(3, dtype=bool), bridge=5) == [(0, 3)]


def test_long_runs_are_rules_not_letters():
    mask = np.zeros((10, 200), dtype=bool)
    mask[2, 10:150] = True  # a rule
    mask[6, 10:30] = True  # a letter's bar
    got = long_runs(mask, 80)
    assert got[2, 10:150].all() and not got[6].any()


def _boxes_match(got, want, slack):
    return all(abs(g - w) <= slack for g, w in zip(got, want, strict=True))


def test_xy_cut_finds_every_rendered_line_in_order():
    page = render_blocks(
        [("h1", "A heading of words"), ("p", "the quick brown fox jumps over it " * 8)],
        size=22,
        width=640,
    )
    lines = xy_cut(ink_mask(page.image), 22)
    assert len(lines) == len(page.lines)
    for got, want in zip(lines, page.lines, strict=True):
        assert _boxes_match(got, want.bbox, 3), (got, want)


def test_segmentation_survives_the_data_engines_augmentations():
    page = render_blocks([("p", "reading lines through noise and blur " * 6)], size=24, width=700)
    for seed in range(6):
        noisy, _ = augment(page.image, random.Random(seed))
        got = xy_cut(ink_mask(noisy), 24)
        assert len(got) == len(page.lines), seed


def test_table_cells_are_separate_lines_and_rules_vanish():
    im = Image.new("RGB", (700, 200), "white")
    d = ImageDraw.Draw(im)
    f = font("dejavu-sans", 22)
    for y in (10, 70, 130, 190):
        d.line((10, y, 690, y), fill="black", width=2)
    for x in (10, 300, 500, 690):
        d.line((x, 10, x, 190), fill="black", width=2)
    cells = [("Item", 30, 30), ("Qty", 320, 30), ("Price", 520, 30)]
    cells += [("Reading glasses", 30, 90), ("2", 320, 90), ("12.50", 520, 90)]
    cells += [("Tea", 30, 150), ("10", 320, 150), ("3.99", 520, 150)]
    for text, x, y in cells:
        d.text((x, y), text, font=f, fill="black")
    got = xy_cut(ink_mask(im), 22)
    assert len(got) == len(cells)  # row by row, a line per cell, no rule
    for (x0, y0, _, _), (_, x, y) in zip(got, cells, strict=True):
        assert abs(x0 - x) <= 4 and y <= y0 <= y + 12


def test_wide_lines_are_cut_into_pieces_at_word_gaps_and_joined_back():
    page = render_blocks(
        [("p", "alpha beta gamma delta epsilon zeta eta theta")], size=22, width=900
    )
    ink = ink_mask(page.image)
    pieces = segment_page(ink, max_width=6)
    assert len({p.segment for p in pieces}) == 1 and len(pieces) > 2
    for a, b in zip(pieces, pieces[1:], strict=False):
        assert a.box[2] <= b.box[2] and not ink[:, b.box[0] - 1 : b.box[0] + 1].all()
    read = [[Line(f"w{i}", (2, 2, p.box[2] - p.box[0] - 2, 10))] for i, p in enumerate(pieces)]
    (line,) = join_pieces(pieces, read)
    assert line.text == " ".join(f"w{i}" for i in range(len(pieces)))
    x0, y0, _, y1 = pieces[0].ink
    assert line.bbox == (x0, y0, pieces[-1].ink[2], y1)  # the ink the cut found
    bare = [Piece(p.box, p.segment) for p in pieces]  # without ink: the reader's boxes
    (line,) = join_pieces(bare, read)
    assert line.bbox[0] == pieces[0].box[0] + 2 and line.bbox[2] == pieces[-1].box[2] - 2


def test_join_pieces_keeps_segments_apart_and_drops_empty_reads():
    pieces = [Piece((0, 0, 50, 20), 0), Piece((50, 0, 90, 20), 0), Piece((0, 30, 60, 50), 1)]
    read = [[Line("one", (1, 1, 40, 15))], [], [Line("  ", (1, 1, 5, 5))]]
    assert join_pieces(pieces, read) == [Line("one", (1, 1, 40, 15))]


def test_a_blank_page_has_nothing_to_read():
    assert segment_page(ink_mask(Image.new("RGB", (300, 200), (250, 250, 250)))) == []


def test_columns_whose_lines_do_not_line_up_are_read_one_after_the_other():
    im = Image.new("RGB", (900, 300), "white")
    d = ImageDraw.Draw(im)
    big, small = font("dejavu-sans", 40), font("dejavu-sans", 20)
    d.text((20, 40), "Heading", font=big, fill="black")  # left: a heading, then two lines
    d.text((20, 130), "left one two three", font=small, fill="black")
    d.text((20, 165), "left four five six", font=small, fill="black")
    for i, y in enumerate((20, 52, 84, 116)):  # right: four lines on another baseline grid
        d.text((520, y), f"right line {i}", font=small, fill="black")
    got = xy_cut(ink_mask(im), 22)
    assert [x0 < 450 for x0, *_ in got] == [True] * 3 + [False] * 4
    tops = [y0 for _, y0, *_ in got]
    assert tops[:3] == sorted(tops[:3]) and tops[3:] == sorted(tops[3:])


def _two_columns_on_offset_baselines() -> Image.Image:
    im = Image.new("RGB", (900, 420), "white")
    d = ImageDraw.Draw(im)
    f = font("dejavu-sans", 20)
    for i in range(10):  # 26 px apart, the right column 13 px lower: every row holds ink
        d.text((20, 20 + 26 * i), f"left column line {i} of text", font=f, fill="black")
        d.text((470, 33 + 26 * i), f"right column line {i} of text", font=f, fill="black")
    return im


def test_line_height_sees_through_columns_on_offset_baselines():
    ink = ink_mask(_two_columns_on_offset_baselines())
    assert max(b - a for a, b in runs(ink.sum(axis=1) >= 2)) > 200  # rows merge page-wide
    assert 15 <= line_height(ink) <= 25
    got = xy_cut(ink, line_height(ink))
    assert [x0 < 450 for x0, *_ in got] == [True] * 10 + [False] * 10


def _ruled_table(hairline: bool) -> Image.Image:
    """A paragraph left of a ruled table whose cells wrap (rows do not line up)."""
    im = Image.new("RGB", (900, 400), "white")
    d = ImageDraw.Draw(im)
    f = font("dejavu-sans", 18)
    colour, width = ((150, 150, 150), 1) if hairline else ("black", 2)
    for i in range(4):
        d.text((20, 40 + 28 * i), f"a paragraph line {i}", font=f, fill="black")
    for y in (20, 100, 180, 260):
        d.line((400, y, 880, y), fill=colour, width=width)
    for x in (400, 600, 700, 880):
        d.line((x, 20, x, 260), fill=colour, width=width)
    cells = [("Item", 410, 40), ("Qt", 610, 30), ("y", 610, 60), ("Price", 710, 55)]
    cells += [("Tea", 410, 120), ("2", 610, 150), ("78.4", 710, 110), ("9", 710, 140)]
    cells += [("Cake", 410, 200), ("1", 610, 225), ("3.99", 710, 215)]
    for text, x, y in cells:  # top, middle or bottom of their cells: rows do not line up
        d.text((x, y), text, font=f, fill="black")
    return im


def test_ruled_grids_are_found_from_rules_hairlines_too():
    for hairline in (False, True):
        ink, rules = ink_and_rules(_ruled_table(hairline))
        (grid,) = ruled_grids(rules)
        assert len(grid.xs) == 4 and len(grid.ys) == 4, hairline
        assert _boxes_match(grid.xs, (400, 600, 700, 880), 2) and grid.ys[0] in range(19, 22)
        assert not ink[:, 398:404].any()  # the rules are not ink, nor their crossings
    frame = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(frame).rectangle((10, 10, 390, 190), outline="black", width=2)
    assert ruled_grids(ink_and_rules(frame)[1]) == []  # one cell is no table


def test_a_table_beside_a_paragraph_is_read_after_it_and_not_cut_into_columns():
    ink, rules = ink_and_rules(_ruled_table(hairline=True))
    got = xy_cut(ink, line_height(ink), rules.vertical)
    assert [x0 < 400 for x0, *_ in got] == [True] * 4 + [False] * 11
    rows = [(y0 - 20) // 80 for _, y0, *_ in got[4:]]
    assert rows == sorted(rows)  # grid row by row, not column by column
    pieces = segment_page(ink, rules=rules)
    assert len({p.segment for p in pieces}) == 15
    unruled = xy_cut(ink, line_height(ink))  # without the rules: the table's columns in turn
    assert [x0 < 600 for x0, *_ in unruled[4:]] == [True] * 3 + [False] * 8


def test_grey_noisy_paper_has_no_rules():
    rng = np.random.default_rng(0)
    im = Image.new("RGB", (600, 200), (150, 150, 150))  # dark paper: below half way to white
    d = ImageDraw.Draw(im)
    d.text((20, 80), "no table here, only words", font=font("dejavu-sans", 24), fill="black")
    grey = np.asarray(im.convert("L"), dtype=np.float64) + rng.normal(0, 4, (200, 600))
    ink, rules = ink_and_rules(Image.fromarray(grey.clip(0, 255).astype(np.uint8)))
    assert not rules.horizontal.any() and not rules.vertical.any() and ink.any()


def test_pieces_at_the_page_edges_are_clipped_to_the_page():
    """A line touching the bottom right corner of a wide, short page: its padded piece
    ends exactly at the page's bottom and right edges (height for y, width for x)."""
    ink = np.zeros((40, 300), dtype=bool)
    ink[26:40, 240:300] = True  # one word, 14 px high, flush with the corner
    ink[26:40, 200:230] = True
    (piece,) = segment_page(ink)
    assert piece.ink == (200, 26, 300, 40)
    assert piece.box == (200 - 4, 26 - 4, 300, 40)  # padded by round(0.3 × 14) = 4, clipped
    tall = np.zeros((300, 40), dtype=bool)  # and a tall, narrow page: top left corner
    tall[0:14, 0:30] = True
    (piece,) = segment_page(tall)
    assert piece.box == (0, 0, 34, 18)
