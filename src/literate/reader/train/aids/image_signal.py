"""Does the image reach the decoder? A diagnostic, and an initialisation under which it does.

``image_gap``: the loss on the same answers with each example's own image vs with another
example's image (the batch rolled by one). A decoder that ignores the image has a gap of 0
however low its loss; one that reads has a large positive gap. It is split into text tokens
and coordinate tokens (``<bbox>``, ``<x_N>``, ``<y_N>``), which can learn at different times.

``latent_similarity``: whether the resampler's latents differ from each other at all.

``init_reader``: see its docstring and docs/reader-training.md ("The image signal") for what
was measured;
``init_embeddings`` is part of ``positional.positional_start`` (``--init positional``).
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


def pairwise_similarity(latents: torch.Tensor) -> float:
    """Mean cosine similarity between different rows of each ``[B, L, D]`` item, averaged
    over the batch (1.0 when ``L`` = 1)."""
    n = latents.shape[1]
    if n < 2:
        return 1.0
    unit = F.normalize(latents.float(), dim=-1)
    sim = unit @ unit.transpose(1, 2)  # [B, L, L], ones on the diagonal
    return float(((sim.sum((1, 2)) - n) / (n * (n - 1))).mean())


@torch.no_grad()
def latent_similarity(model, batch: dict) -> float:
    """How alike the resampler's latents of one image are (``pairwise_similarity``).

    Near 1, every latent carries the same mean-pooled vector of the image: the decoder can
    learn from it where the text is and how long it is, not what it says. Measured: the
    bundled reader's latents sit at 1.000 after both its stages, with a large image gap.
    """
    was_training = model.training
    model.eval()
    try:
        feats = model.vision_model(flattened_patches=batch["flattened_patches"]).last_hidden_state
        latents, _ = model.image_to_text_projection(F.normalize(feats, dim=-1))
    finally:
        model.train(was_training)
    return pairwise_similarity(latents)


def _mean(x: torch.Tensor, mask: torch.Tensor) -> float:
    return float(x[mask].mean()) if mask.any() else 0.0


VISUAL_PREFIXES = ("vision_model.", "image_to_text_projection.")


@torch.no_grad()
def init_reader(model, seed: int = 0) -> None:
    """Re-initialise the image-to-text resampler of a from-scratch
    ``Kosmos2_5ForConditionalGeneration`` so that its output depends on the image.

    transformers' default draws the latent queries at std 1.0 and the resampler's Linear
    layers at std 0.02: the latents, which are also keys and values of the resampler's
    attention, then outweigh the image features ~50× and every image maps to almost the
    same embeddings (5.6e-5 max difference between two digits on the tiny config). Here the
    latents start small (std 0.02, so each latent first mean-pools the image), the
    resampler's Linear layers get Xavier weights and zero biases, and ``dense`` is scaled
    by √d to undo the L2 normalisation in front of it (per-element 1/√d). Measured on the
    digit task (docs/reader-training.md, "The image signal"): the default never opens a
    gap in 400 steps; this does, with the visual side's learning rate at 1/4 of the decoder's
    (``visual_lr_scale``, which stops Adam from turning the resampler into a constant
    prompt before the decoder has learnt to read it).
    """
    torch.manual_seed(seed)
    p = model.image_to_text_projection
    nn.init.normal_(p.latent_query, std=0.02)
    for lin in (p.dense, p.x_attn.q_proj, p.x_attn.k_proj, p.x_attn.v_proj, p.x_attn.out_proj):
        nn.init.xavier_uniform_(lin.weight)
        if lin.bias is not None:
            nn.init.zeros_(lin.bias)
    p.dense.weight.mul_(p.dense.in_features**0.5)


@torch.no_grad()
def init_embeddings(model, seed: int = 0) -> None:
    """Token embeddings at std ``embed_dim ** -0.5``, as fairseq (where Kosmos comes from)
    draws them, instead of transformers' 0.02.

    The decoder multiplies embeddings by √d, and the output head is tied to them: at 0.02
    a token enters at ~1/6 of the sinusoidal position's size and every logit starts near 0.
    Measured on the digit task (tiny, positional resampler, 500 steps,
    research/positional.py): accuracy 0.40 → 0.78 (visual lr × 1), 0.37 → 0.82
    (× 0.25).
    """
    torch.manual_seed(seed)
    emb = model.get_input_embeddings()
    nn.init.normal_(emb.weight, std=emb.weight.shape[1] ** -0.5)
    if emb.padding_idx is not None:
        emb.weight[emb.padding_idx].zero_()


def param_groups(model, lr: float, visual_lr_scale: float, weight_decay: float) -> list[dict]:
    """Optimizer groups: decoder vs vision encoder + resampler (``visual_lr_scale`` × lr);
    no weight decay on biases, norms and embeddings' 1-D parameters."""
    groups: dict[tuple[bool, bool], list] = {}
    for name, prm in model.named_parameters():
        if not prm.requires_grad:
            continue
        bare = name.removeprefix("base_model.model.")
        visual = bare.startswith(VISUAL_PREFIXES)
        groups.setdefault((visual, prm.dim() > 1), []).append(prm)
    return [
        {
            "params": params,
            "lr": lr * (visual_lr_scale if visual else 1.0),
            "weight_decay": weight_decay if decay else 0.0,
        }
        for (visual, decay), params in groups.items()
    ]
