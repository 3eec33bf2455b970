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


# --- the cut's small helpers, by hand (killing the mutants docs/testing.md lists)


def test_run_helpers_by_hand():
    import numpy as np

    from literate.reader.layout.segment import (
        long_runs,
        mask_runs,
        median_run,
        positions,
        run_lengths,
        runs,
        tallest_run,
        widen,
    )

    m = np.array([[0, 1, 1, 0, 1], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]], dtype=bool)
    assert mask_runs(m) == [(0, 1, 3), (0, 4, 5), (1, 0, 5)]
    assert long_runs(m, 3).astype(int).tolist() == [[0] * 5, [1] * 5, [0] * 5]
    assert long_runs(m, 2).astype(int).tolist() == [[0, 1, 1, 0, 0], [1] * 5, [0] * 5]
    flags = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1], dtype=bool)
    assert runs(flags) == [(0, 2), (4, 5), (6, 9)]
    assert runs(flags, bridge=2) == [(0, 2), (4, 9)]  # a gap of 1 < 2 is bridged, 2 is not
    assert runs(flags, bridge=3) == [(0, 9)]
    assert tallest_run(flags) == 3 and tallest_run(np.zeros(4, dtype=bool)) == 0
    assert positions([10, 3, 12, 30, 5, 14], 2) == [4, 12, 30]  # 3,5 → 4; 10,12,14 → 12
    assert positions([0, 3], 2) == [0, 3] and positions([], 2) == []
    row = np.zeros((1, 7), dtype=bool)
    row[0, 3] = True
    assert widen(row, axis=1).astype(int).tolist() == [[0, 1, 1, 1, 1, 1, 0]]
    assert widen(row, axis=1, by=1).astype(int).tolist() == [[0, 0, 1, 1, 1, 0, 0]]
    assert widen(row.T, axis=0).astype(int).T.tolist() == [[0, 1, 1, 1, 1, 1, 0]]
    # inked rows (≥ 2 pixels a row): runs of 5, 3 (noise: under 4) and 4 rows
    ink = np.zeros((20, 6), dtype=bool)
    ink[1:6, :2] = True
    ink[8:11, :3] = True
    ink[13:17, 1:3] = True
    ink[18, 0] = True  # one pixel a row: no ink row
    assert run_lengths(ink) == [5, 4]
    assert median_run(ink) == 4.5 and median_run(np.zeros((5, 5), dtype=bool)) == 0.0


def test_line_height_uses_quarter_strips_where_offset_columns_merge_rows():
    import numpy as np

    from literate.reader.layout.segment import line_height

    ink = np.zeros((200, 400), dtype=bool)
    for y in range(10, 190, 20):  # lines 8 rows high, 12 apart, over the whole width
        ink[y : y + 8, :] = True
    assert line_height(ink) == 8.0
    offset = np.zeros((200, 400), dtype=bool)  # two columns, baselines half a line apart
    for y in range(10, 180, 20):
        offset[y : y + 12, :200] = True
        offset[y + 10 : y + 22, 200:] = True
    assert line_height(offset) == 12.0  # not the merged runs of the whole width


def test_ink_mask_of_a_blank_page_and_of_a_ruled_box():
    import numpy as np
    from PIL import Image

    from literate.reader.layout.segment import ink_and_rules, ruled_grids

    ink, rules = ink_and_rules(Image.new("L", (50, 40), 200))
    assert not ink.any() and not rules.horizontal.any() and not rules.vertical.any()
    page = np.full((300, 400), 255, dtype=np.uint8)
    for y in (50, 150, 250):  # a 2 × 2 ruled table: 3 horizontal, 3 vertical rules
        page[y : y + 2, 50:351] = 0
    for x in (50, 200, 350):
        page[50:252, x : x + 2] = 0
    page[90:100, 80:120] = 0  # a word in the first cell
    ink, rules = ink_and_rules(Image.fromarray(page), rule=80)
    assert ink[91:99, 81:119].all() and not ink[50:52, :].any()  # the word stays, rules go
    assert rules.horizontal[50, 60] and rules.vertical[100, 50]
    grids = ruled_grids(rules)
    assert [(g.xs, g.ys) for g in grids] == [((50, 200, 350), (50, 150, 250))]
    frame = np.full((300, 400), 255, dtype=np.uint8)  # a frame alone: one cell, no table
    frame[50:52, 50:351] = frame[250:252, 50:351] = 0
    frame[50:252, 50:52] = frame[50:252, 350:352] = 0
    assert ruled_grids(ink_and_rules(Image.fromarray(frame))[1]) == []


def test_join_pieces_by_hand():
    from literate.lines import Line
    from literate.reader.layout.segment import Piece, join_pieces

    pieces = [
        Piece((100, 50, 200, 70), 0, (105, 52, 195, 68)),
        Piece((190, 50, 300, 70), 0, (195, 52, 290, 68)),
        Piece((100, 110, 200, 130), 1, (100, 110, 200, 130)),  # read as nothing
        Piece((100, 80, 200, 100), 2),  # no ink box: the reader's box, moved
    ]
    read = [
        [Line(" one ", (1, 1, 5, 5))],
        [Line("two", (0, 0, 3, 3))],
        [Line("  ", (0, 0, 5, 5))],
        [Line("three", (2, 3, 50, 15)), Line("four", (60, 3, 90, 15))],
    ]
    assert join_pieces(pieces, read) == [
        Line("one two", (105, 52, 290, 68)),
        Line("three four", (102, 83, 190, 95)),
    ]


def test_segment_page_pads_each_piece_half_way_to_its_neighbour_by_hand():
    import numpy as np

    from literate.reader.layout.segment import Piece, segment_page

    ink = np.zeros((100, 400), dtype=bool)
    for k in range(12):  # words 20 wide, 10 apart, on rows 40-50 (line height 10)
        ink[40:50, 10 + 30 * k : 30 + 30 * k] = True
    pieces = segment_page(ink, max_width=14.0, pad=1.0)
    # pieces of at most 14 line heights (words 0-4 span exactly 140), padded by one line
    # height, but only half the gap (5) towards a neighbouring piece
    assert pieces == [
        Piece((0, 30, 155, 60), 0, (10, 40, 150, 50)),
        Piece((155, 30, 305, 60), 0, (160, 40, 300, 50)),
        Piece((305, 30, 370, 60), 0, (310, 40, 360, 50)),
    ]
    assert all(type(v) is int for p in pieces for v in p.box)
    # letters closer than 0.2 line heights are one word (never parted between pieces):
    # a gap of one column is closer in a line 10 high (bridge 2), not in one 5 high
    tight = np.zeros((100, 400), dtype=bool)
    tight[40:50, 10:200] = True
    tight[40:50, 100] = False
    assert [p.ink for p in segment_page(tight, max_width=10.0)] == [(10, 40, 200, 50)]
    small = np.zeros((100, 400), dtype=bool)
    small[40:45, 10:91] = True
    small[40:45, 50] = False
    assert [p.ink for p in segment_page(small, max_width=10.0)] == [
        (10, 40, 50, 45),
        (51, 40, 91, 45),
    ]


def columns(left_rows, right_rows, width=300, gap=(100, 200), px=(10, 90)):
    """A block of two columns of 10-row lines starting at the given rows."""
    import numpy as np

    block = np.zeros((120, width), dtype=bool)
    for y in left_rows:
        block[y : y + 10, px[0] : px[1]] = True
    for y in right_rows:
        block[y : y + 10, gap[1] + 10 : width - 10] = True
    return block


def test_gutter_parts_offset_columns_and_not_aligned_ones():
    import numpy as np

    from literate.reader.layout.segment import gutter

    h = 10.0
    offset = columns([0, 30, 60], [15, 45, 75])
    assert gutter(offset, h) == (90, 210)  # the blank columns between the two texts
    assert gutter(columns([0, 30, 60], [0, 30, 60]), h) is None  # one baseline grid
    assert gutter(columns([0, 30, 60], [3, 33, 63]), h) is None  # within 0.3 h: same rows
    assert gutter(columns([0, 30, 60], [4, 34, 64]), h) == (90, 210)  # 0.4 h apart: not
    # the side with fewer lines decides: both its lines are on the other side's rows
    assert gutter(columns([0, 15, 30, 45, 60], [15, 45]), h) is None
    # four of five lines shared (0.8) is aligned; three of five is not
    assert gutter(columns([0, 20, 40, 60, 80], [0, 20, 40, 60, 95]), h) is None
    assert gutter(columns([0, 20, 40, 60, 80], [0, 20, 40, 75, 95]), h) == (90, 210)
    # a gap exactly 1.5 line heights wide qualifies, a narrower one does not
    assert gutter(columns([0, 30, 60], [15, 45, 75], gap=(0, 95)), h) == (90, 105)
    assert gutter(columns([0, 30, 60], [15, 45, 75], gap=(0, 94)), h) is None
    # lines two pixels wide are lines
    thin = columns([0, 30, 60], [15, 45, 75], px=(10, 12))
    assert gutter(thin, h) == (12, 210)
    # blank margins at the block's edges are no gutter
    assert gutter(np.pad(columns([0], [0]), ((0, 0), (40, 40))), h) is None
    # of two qualifying gaps the wider is taken; if its sides line up, the next
    two = columns([0, 30, 60], [15, 45, 75])
    two[:, 30:40] = False  # a 10-wide gap inside the left text, too narrow anyway
    assert gutter(two, h, width=0.9) == (90, 210)
    # a gap holding a vertical rule with rules on both sides parts a table's columns
    assert gutter(offset, h, ruled=np.array([5, 150, 290])) is None
    assert gutter(offset, h, ruled=np.array([150, 290])) == (90, 210)  # not both sides
    assert gutter(offset, h, ruled=np.array([5, 89, 290])) == (90, 210)  # not inside
    assert gutter(offset, h, ruled=np.array([5, 90, 290])) is None  # at its first column
    assert gutter(offset, h, ruled=np.array([5, 150, 210])) is None  # at the first after
    assert gutter(offset, h, ruled=np.array([90, 150, 290])) == (90, 210)  # none left of it


def test_line_height_is_the_full_widths_unless_columns_merge_its_rows():
    import numpy as np

    from literate.reader.layout.segment import line_height

    ink = np.zeros((400, 400), dtype=bool)
    for y in range(0, 380, 40):  # three quarters: lines 8 high; the last quarter: 12 high
        ink[y : y + 8, :300] = True
        ink[y + 20 : y + 32, 300:] = True
    assert line_height(ink) == 10.0  # full width: 8s and 12s, median 10 (not 1.5 × 8)
    assert line_height(np.zeros((50, 50), dtype=bool)) == 0.0


def test_ink_mask_erases_rules_of_its_length():
    import numpy as np
    from PIL import Image

    from literate.reader.layout.segment import ink_mask

    page = np.full((60, 200), 255, dtype=np.uint8)
    page[10:12, 10:70] = 0  # a 60-pixel rule
    page[30:33, 10:90] = 0  # an 80-pixel rule
    page[45:55, 150:160] = 0  # ink
    img = Image.fromarray(page)
    default = ink_mask(img)
    assert default[10:12, 12:68].all() and not default[30:33].any()  # only ≥ 80 erased
    assert not ink_mask(img, rule=50)[10:12].any()  # the rule length asked for
    assert default[46:54, 151:159].all()


def test_ruled_grids_need_two_rows_and_two_columns_and_come_top_first():
    import numpy as np

    from literate.reader.layout.segment import Rules, ruled_grids

    def rules(*tables, size=(400, 600)):
        hor, ver = np.zeros(size, dtype=bool), np.zeros(size, dtype=bool)
        for xs, ys in tables:
            for y in ys:
                hor[y, xs[0] : xs[-1] + 1] = True
            for x in xs:
                ver[ys[0] : ys[-1] + 1, x] = True
        return Rules(hor, ver)

    assert ruled_grids(rules(((10, 60, 110), (10, 40)))) == []  # one row of two cells
    assert ruled_grids(rules(((10, 60), (10, 40, 70)))) == []  # one column of two rows
    lower_left = ((10, 60, 110), (200, 230, 260))
    upper_right = ((300, 350, 400), (20, 50, 80))
    found = ruled_grids(rules(lower_left, upper_right))
    assert [(g.xs, g.ys) for g in found] == [upper_right[::1], lower_left]
    # a vertical rule 4 pixels past a horizontal one's end still touches it, 5 does not
    for gap, joined in ((4, True), (5, False)):
        r = rules(((10, 60, 110), (10, 40, 70)))
        r.vertical[:, 110] = False
        r.vertical[10:71, 110 + gap] = True
        r.horizontal[:, 110] = False  # (the rule ends at 109)
        grids = ruled_grids(r)
        assert (grids[0].xs[-1] == 110 + gap) is joined if grids else not joined


def test_xy_cut_keeps_the_page_edges_and_reads_columns_then_rows():
    import numpy as np

    from literate.reader.layout.segment import xy_cut

    ink = np.zeros((300, 200), dtype=bool)  # a tall page: more rows than columns
    ink[0:10, 0:80] = True  # a line at the top-left corner
    ink[250:260, 0:80] = True  # one far below the width
    assert xy_cut(ink, 10.0) == [(0, 0, 80, 10), (0, 250, 80, 260)]
    short = np.zeros((60, 200), dtype=bool)
    short[10:13, 20:90] = True  # three rows high: a line
    short[30:32, 20:90] = True  # two: not
    assert xy_cut(short, 4.0) == [(20, 10, 90, 13)]
    # two text columns whose lines do not line up: the left column first, line by line
    cols = np.zeros((120, 300), dtype=bool)
    for y in (0, 30, 60):
        cols[y : y + 10, 10:90] = True
        cols[y + 15 : y + 25, 210:290] = True
    assert xy_cut(cols, 10.0) == [
        (10, 0, 90, 10), (10, 30, 90, 40), (10, 60, 90, 70),
        (210, 15, 290, 25), (210, 45, 290, 55), (210, 75, 290, 85),
    ]  # fmt: skip
    # two touching lines (no blank row between) are cut at their thinnest row
    touching = np.zeros((60, 200), dtype=bool)
    touching[10:30, 20:180] = True
    touching[19:21, 20:180] = False
    touching[19:21, 100:102] = True  # a descender joins them
    assert xy_cut(touching, 10.0) == [(20, 10, 180, 19), (20, 19, 180, 30)]
    # words of one line closer than 1.5 line heights stay one line; farther ones part
    words = np.zeros((40, 400), dtype=bool)
    words[10:20, 10:50] = True
    words[10:20, 64:100] = True  # 14 apart: < 15
    words[10:20, 115:150] = True  # 15 apart: parts
    assert xy_cut(words, 10.0) == [(10, 10, 100, 20), (115, 10, 150, 20)]
