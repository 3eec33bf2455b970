"""What happens to the optimizer at a stage end, and the learning-rate re-warm-up.

After an unload the adapter starts a new (near-zero) update, but Adam's moments still
describe the old one: they are reset (as in PeriodicLoRA), pruned by magnitude (as in
ReLoRA), or kept. A short linear re-warm-up of the learning rate keeps the first steps of
the new stage from jumping with half-empty moments.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


def base_optimizer(optimizer: torch.optim.Optimizer) -> torch.optim.Optimizer:
    """The torch optimizer under accelerate's ``AcceleratedOptimizer`` (or itself)."""
    return getattr(optimizer, "optimizer", optimizer)


@torch.no_grad()
def reset_optimizer_state(
    optimizer: torch.optim.Optimizer,
    params: Iterable[torch.nn.Parameter],
    mode: str = "reset",
    prune_ratio: float = 0.99,
) -> int:
    """Reset (forget) or prune the state of ``params``; returns how many had state.

    ``prune`` zeroes, in every state tensor of a parameter (e.g. Adam's ``exp_avg`` and
    ``exp_avg_sq``), the ``prune_ratio`` share of entries with the smallest magnitude.
    """
    opt = base_optimizer(optimizer)
    touched = 0
    for p in params:
        state = opt.state.get(p)
        if not state or mode == "keep":
            continue
        touched += 1
        if mode == "reset":
            del opt.state[p]
            continue
        for key, value in state.items():
            if key == "step" or not torch.is_tensor(value) or value.numel() < 2:
                continue
            k = int(value.numel() * prune_ratio)
            if k == 0:
                continue
            threshold = value.abs().flatten().kthvalue(k).values
            value.masked_fill_(value.abs() <= threshold, 0.0)
    return touched


def rewarm_factor(steps_since_unload: int, rewarm_steps: int) -> float:
    """Learning-rate multiplier for the ``steps_since_unload``-th step of a new stage (1-based).

    Linear from ``1 / rewarm_steps`` to 1; 1 when re-warm-up is off.
    """
    if rewarm_steps <= 0:
        return 1.0
    return min(1.0, max(steps_since_unload, 1) / rewarm_steps)
