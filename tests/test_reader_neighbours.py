import pytest
import torch

from literate.reader.model.tiny import build_processor, build_reader
from literate.reader.train.aids.image_signal import init_reader
from literate.reader.train.aids.neighbours import OFFSETS, init_neighbours, neighbour_share, shift
from literate.reader.train.aids.positional import PositionalCode, init_positional
from literate.reader.train.collator import ReaderCollator
from literate.reader.train.data import SnippetDataset

TEXTS = [" ".join(f"word{i} Alpha beta, gamma; delta." for i in range(300))]


def test_shift_moves_the_code_by_the_offset():
    code = PositionalCode(torch.tensor([0.4, 1.1]), torch.tensor([0.3, 0.9, 2.0]))
    rows, cols = torch.tensor([1.0, 3.0, 7.0]), torch.tensor([2.0, 5.0, 11.0])
    for d_row, d_col in OFFSETS:
        moved = code(rows, cols) @ shift(code, d_row, d_col).T
        torch.testing.assert_close(moved, code(rows + d_row, cols + d_col))


@pytest.mark.parametrize("size,max_patches", [("tiny", 64), ("small", 32)])
def test_each_head_starts_looking_at_its_neighbour(size, max_patches):
    model, _ = build_reader(None, size, coordinate_bins=256)
    init_reader(model, seed=0)
    items = [SnippetDataset(TEXTS, 16, seed=4, level="line")[i] for i in range(16)]
    fp = ReaderCollator(build_processor(size, 256), max_patches)(items)["flattened_patches"]
    _, code = init_positional(model, fp)
    vision = model.vision_model
    first = vision.encoder.layer[0]  # its input is the normalised embeddings
    with torch.no_grad():
        before = neighbour_share(first, first.pre_attention_layer_norm(vision.embeddings(fp)), fp)
    shares = init_neighbours(vision, code, fp)
    assert len(shares) == len(vision.encoder.layer)
    assert min(shares) >= 0.5 > before
