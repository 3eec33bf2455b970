import pytest
import torch
from torch import nn

from literate.reader.train.aids.hooks import captured_input, captured_output, find_module


def test_captured_input_and_output_are_those_of_the_one_forward_pass():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = torch.randn(5, 3)
    with captured_input(model[2]) as seen_in, captured_output(model[0]) as seen_out:
        y = model(x)
    torch.testing.assert_close(seen_out["x"], model[0](x))
    torch.testing.assert_close(seen_in["x"], torch.relu(model[0](x)))
    torch.testing.assert_close(model[2](seen_in["x"]), y)
    model(x)  # hooks removed on leaving the block
    assert not model[2]._forward_pre_hooks and not model[0]._forward_hooks


def test_find_module_by_its_own_name():
    model = nn.ModuleDict({"outer": nn.ModuleDict({"vision_model": nn.Linear(1, 1)})})
    assert find_module(model, "vision_model") is model["outer"]["vision_model"]
    with pytest.raises(ValueError, match="no text_model"):
        find_module(model, "text_model")
