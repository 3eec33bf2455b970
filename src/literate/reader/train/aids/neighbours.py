"""Encoder heads that start as neighbour lookups (``--init local``), a convolution's bias
inside the unchanged Kosmos-2.5 vision encoder.

Measured (research/glyph_probe.py): trained on the dense glyph loss alone, the
from-scratch encoder names under half of the glyph patches after 1,500 steps. At a glyph a
patch or two wide, naming one means combining a patch with its neighbours, and a ViT from
scratch must first learn *where* its neighbours are from learned position embeddings.
ConViT (d'Ascoli et al., 2021) starts attention heads as soft convolutions instead.

Here that comes for free from ``positional.init_positional``: the encoder's residual stream
carries a sinusoidal code of each patch's (row, col) in ``P`` reserved channels. For a
wanted offset δ the code of ``pos + δ`` is a rotation of the code of ``pos`` (per
frequency ω, by ωδ), so a head whose queries hold ``γ · R_δ · code`` and whose keys hold
``code`` scores ``γ · κ(pos_i + δ − pos_j)``, peaked at the neighbour at δ. Heads get
offsets left, right, up, down, then two to the left and right; their remaining dimensions
keep their content weights. ``γ`` is calibrated per layer so that a chosen share of each
head's attention falls on its neighbour.
"""

from __future__ import annotations

import torch

from literate.reader.train.aids.hooks import captured_input
from literate.reader.train.aids.latent_code import PositionalCode

OFFSETS = [(0, -1), (0, 1), (-1, 0), (1, 0), (0, -2), (0, 2), (-1, -1), (1, 1)]  # (row, col)


def shift(code: PositionalCode, d_row: float, d_col: float) -> torch.Tensor:
    """``[P, P]`` matrix ``R`` with ``R @ code(r, c) = code(r + d_row, c + d_col)``."""
    blocks = []
    for freqs, delta in ((code.row_freqs, d_row), (code.col_freqs, d_col)):
        k = len(freqs)
        cos, sin = torch.cos(freqs * delta), torch.sin(freqs * delta)
        r = torch.zeros(2 * k, 2 * k)
        i = torch.arange(k)
        r[i, i], r[i, k + i] = cos, -sin  # cos(a + b) = cos a cos b − sin a sin b
        r[k + i, i], r[k + i, k + i] = sin, cos  # sin(a + b) = sin a cos b + cos a sin b
        blocks.append(r)
    return torch.block_diag(*blocks)


@torch.no_grad()
def init_neighbours(
    vision, code: PositionalCode, flattened_patches: torch.Tensor, target: float = 0.5
) -> list[float]:
    """Rewrite every encoder layer's query/key weights (after ``init_positional``) so head
    ``h`` looks up the neighbour at ``OFFSETS[h]``; returns each layer's calibrated share
    of attention on that neighbour (mean over heads and real patches that have one)."""
    P = code.dim
    shares = []
    for layer in vision.encoder.layer:
        att = layer.attention
        hd, heads = att.head_dim, att.n_heads
        rows = []
        for h in range(heads):
            d = OFFSETS[h % len(OFFSETS)]
            block = slice(h * hd, h * hd + P)
            att.query.weight[block] = 0
            att.key.weight[block] = 0
            att.query.weight[block, :P] = shift(code, *d)
            att.key.weight[block, :P] = torch.eye(P)
            rows.append(block)
        shares.append(_calibrate(vision, layer, rows, flattened_patches, target))
    return shares


def neighbour_share(layer, hidden: torch.Tensor, flattened_patches: torch.Tensor) -> float:
    """Mean share of each head's attention (from its layer input ``hidden``) that falls on
    the patch at its offset, over real patches whose neighbour there is real."""
    att = layer.attention
    b, n, _ = hidden.shape
    q = att.query(hidden).view(b, n, att.n_heads, -1).transpose(1, 2)
    k = att.key(hidden).view(b, n, att.n_heads, -1).transpose(1, 2)
    real = flattened_patches[..., 0] > 0
    logits = (q @ k.transpose(-1, -2)) * att.scaling
    probs = logits.masked_fill(~real[:, None, None, :], float("-inf")).softmax(-1)
    row, col = flattened_patches[..., 0].long(), flattened_patches[..., 1].long()
    out = []
    for h in range(att.n_heads):
        dr, dc = OFFSETS[h % len(OFFSETS)]
        want = (row.unsqueeze(-1) + dr == row.unsqueeze(1)) & (
            col.unsqueeze(-1) + dc == col.unsqueeze(1)
        )  # [B, N, N]: j is i's neighbour at the offset
        want = want & real.unsqueeze(1) & real.unsqueeze(-1)
        has = want.any(-1)
        if has.any():
            out.append(float((probs[:, h] * want).sum(-1)[has].mean()))
    return sum(out) / max(1, len(out))


def _calibrate(vision, layer, blocks, flattened_patches, target: float) -> float:
    """Scale the positional query rows of ``layer`` until ``target`` share is reached."""
    with captured_input(layer.attention) as seen:
        vision(flattened_patches=flattened_patches)
    q = layer.attention.query.weight
    base = q.clone()
    best = (-1.0, 1.0)
    for gamma in (1, 2, 4, 8, 16, 32, 64, 128, 256):  # only this layer's queries change
        for block in blocks:
            q[block] = base[block] * gamma
        share = neighbour_share(layer, seen["x"], flattened_patches)
        if share > best[0]:
            best = (share, gamma)
        if share >= target:
            return share
    for block in blocks:
        q[block] = base[block] * best[1]
    return best[0]
