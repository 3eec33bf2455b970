"""Training datasets of the reader: the mixtures of a stage and the line pieces of pages."""

import inspect
import json

import pytest

from literate.reader.train.data import MixtureDataset


class Constant:
    def __init__(self, name: str, n: int):
        self.name, self.n = name, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict:
        return {"part": self.name, "i": i}


def test_mixture_is_deterministic_and_draws_every_part_by_weight():
    parts = [Constant("word", 5), Constant("strip", 7), Constant("never", 3)]
    mix = MixtureDataset(parts, [1.0, 3.0, 0.0], n=400, seed=2)
    items = [mix[i] for i in range(len(mix))]
    assert items == [mix[i] for i in range(len(mix))]
    assert items != [MixtureDataset(parts, [1.0, 3.0, 0.0], 400, seed=3)[i] for i in range(400)]
    share = sum(x["part"] == "strip" for x in items) / len(items)
    assert 0.65 < share < 0.85 and not any(x["part"] == "never" for x in items)
    assert all(0 <= x["i"] < {"word": 5, "strip": 7}[x["part"]] for x in items)
    with pytest.raises(IndexError):
        mix[400]


@pytest.mark.parametrize("weights", [[], [1.0], [0.0, 0.0], [-1.0, 2.0]])
def test_mixture_refuses_bad_weights(weights):
    with pytest.raises(ValueError):
        MixtureDataset([Constant("a", 1), Constant("b", 1)], weights, n=1)


def test_mix_level_draws_words_lines_snippets_and_strips():
    from literate.reader.train.data import MIX
    from literate.reader.train.trainer import ReaderTrainConfig, datasets

    cfg = ReaderTrainConfig(out="unused", level="mix", train_samples=40, eval_samples=4)
    cfg.validate()
    train, val = datasets(cfg, max_patches=128)
    assert isinstance(train, MixtureDataset) and len(train.parts) == len(MIX) and len(val) == 4
    rows = {len(train[i]["lines"]) for i in range(40)}
    assert 1 in rows and max(rows) > 1  # one-word/one-line items and multi-line strips


def test_each_word_goes_to_the_one_piece_holding_most_of_it():
    from literate.reader.train.data import pieces_truth

    words = [
        ("left", (10, 10, 50, 30), 0),
        ("edge", (90, 10, 130, 30), 0),  # 10 px in the first piece, 30 in the second
        ("next", (20, 40, 60, 60), 1),
        ("line", (65, 40, 99, 60), 1),
        ("half", (200, 10, 240, 30), 0),  # 20 px in the second piece: exactly half
        ("far", (400, 10, 440, 30), 0),
    ]
    first, second = pieces_truth(words, [(5, 5, 100, 70), (95, 5, 220, 35)])
    assert [ln.text for ln in first] == ["left", "next line"]
    assert first[0].bbox == (5, 5, 45, 25) and first[1].bbox == (15, 35, 94, 55)
    assert [ln.text for ln in second] == ["edge half"]
    assert second[0].bbox == (0, 5, 125, 25)  # clipped to the piece
    assert pieces_truth(words, []) == []


def test_piece_dataset_cuts_pages_as_the_engine_does_and_keeps_their_words(tmp_path):
    from collections import Counter

    from literate.data.pages import write_dataset
    from literate.reader.engines.kosmos import KosmosEngine
    from literate.reader.layout.segment import ink_and_rules, segment_page
    from literate.reader.train.data import PieceDataset, page_words
    from literate.reader.train.trainer import ReaderTrainConfig, datasets

    write_dataset(tmp_path, 2, seed=3, split="train", augmentations=False, workers=1)
    ds = PieceDataset(tmp_path, n=60, seed=1)
    items = [ds[i] for i in range(60)]
    again = PieceDataset(tmp_path, n=60, seed=1)
    assert [it["lines"] for it in items] == [again[i]["lines"] for i in range(60)]
    for it in items:
        w, h = it["image"].size
        for ln in it["lines"]:
            x0, y0, x1, y1 = ln.bbox
            assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h and ln.text.strip()
    # the engine's own cut (its default piece width), and every word once in all
    image, pieces, truths = ds.cut(0)
    width = inspect.signature(KosmosEngine).parameters["piece_width"].default
    ink, rules = ink_and_rules(image)
    assert [p.box for p in pieces] == [p.box for p in segment_page(ink, width, rules=rules)]
    page = json.loads(ds.pages[0].with_suffix(".json").read_text())
    on_page = Counter(t for t, _, _ in page_words(page))
    read = Counter(w for lines in truths for ln in lines for w in ln.text.split())
    assert not read - on_page and read.total() >= 0.95 * on_page.total()
    cfg = ReaderTrainConfig(
        out="unused", level="piece", pages=str(tmp_path), train_samples=20, eval_samples=4
    )
    cfg.validate()
    train, val = datasets(cfg, max_patches=128)
    assert any(isinstance(p, PieceDataset) for p in train.parts) and len(val) == 4


def test_piece_level_needs_pages():
    from literate.errors import BadValueError
    from literate.reader.train.trainer import ReaderTrainConfig

    with pytest.raises(BadValueError, match="--pages"):
        ReaderTrainConfig(out="unused", level="piece").validate()
    with pytest.raises(BadValueError, match="--data"):
        ReaderTrainConfig(out="unused", level="piece", pages="p", data="pages/").validate()


def test_level_page_levels_a_skewed_scan_and_moves_its_word_boxes_with_it():
    from PIL import Image, ImageDraw

    from literate.reader.layout.deskew import unrotate_box
    from literate.reader.metrics import iou
    from literate.reader.train.data import level_page

    upright = Image.new("L", (900, 1100), 255)
    draw = ImageDraw.Draw(upright)
    boxes = []
    for row in range(14):  # text-like rows of word blocks
        y = 80 + 64 * row
        for col in range(6):
            box = (60 + 130 * col, y, 60 + 130 * col + 100, y + 22)
            draw.rectangle(box, fill=0)
            boxes.append(box)
    skew = 2.5
    scan = upright.rotate(skew, resample=Image.BICUBIC, fillcolor=255)
    words = [(f"w{i}", unrotate_box(b, skew, scan.size), i // 6) for i, b in enumerate(boxes)]
    image, moved = level_page(scan, words)
    assert image is not scan and len(moved) == len(words)
    for (_, box, _), truth in zip(moved, boxes, strict=True):
        assert iou(box, truth) > 0.6  # the bounding box of a bounding box grows a little
    level_image, same = level_page(upright, [("w", boxes[0], 0)])  # a level page: untouched
    assert level_image is upright and same == [("w", boxes[0], 0)]
