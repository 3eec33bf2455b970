"""Does the image reach the decoder? A diagnostic, and an initialisation under which it does.

``image_gap``: the loss on the same answers with each example's own image vs with another
example's image (the batch rolled by one). A decoder that ignores the image has a gap of 0
however low its loss; one that reads has a large positive gap. It is split into text tokens
and coordinate tokens (``<bbox>``, ``<x_N>``, ``<y_N>``), which can learn at different times.

``init_reader``: see its docstring and ../README ("The image signal") for what was measured.
"""

from __future__ import annotations

import functools
import re

import torch
from torch import nn
from torch.nn import functional as F

IGNORE = -100
_COORD = re.compile(r"^(<[xy]_\d+>|</?bbox>)$")


@functools.lru_cache(maxsize=8)
def _coordinate_ids(tokenizer) -> torch.Tensor:
    return torch.tensor(sorted(i for t, i in tokenizer.get_vocab().items() if _COORD.match(t)))


def token_losses(model, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-token loss ``[B, T-1]`` and the targets ``labels[:, 1:]`` (HF shift)."""
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    logits = model(**inputs).logits[:, :-1].float()
    targets = batch["labels"][:, 1:]
    loss = F.cross_entropy(logits.transpose(1, 2), targets.clamp(min=0), reduction="none")
    return loss, targets


@torch.no_grad()
def image_gap(model, batch: dict, tokenizer) -> dict[str, float]:
    """Mean answer loss with the right vs a mismatched image, overall / text / coordinates."""
    if batch["flattened_patches"].shape[0] < 2:
        return {}
    was_training = model.training
    model.eval()
    try:
        right, targets = token_losses(model, batch)
        wrong_batch = dict(batch, flattened_patches=batch["flattened_patches"].roll(1, 0))
        wrong, _ = token_losses(model, wrong_batch)
    finally:
        model.train(was_training)
    valid = targets != IGNORE
    coord = torch.isin(targets, _coordinate_ids(tokenizer).to(targets.device)) & valid
    text = valid & ~coord
    out = {"loss_right": _mean(right, valid), "loss_mismatched": _mean(wrong, valid)}
    out["image_gap"] = out["loss_mismatched"] - out["loss_right"]
    for name, sel in (("text", text), ("coord", coord)):
        if sel.any():
            out[f"image_gap_{name}"] = _mean(wrong, sel) - _mean(right, sel)
    return out


def _mean(x: torch.Tensor, mask: torch.Tensor) -> float:
    return float(x[mask].mean()) if mask.any() else 0.0


@torch.no_grad()
def init_reader(model, seed: int = 0) -> None:
    """From-scratch initialisation for ``Kosmos2_5ForConditionalGeneration`` under which
    the image reaches the decoder. Placeholder: transformers' default (to be replaced by
    the measured fix)."""
    torch.manual_seed(seed)
    _ = nn
