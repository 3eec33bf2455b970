"""See a tensor inside one forward pass without running a second one: the input a module
receives or the output it returns. The training aids (glyph loss, guided attention) and
the initialisations read the model's own intermediate states this way."""

from __future__ import annotations

import contextlib

from torch import nn


def find_module(model: nn.Module, name: str) -> nn.Module:
    """The first submodule whose own name is ``name`` (``vision_model``, ``text_model``,
    …), also under a peft wrapper."""
    for full, module in model.named_modules():
        if full.split(".")[-1] == name:
            return module
    raise ValueError(f"no {name} in this model: this needs a Kosmos-2.5 reader")


@contextlib.contextmanager
def captured_input(module: nn.Module):
    """Yields a dict whose ``"x"`` is the first input of ``module``'s last call (its
    ``hidden_states`` when called with keywords only, as transformers' layers are)."""
    seen: dict = {}

    def hook(_module, args, kwargs):
        seen["x"] = args[0] if args else kwargs.get("hidden_states", next(iter(kwargs.values())))

    handle = module.register_forward_pre_hook(hook, with_kwargs=True)
    try:
        yield seen
    finally:
        handle.remove()


@contextlib.contextmanager
def captured_output(module: nn.Module):
    """Yields a dict whose ``"x"`` is what ``module``'s last call returned."""
    seen: dict = {}

    def hook(_module, _args, output):
        seen["x"] = output

    handle = module.register_forward_hook(hook)
    try:
        yield seen
    finally:
        handle.remove()
