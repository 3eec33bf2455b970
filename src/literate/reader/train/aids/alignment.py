"""Guided attention: teach one decoder head to look at the glyph it is about to write.

With the glyph loss (``glyphs.py``) the encoder names about half of the glyph patches of
held-out random strings, yet the decoder reads their first letter at 6 % and greedy decoding
writes one letter over and over: it has not found *where* in the image the next letter is,
the alignment that attention-based readers (and TTS models) discover late. Guided attention
(Tachibana et al., 2018) shortens that search with a loss on an attention map. Here the
target is exact: the renderer knows each character's glyph cell, the resampler's attention
says which latents look at those patches, and one decoder head (the last layer's first, by
default) is asked to put its attention, at the token before each character, on them.

Targets are built per example only where the answer's characters are exactly the rendered
glyphs in order (an OCR answer of an image we rendered); elsewhere the loss is silent. It
is meant for training from scratch: under LoRA the head's attention is computed from the
frozen base projections, without the adapters' update.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from literate.reader.train.aids.glyphs import glyph_overlap
from literate.reader.train.aids.hooks import find_module
from literate.reader.train.aids.positional import resampler_attention


def glyph_tokens(
    glyphs: list | None, input_ids: torch.Tensor, start: int, tokenizer
) -> torch.Tensor | None:
    """``[K]`` position in ``input_ids`` of each glyph's character token, or ``None`` when
    the answer (from ``start``) does not spell exactly these glyphs in order (a page we did
    not render, a Markdown answer, a truncated sequence, a line the target dropped)."""
    if not glyphs:
        return None
    tokens = tokenizer.convert_ids_to_tokens(input_ids[start:].tolist())
    at = [start + i for i, t in enumerate(tokens) if len(t) == 1 and not t.isspace()]
    if "".join(tokens[i - start] for i in at) != "".join(ch for ch, _ in glyphs):
        return None
    return torch.tensor(at)


def guided_targets(items, enc, start: int, tokenizer, tasks: list[str]) -> dict:
    """The collator's extra tensors: ``glyph_cells`` ``[B, K, P]`` (which patches each
    glyph covers) and ``glyph_tokens`` ``[B, K]`` (its token's position, -1 = none)."""
    rows, cells = [], []
    for i, (item, task) in enumerate(zip(items, tasks, strict=True)):
        glyphs = item.get("glyphs") if task == "ocr" else None
        pos = glyph_tokens(glyphs, enc["input_ids"][i], start, tokenizer)
        if pos is None:
            rows.append(torch.empty(0, dtype=torch.long))
            cells.append(torch.zeros(0, enc["flattened_patches"].shape[1], dtype=torch.bool))
            continue
        rows.append(pos)
        cells.append(glyph_overlap(glyphs, item["image"].size, enc["flattened_patches"][i]).T)
    k = max(1, max(len(r) for r in rows))
    tokens = torch.full((len(items), k), -1, dtype=torch.long)
    mask = torch.zeros(len(items), k, enc["flattened_patches"].shape[1], dtype=torch.bool)
    for i, (r, c) in enumerate(zip(rows, cells, strict=True)):
        tokens[i, : len(r)] = r
        mask[i, : len(c)] = c
    return {"glyph_tokens": tokens, "glyph_cells": mask}


def target_latents(att: torch.Tensor, cells: torch.Tensor, most: float = 0.25) -> torch.Tensor:
    """``[B, K, L]`` the latents that look at glyph ``k``: those whose attention on its
    patches is at least half the most any latent puts there. None for a glyph no patch
    centre falls in, and none where more than ``most`` of the latents qualify: a resampler
    that pools everywhere alike (measured on page strips trained from scratch: it
    collapsed within 100 steps) would make every latent a target and the loss trivially 0."""
    on_glyph = cells.float() @ att.transpose(1, 2)  # [B, K, L]
    top = on_glyph.amax(-1, keepdim=True)
    targets = (on_glyph >= 0.5 * top) & (top > 0)
    specific = targets.sum(-1, keepdim=True) <= most * att.shape[1]
    return targets & specific


def head_attention(
    attn, hidden: torch.Tensor, queries: torch.Tensor, key_mask: torch.Tensor, head: int
) -> torch.Tensor:
    """``[B, K, T]`` attention of ``head`` of decoder layer ``attn`` (a Kosmos-2.5 text
    attention; ``hidden``: its input ``[B, T, D]``) from query positions ``queries``
    ``[B, K]`` (≥ 0) over the keys up to each query (causal) that ``key_mask`` ``[B, T]``
    keeps."""
    d = attn.head_dim
    cols = slice(head * d, (head + 1) * d)
    q = F.linear(hidden, attn.q_proj.weight[cols], attn.q_proj.bias[cols]) * attn.scaling
    k = F.linear(hidden, attn.k_proj.weight[cols], attn.k_proj.bias[cols])
    q = q.gather(1, queries.unsqueeze(-1).expand(-1, -1, d))  # [B, K, d]
    logits = q @ k.transpose(1, 2)  # [B, K, T]
    t = torch.arange(hidden.shape[1], device=hidden.device)
    allowed = (t.view(1, 1, -1) <= queries.unsqueeze(-1)) & key_mask.bool().unsqueeze(1)
    return logits.masked_fill(~allowed, float("-inf")).softmax(-1)


def guided_loss(
    model,
    hidden: torch.Tensor,
    feats: torch.Tensor,
    batch: dict,
    layer: int = -1,
    head: int = 0,
) -> tuple[torch.Tensor, float]:
    """Mean ``-log`` of the attention mass the guided head puts on each glyph's latents
    from the token before that glyph's character, and that mass (the diagnostic)."""
    tokens, cells = batch["glyph_tokens"], batch["glyph_cells"]
    with torch.no_grad():
        targets = target_latents(resampler_attention(model, feats.detach()), cells)
    valid = (tokens > 0) & targets.any(-1)  # a glyph no patch centre falls in: no target
    if not valid.any():
        return hidden.sum() * 0.0, float("nan")
    slots = batch["image_embeds_position_mask"] == 1  # [B, T]: the latents' positions
    attn = decoder_layers(model)[layer].self_attn
    probs = head_attention(
        attn, hidden, (tokens - 1).clamp(min=0), batch["attention_mask"], head
    )  # [B, K, T]
    on_slots = probs.masked_select(slots.unsqueeze(1)).view(*tokens.shape, -1)  # [B, K, L]
    mass = (on_slots * targets).sum(-1)[valid]
    return -(mass + 1e-6).log().mean(), float(mass.detach().mean())


def decoder_layers(model):
    return find_module(model, "text_model").model.layers
