"""A dense glyph loss: which character each image patch sees, straight from the renderer.

Trained only through the decoder, our small readers read the *first* letter of a held-out
random string at 2–9 % (research/teacher_forced.py): the encoder does not tell the
≈ 90 glyphs apart, and one answer token a glyph is a thin signal to learn that from. The
renderer knows each character's cell (``literate.data.render.glyph_cells``), so every patch
gets a label (the character whose cell holds the patch centre, or "no glyph") and a linear
head on the vision encoder's output learns from all of them at once. The head is a training
aid (``literate train reader --glyph-loss W``): it is not part of the saved reader.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from literate.reader.model.tokenizer import CHARS
from literate.reader.train.aids.hooks import find_module

IGNORE = -100
NO_GLYPH = 0  # class 0; the tokenizer's characters are classes 1…
CLASSES = {ch: i + 1 for i, ch in enumerate(dict.fromkeys(CHARS))}


def glyph_overlap(
    glyphs: list[tuple[str, tuple[int, int, int, int]]],
    size: tuple[int, int],
    patches: torch.Tensor,
) -> torch.Tensor:
    """``[P, G]``: whether the centre of patch ``p`` (a row of one image's
    ``flattened_patches`` ``[P, 2 + C]``) lies in glyph ``g``'s cell; padding → False.

    The processor's first two features are the patch's 1-based row and column (0 on
    padding); the resized image is ``rows × cols`` patches of the original ``size``
    (``width, height``), so a patch centre maps back to original pixels without knowing the
    patch size."""
    row, col = patches[:, 0].long(), patches[:, 1].long()
    real = row > 0
    if not glyphs or not real.any():
        return torch.zeros(len(row), len(glyphs or []), dtype=torch.bool)
    width, height = size
    cx = (col.float() - 0.5) * width / col.max()
    cy = (row.float() - 0.5) * height / row.max()
    boxes = torch.tensor([box for _, box in glyphs], dtype=torch.float32)  # [G, 4]
    inside = (
        (cx[:, None] >= boxes[:, 0])
        & (cx[:, None] < boxes[:, 2])
        & (cy[:, None] >= boxes[:, 1])
        & (cy[:, None] < boxes[:, 3])
    )
    return inside & real[:, None]


def patch_labels(
    glyphs: list[tuple[str, tuple[int, int, int, int]]] | None,
    size: tuple[int, int],
    patches: torch.Tensor,
) -> torch.Tensor:
    """``[P]`` class of each patch of one image (``glyph_overlap``): the character whose
    cell holds its centre, else ``NO_GLYPH``. ``glyphs=None`` (an image we did not render)
    → every patch ``IGNORE``; padding and characters outside ``CLASSES`` → ``IGNORE``."""
    real = patches[:, 0] > 0
    labels = torch.full((len(patches),), IGNORE, dtype=torch.long)
    if glyphs is None:
        return labels
    labels[real] = NO_GLYPH
    if not glyphs:
        return labels
    inside = glyph_overlap(glyphs, size, patches)
    classes = torch.tensor([CLASSES.get(ch, IGNORE) for ch, _ in glyphs])
    hit = inside.any(1)
    labels[hit] = classes[inside.float().argmax(1)][hit]
    return labels


class GlyphHead(nn.Module):
    """Vision-encoder features ``[B, P, D]`` → glyph logits ``[B, P, 1 + len(CLASSES)]``."""

    def __init__(self, dim: int):
        super().__init__()
        self.proj = nn.Linear(dim, 1 + len(CLASSES))

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.proj(hidden)


def glyph_loss(
    head: GlyphHead, hidden: torch.Tensor, labels: torch.Tensor
) -> tuple[torch.Tensor, float]:
    """Cross-entropy over labelled patches, and the accuracy on patches that hold a glyph
    (the share that matters: most patches are background)."""
    logits = head(hidden.float())
    if not (labels != IGNORE).any():
        return logits.sum() * 0.0, float("nan")
    loss = F.cross_entropy(logits.transpose(1, 2), labels, ignore_index=IGNORE)
    glyph = labels > NO_GLYPH
    acc = float((logits.argmax(-1)[glyph] == labels[glyph]).float().mean()) if glyph.any() else 0
    return loss, acc


def vision_module(model) -> nn.Module:
    """The Kosmos-2.5 vision encoder inside ``model`` (also under a peft wrapper)."""
    return find_module(model, "vision_model")
