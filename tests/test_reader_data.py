"""Training datasets of the reader: the mixture a strip stage uses to keep reading words."""

import pytest

from literate.reader.data import MixtureDataset


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
    from literate.reader.data import MIX
    from literate.reader.train import ReaderTrainConfig, datasets

    cfg = ReaderTrainConfig(out="unused", level="mix", train_samples=40, eval_samples=4)
    cfg.validate()
    train, val = datasets(cfg, max_patches=128)
    assert isinstance(train, MixtureDataset) and len(train.parts) == len(MIX) and len(val) == 4
    rows = {len(train[i]["lines"]) for i in range(40)}
    assert 1 in rows and max(rows) > 1  # one-word/one-line items and multi-line strips
