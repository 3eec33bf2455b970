"""The latents' grid and the sinusoidal code of a (row, column) position: shared by the
positional start (``positional.py``) and the neighbour heads built on it (``neighbours.py``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class LatentGrid:
    rows: int
    cols: int
    row_step: float  # patches between latent centres
    col_step: float

    def centres(self) -> torch.Tensor:
        """``[rows·cols, 2]`` (row, col) centres, row-major, in patch units (patches
        are numbered from 1)."""
        r = 0.5 + self.row_step * (torch.arange(self.rows) + 0.5)
        c = 0.5 + self.col_step * (torch.arange(self.cols) + 0.5)
        return torch.cartesian_prod(r, c)


def latent_grid(latents: int, height: float, width: float) -> LatentGrid:
    """Lay ``latents`` row-major over ``height`` × ``width`` patches, as square a cell
    as the count allows."""
    ideal = math.sqrt(latents * height / width)
    divisors = [d for d in range(1, latents + 1) if latents % d == 0]
    rows = min(divisors, key=lambda d: abs(math.log(d / ideal)))
    cols = latents // rows
    return LatentGrid(rows, cols, height / rows, width / cols)


def grid_extent(flattened_patches: torch.Tensor, quantile: float = 0.9) -> tuple[float, float]:
    """Rows and columns of patch grid that cover ``quantile`` of the sample images (the
    processor sizes each image's grid to its aspect, so words, lines and strips differ)."""
    rows = flattened_patches[..., 0].amax(-1).float()
    cols = flattened_patches[..., 1].amax(-1).float()
    return float(rows.quantile(quantile)), float(cols.quantile(quantile))


def frequencies(step: float, extent: float, k: int) -> torch.Tensor:
    """``k`` angular frequencies from one period of two latent steps up to periods of
    about twice the extent (so the code does not alias within it)."""
    if k <= 0:
        return torch.zeros(0)
    hi, lo = 2 * math.pi / (2 * step), 2 * math.pi / (2 * extent)
    if k == 1 or hi <= lo:
        return torch.full((k,), lo)
    return torch.logspace(math.log10(hi), math.log10(lo), k)


def sinusoid(pos: torch.Tensor, freqs: torch.Tensor) -> torch.Tensor:
    """``[..., 2k]`` code (cos, sin per frequency) of positions ``pos`` (any shape)."""
    angles = pos.unsqueeze(-1).float() * freqs
    return torch.cat([angles.cos(), angles.sin()], dim=-1)


@dataclass(frozen=True)
class PositionalCode:
    row_freqs: torch.Tensor
    col_freqs: torch.Tensor

    @property
    def dim(self) -> int:
        return 2 * (len(self.row_freqs) + len(self.col_freqs))

    def __call__(self, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
        return torch.cat([sinusoid(rows, self.row_freqs), sinusoid(cols, self.col_freqs)], -1)


def positional_code(grid: LatentGrid, budget: int) -> PositionalCode:
    """Split a channel ``budget`` between row and column frequencies (columns get the
    rest: they span the longer extent)."""
    pairs = max(2, budget // 2)
    k_row = max(1, min(3, pairs // 3))
    k_col = pairs - k_row
    return PositionalCode(
        frequencies(grid.row_step, grid.rows * grid.row_step, k_row),
        frequencies(grid.col_step, grid.cols * grid.col_step, k_col),
    )
