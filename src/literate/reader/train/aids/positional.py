"""Positional resampler initialisation: each latent starts by pooling its own part of the page.

Measured (docs/reader-training.md, "Where the signal is lost"): from the mean-pooling start of
``signal.init_reader`` all latents of the resampler stay one vector of the whole image
(pairwise cosine 1.000 after thousands of steps). Every latent gets the same gradient, so
nothing breaks the tie, and one pooled vector tells the decoder where the text is, not what
it says.

Here the tie is broken by construction, inside the unchanged Kosmos-2.5 architecture:

* the vision encoder's row/column embeddings write a sinusoidal code of the patch's
  (row, column) into ``P`` reserved channels, and at the start nothing else writes there
  (patch projection and every layer's output projection have zero rows for them), so the
  code reaches the encoder's output intact;
* ``dense`` copies those channels into ``P`` text channels (the "key" block ``B``);
  the latent queries hold the code of their own grid point in another block ``A``;
  ``q_proj`` maps ``A`` and ``k_proj`` reads ``B`` into the first ``P`` dims of every head.

So the resampler's attention logit for latent *i* and patch *j* is ``γ · κ(pos_i − pos_j)``
with κ a sum of cosines peaked at 0: latent *i* pools the patches around its grid point,
every head alike, and its value carries what is written there. Latents have no code in
``B``, so their own keys are 0 and they barely attend to each other; padding patches (row 0,
column 0) get a zero code. ``γ`` is calibrated on rendered images so that a chosen share of
each latent's attention falls in its own cell. Latents are laid out row-major (reading
order) over the region the sample images' patch grids cover.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from literate.reader.train.aids.latent_code import (
    LatentGrid,
    PositionalCode,
    frequencies,
    grid_extent,
    latent_grid,
    positional_code,
    sinusoid,
)
from literate.reader.train.aids.neighbours import init_neighbours

__all__ = [
    "LatentGrid",
    "PositionalCode",
    "frequencies",
    "grid_extent",
    "latent_grid",
    "positional_code",
    "sinusoid",
]


def kernel_logits(code: PositionalCode, centres: torch.Tensor, rows, cols) -> torch.Tensor:
    """κ(latent − patch) ``[..., L, N]`` for patch positions ``rows``/``cols`` ``[..., N]``
    (the unscaled attention logits the initialisation aims at)."""
    lat = code(centres[:, 0], centres[:, 1])  # [L, P]
    pat = code(rows, cols) * ((rows > 0) & (cols > 0)).unsqueeze(-1)  # [..., N, P]
    return lat @ pat.transpose(-1, -2)


@torch.no_grad()
def init_positional(
    model, flattened_patches: torch.Tensor, seed: int = 0, dominance: float = 2.0
) -> tuple[LatentGrid, PositionalCode]:
    """Rewrite the vision embeddings and the resampler of a from-scratch model as the
    module docstring says (call after ``signal.init_reader``). ``flattened_patches`` are
    processed sample images: the code is scaled to ``dominance`` × the norm of everything
    else in the encoder's output, so the L2 normalisation in front of the resampler barely
    bends it. Returns the layout; the sharpness ``γ`` is then set by ``calibrate``."""
    torch.manual_seed(seed)
    vision, p = model.vision_model, model.image_to_text_projection
    n_lat, d_t = p.latent_query.shape
    d_v = vision.config.hidden_size
    heads, hd = p.x_attn.num_heads, p.x_attn.head_dim
    grid = latent_grid(n_lat, *grid_extent(flattened_patches))
    code = positional_code(grid, min(hd, d_t // 4, d_v // 4, 24))
    P = code.dim
    emb = vision.embeddings
    n_pos = emb.row_embedder.num_embeddings
    idx = torch.arange(n_pos)
    zero = torch.zeros(n_pos)
    row_code = code(idx, zero)
    col_code = code(zero, idx)
    row_code[:, 2 * len(code.row_freqs) :] = 0  # rows write row channels only
    col_code[:, : 2 * len(code.row_freqs)] = 0
    row_code[0] = col_code[0] = 0  # padding patches: no position
    emb.patch_projection.weight[:P] = 0
    emb.patch_projection.bias[:P] = 0
    for layer in vision.encoder.layer:
        layer.attention.output.weight[:P] = 0
        layer.mlp.wo.weight[:P] = 0
    real = flattened_patches[..., 0] > 0
    code_norm = math.sqrt(len(code.row_freqs) + len(code.col_freqs))
    scale = 1.0
    for _ in range(3):  # the rest of the residual depends a little on the scale
        for table, c in ((emb.row_embedder, row_code), (emb.column_embedder, col_code)):
            table.weight[:, :P] = c * scale
        rest = _residual(vision, flattened_patches)[..., P:][real].norm(dim=-1).mean()
        scale = dominance * float(rest) / code_norm
    # Text side: B = [0, P) key block, A = [P, 2P) latent block, content after B.
    nn.init.xavier_uniform_(p.dense.weight)
    p.dense.weight.mul_(d_v**0.5)
    p.dense.weight[:, :P] = 0  # content rows read content channels only
    p.dense.weight[:P] = 0
    p.dense.weight[:P, :P] = torch.eye(P) * d_v**0.5
    p.dense.weight[P : 2 * P] = 0  # A is the latents' block: patches leave it empty
    p.dense.bias.zero_()
    lat = torch.zeros(n_lat, d_t)
    centres = grid.centres()
    lat[:, P : 2 * P] = code(centres[:, 0], centres[:, 1])
    p.latent_query.copy_(lat)
    for lin in (p.x_attn.q_proj, p.x_attn.k_proj):
        lin.weight.zero_()
        lin.bias.zero_()
    for h in range(heads):
        p.x_attn.q_proj.weight[h * hd : h * hd + P, P : 2 * P] = torch.eye(P)
        p.x_attn.k_proj.weight[h * hd : h * hd + P, :P] = torch.eye(P)
    p.x_attn.v_proj.weight[:, P : 2 * P] = 0
    return grid, code


@torch.no_grad()
def _residual(vision, flattened_patches: torch.Tensor) -> torch.Tensor:
    """The encoder's residual stream before its final norm ``[B, N, d_v]``."""
    from literate.reader.train.aids.hooks import captured_input

    with captured_input(vision.layernorm) as seen:
        vision(flattened_patches=flattened_patches)
    return seen["x"]


def resampler_attention(model, feats: torch.Tensor) -> torch.Tensor:
    """``[B, L, N]`` attention of each latent on each patch (mean over heads), recomputed
    from the vision features ``feats`` (the model runs SDPA, which returns no weights)."""
    from torch.nn import functional as F

    from literate.reader.train.aids.hooks import find_module

    p = find_module(model, "image_to_text_projection")
    hidden = p.dense(F.normalize(feats, dim=-1))
    b, n, _ = hidden.shape
    lat = p.latent_query.unsqueeze(0).expand(b, -1, -1)
    h, hd = p.x_attn.num_heads, p.x_attn.head_dim
    q = p.x_attn.q_proj(lat).view(b, -1, h, hd).transpose(1, 2)
    k = p.x_attn.k_proj(torch.cat([hidden, lat], 1)).view(b, -1, h, hd).transpose(1, 2)
    return (q @ k.transpose(-1, -2) * p.x_attn.scaling).softmax(-1).mean(1)[..., :n]


@torch.no_grad()
def own_cell_share(
    model, flattened_patches: torch.Tensor, grid: LatentGrid, feats: torch.Tensor | None = None
) -> float:
    """Mean share of each latent's resampler attention (over heads) that falls on the
    real patches nearest to it (its Voronoi cell on the latent grid). ``feats``: the
    vision encoder's output for these patches, if already computed."""
    if feats is None:
        feats = model.vision_model(flattened_patches=flattened_patches).last_hidden_state
    att = resampler_attention(model, feats)  # [b, L, N]
    n = att.shape[-1]
    rows, cols = flattened_patches[..., 0], flattened_patches[..., 1]
    centres = grid.centres()
    d = (rows.unsqueeze(-1) - centres[:, 0]) ** 2 / grid.row_step**2
    d = d + (cols.unsqueeze(-1) - centres[:, 1]) ** 2 / grid.col_step**2  # [b, N, L]
    nearest = d.argmin(-1)  # [b, N]
    real = rows > 0
    own = nearest.unsqueeze(1) == torch.arange(len(centres)).view(1, -1, 1)  # [b, L, N]
    own = own & real.unsqueeze(1)
    used = own.any(-1)  # latents with at least one real patch in their cell
    share = (att[..., :n] * own).sum(-1)
    return float(share[used].mean())


@torch.no_grad()
def calibrate(model, flattened_patches, grid: LatentGrid, target: float = 0.5) -> float:
    """Scale ``q_proj`` until latents put ``target`` of their attention in their own cell
    (or the largest share reached); returns the share."""
    feats = model.vision_model(flattened_patches=flattened_patches).last_hidden_state
    q = model.image_to_text_projection.x_attn.q_proj.weight
    base = q.clone()
    best = (-1.0, 1.0)
    for gamma in (1, 2, 4, 8, 16, 32, 64, 128):  # only the queries change: encode once
        q.copy_(base * gamma)
        share = own_cell_share(model, flattened_patches, grid, feats)
        if share > best[0]:
            best = (share, gamma)
        if share >= target:
            return share
    q.copy_(base * best[1])
    return best[0]


def positional_start(
    model,
    flattened_patches: torch.Tensor,
    seed: int = 0,
    embeddings: bool = True,
    neighbours: bool = False,
) -> float:
    """The whole ``--init positional`` on top of ``signal.init_reader``: token embeddings
    at fairseq's scale (``signal.init_embeddings``; ``embeddings=False`` leaves them, for
    ablations), the positional layout and its calibration on ``flattened_patches`` (sample
    training images). ``neighbours`` (``--init local``): encoder heads start as neighbour
    lookups (``neighbours.py``). Returns the share of each latent's attention in its own
    cell."""
    from literate.reader.train.aids.image_signal import init_embeddings

    if embeddings:
        init_embeddings(model, seed)
    grid, code = init_positional(model, flattened_patches, seed=seed)
    if neighbours:
        init_neighbours(model.vision_model, code, flattened_patches)
    return calibrate(model, flattened_patches, grid)
