import random

import pytest
import torch
from safetensors.torch import load_file

from literate.data.render import render_snippet
from literate.reader.model.tiny import build_processor, build_reader
from literate.reader.train.aids.glyphs import (
    CLASSES,
    IGNORE,
    NO_GLYPH,
    GlyphHead,
    glyph_loss,
    patch_labels,
    vision_module,
)
from literate.reader.train.aids.hooks import captured_output
from literate.reader.train.collator import ReaderCollator
from literate.reader.train.data import SnippetDataset, StripDataset

TEXTS = [" ".join(f"word{i} Alpha beta, gamma; delta." for i in range(300))]


@pytest.fixture(scope="module")
def processor():
    return build_processor("tiny", coordinate_bins=256)


def test_glyph_cells_tile_each_line_left_to_right():
    page = render_snippet(["Hello, big world", "x y"], "dejavu-sans", 24, random.Random(0), pad=8)
    assert [ch for ch, _ in page.glyphs] == [c for ln in page.lines for c in ln.text if c != " "]
    for line in page.lines:
        cells = [box for ch, box in page.glyphs if line.bbox[1] == box[1]]
        assert all(b[0] < b[2] and b[1:4:2] == line.bbox[1:4:2] for b in cells)
        # in order, no overlap
        assert all(a[2] <= b[0] for a, b in zip(cells, cells[1:], strict=False))
        assert cells[0][0] >= line.bbox[0] - 2 and cells[-1][2] <= line.bbox[2] + 2


def test_every_character_of_a_word_labels_patches_inside_its_line(processor):
    collate = ReaderCollator(processor, 128, glyph_labels=True)
    items = [SnippetDataset(TEXTS, 8, seed=1, level="word")[i] for i in range(8)]
    batch = collate(items)
    for item, patches, labels in zip(
        items, batch["flattened_patches"], batch["glyph_labels"], strict=True
    ):
        assert (labels[patches[:, 0] == 0] == IGNORE).all()  # padding
        word = item["lines"][0].text
        seen = {int(v) for v in labels[labels > NO_GLYPH]}
        rows, cols = patches[:, 0], patches[:, 1]
        w, h = item["image"].size
        pw, ph = w / cols.max(), h / rows.max()
        # a cell at least a patch wide holds a patch centre; a narrower one (";" in a
        # condensed face) may fall between two
        wide = {CLASSES[c] for c, b in item["glyphs"] if b[2] - b[0] >= pw and b[3] - b[1] >= ph}
        assert wide and wide <= seen <= {CLASSES[c] for c in word}
        cx = (cols - 0.5) * pw
        cy = (rows - 0.5) * ph
        x0, y0, x1, y1 = item["lines"][0].bbox
        glyph = labels > NO_GLYPH
        assert ((cx[glyph] >= x0 - 3) & (cx[glyph] <= x1 + 3)).all()
        assert ((cy[glyph] >= y0) & (cy[glyph] <= y1)).all()


def test_labels_without_glyph_cells_are_ignored():
    patches = torch.zeros(6, 2 + 768)
    patches[:4, 0] = torch.tensor([1, 1, 2, 2])
    patches[:4, 1] = torch.tensor([1, 2, 1, 2])
    assert (patch_labels(None, (32, 32), patches) == IGNORE).all()  # a page we did not render
    blank = patch_labels([], (32, 32), patches)
    assert blank.tolist() == [NO_GLYPH] * 4 + [IGNORE] * 2
    odd = patch_labels([("\u4e00", (0, 0, 16, 16)), ("a", (16, 0, 32, 16))], (32, 32), patches)
    assert odd.tolist() == [IGNORE, CLASSES["a"], NO_GLYPH, NO_GLYPH, IGNORE, IGNORE]


def test_strip_glyphs_are_those_of_its_lines_in_strip_coordinates():
    strips = StripDataset(TEXTS, 6, max_patches=128, seed=3)
    for i in range(len(strips)):
        item = strips[i]
        assert [ch for ch, _ in item["glyphs"]] == [
            c for ln in item["lines"] for c in ln.text if not c.isspace()
        ]
        h = item["image"].height
        assert all(b[1] >= 0 and b[3] <= h for _, b in item["glyphs"])


def test_capture_and_loss_teach_the_encoder_a_fixed_batch(processor):
    """The hook sees the encoder output of the model's own forward pass, and the loss
    trains the encoder: a fixed batch of words is learned far above chance."""
    model, _ = build_reader(None, "tiny", coordinate_bins=256, seed=0)
    items = [SnippetDataset(TEXTS, 8, seed=2, level="word")[i] for i in range(8)]
    batch = ReaderCollator(processor, 64, glyph_labels=True)(items)
    labels = batch.pop("glyph_labels")
    with captured_output(vision_module(model)) as seen:
        model(**{k: v for k, v in batch.items() if k != "labels"})
    hidden = seen["x"].last_hidden_state
    assert hidden.shape == (8, 64, model.config.vision_config.hidden_size)
    torch.manual_seed(0)
    vision = vision_module(model).train()
    head = GlyphHead(vision.config.hidden_size)
    opt = torch.optim.AdamW([*vision.parameters(), *head.parameters()], lr=3e-3)
    for _ in range(120):
        loss, acc = glyph_loss(head, vision(batch["flattened_patches"]).last_hidden_state, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert acc > 0.6


def test_training_with_the_glyph_losses_logs_them_and_resumes_the_head(tmp_path):
    from literate.reader.train.trainer import GLYPH_HEAD, ReaderTrainConfig, train_reader

    common = dict(
        out=str(tmp_path / "r"),
        level="word",
        coordinate_bins=256,
        init="positional",  # guided attention needs latents that look at their own place
        glyph_loss=1.0,
        guided_attention=1.0,
        train_samples=200,
        eval_samples=8,
        batch_size=4,
        warmup_steps=2,
        eval_steps=4,
        save_steps=4,
    )
    first = train_reader(ReaderTrainConfig(max_steps=4, **common))
    assert all("eval_glyph_accuracy" in row for row in first["image_gap_curve"])
    logged = first["aux_curve"][-1]
    assert {"glyph_loss", "glyph_accuracy", "guided_loss", "guided_mass"} <= logged.keys()
    saved = tmp_path / "r" / "trainer" / "checkpoint-4" / GLYPH_HEAD
    head = load_file(str(saved))
    summary = train_reader(ReaderTrainConfig(max_steps=6, resume=True, **common))
    assert summary["resumed_from"] == "checkpoint-4"
    assert summary["global_step"] == 6
    assert not (tmp_path / "r" / GLYPH_HEAD).exists()  # a training aid, not the reader's
    assert head["proj.weight"].shape[0] == len(CLASSES) + 1
