"""Configuration of PeriodicLoRA (Meng et al., 2024, arXiv 2402.16141).

Training runs in stages of ``period`` optimizer steps. At a stage end the LoRA update is
unloaded into the frozen base weights: ``W += (1 - momentum) * ΔW``. With ``momentum == 0``
the adapter is re-initialised; with ``momentum > 0`` it keeps ``momentum * ΔW`` (``A`` and
``B`` are scaled by ``sqrt(momentum)``), so an unload never changes the model's function.
The paper's exact momentum formula could not be read; this is our definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from literate.errors import BadValueError

OPTIMIZER_STATE_MODES = ("reset", "prune", "keep")


@dataclass
class PeriodicLoRAConfig:
    period: int = 100
    """Optimizer steps per stage (after gradient accumulation)."""
    momentum: float = 0.0
    """Share of the update the adapter keeps at an unload; 0 = full unload and re-init."""
    optimizer_state: str = "reset"
    """LoRA parameters' optimizer state at a stage end: reset, prune (ReLoRA) or keep."""
    prune_ratio: float = 0.99
    """With ``prune``: share of each state tensor's entries (smallest magnitude) zeroed."""
    rewarm_steps: int = 0
    """Linear learning-rate re-warm-up over this many steps after each unload (0 = none)."""
    seed: int = 0
    """Re-initialisation seed; stage ``k`` uses ``seed + k`` so every DDP rank draws alike."""
    log_delta_norm: bool = True
    """Record the Frobenius norm of each unloaded update (cheap: ΔW is computed anyway)."""

    def __post_init__(self) -> None:
        if not isinstance(self.period, int) or self.period < 1:
            raise BadValueError(f"period must be an integer ≥ 1, got {self.period!r}")
        if not 0.0 <= self.momentum < 1.0:
            raise BadValueError(f"momentum must be in [0, 1), got {self.momentum!r}")
        if self.optimizer_state not in OPTIMIZER_STATE_MODES:
            raise BadValueError(
                f"optimizer state handling {self.optimizer_state!r} is not one of "
                f"{', '.join(OPTIMIZER_STATE_MODES)}"
            )
        if not 0.0 <= self.prune_ratio < 1.0:
            raise BadValueError(f"prune ratio must be in [0, 1), got {self.prune_ratio!r}")
        if self.rewarm_steps < 0:
            raise BadValueError(f"rewarm steps must be ≥ 0, got {self.rewarm_steps!r}")


METHODS = ("full", "lora", "plora")


@dataclass(kw_only=True)
class AdapterOptions:
    """How a training adapts its model (full, LoRA or PeriodicLoRA): the options ``train lm``
    and ``train reader`` share, so both take every PLoRA option with one set of defaults."""

    method: str = "full"
    lora_rank: int = 8
    period: int = 100
    momentum: float = 0.0
    optimizer_state: str = "reset"
    prune_ratio: float = 0.99
    rewarm_steps: int = 0

    def plora_config(self, seed: int = 0) -> PeriodicLoRAConfig:
        return PeriodicLoRAConfig(
            period=self.period,
            momentum=self.momentum,
            optimizer_state=self.optimizer_state,
            prune_ratio=self.prune_ratio,
            rewarm_steps=self.rewarm_steps,
            seed=seed,
        )

    def validate_adapters(self) -> None:
        if self.method not in METHODS:
            raise BadValueError(f"--method {self.method}: choose one of {', '.join(METHODS)}")
        if self.lora_rank < 1:
            raise BadValueError(f"--rank must be ≥ 1, got {self.lora_rank}")
        if self.method == "plora":
            self.plora_config()  # raises on a bad period, momentum, ...
