"""PeriodicLoRA in a training loop: a controller for plain PyTorch and a Trainer callback.

The stage counter is derived from the optimizer step (``stage = step // period``), so a
run resumed mid-stage continues that stage. What an unload changes outside the adapter (the
base weights) is saved with every Trainer checkpoint and restored on resume, since peft's
checkpoints hold only the adapter.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import TrainerCallback
from transformers.trainer_callback import ExportableState
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

from literate.errors import CheckpointError
from literate.plora.config import PeriodicLoRAConfig
from literate.plora.optim import reset_optimizer_state, rewarm_factor
from literate.plora.unload import lora_layers, unload_lora

BASE_WEIGHTS_FILE = "plora_base.safetensors"


def lora_parameters(model: torch.nn.Module) -> list[torch.nn.Parameter]:
    return [p for n, p in model.named_parameters() if "lora_" in n and p.requires_grad]


def scale_lr(optimizer: torch.optim.Optimizer, factor: float) -> list[float] | None:
    """Multiply every group's learning rate by ``factor``; return the old rates to restore."""
    if factor == 1.0:
        return None
    saved = [g["lr"] for g in optimizer.param_groups]
    for g in optimizer.param_groups:
        g["lr"] = g["lr"] * factor
    return saved


def restore_lr(optimizer: torch.optim.Optimizer, saved: list[float] | None) -> None:
    if saved is not None:
        for g, lr in zip(optimizer.param_groups, saved, strict=True):
            g["lr"] = lr


@contextmanager
def scaled_lr(optimizer: torch.optim.Optimizer, factor: float):
    """The learning rate times ``factor`` for one ``optimizer.step()``, then restored, so any
    scheduler keeps owning the schedule."""
    saved = scale_lr(optimizer, factor)
    try:
        yield
    finally:
        restore_lr(optimizer, saved)


class PeriodicLoRA:
    """Stage logic for any loop: call ``after_step(model, optimizer, step)`` after each
    optimizer step (``step`` counts completed steps), and step the optimizer inside
    ``scaled_lr(optimizer, plora.lr_factor(step))`` for the re-warm-up."""

    def __init__(self, config: PeriodicLoRAConfig):
        self.config = config
        self.history: list[dict] = []  # one entry per unload

    def stage(self, step: int) -> int:
        return step // self.config.period

    def lr_factor(self, step: int) -> float:
        """Multiplier for the step that follows ``step`` completed steps."""
        if self.stage(step) == 0:
            return 1.0
        return rewarm_factor(
            step + 1 - self.stage(step) * self.config.period, self.config.rewarm_steps
        )

    def after_step(self, model, optimizer, step: int) -> dict | None:
        c = self.config
        if step <= 0 or step % c.period:
            return None
        start = time.perf_counter()
        stage = self.stage(step)
        report = unload_lora(model, c.momentum, seed=c.seed + stage)
        reset_optimizer_state(optimizer, lora_parameters(model), c.optimizer_state, c.prune_ratio)
        entry = {
            "step": step,
            "stage": stage,
            "layers": report.layers,
            "seconds": time.perf_counter() - start,
        }
        if c.log_delta_norm:
            entry["delta_norm"] = report.delta_norm
        self.history.append(entry)
        return entry


def _base_tensors(model) -> dict[str, torch.Tensor]:
    out = {}
    for name, layer in lora_layers(model):
        base = layer.get_base_layer()
        out[f"{name}.weight"] = base.weight
        if getattr(base, "bias", None) is not None:
            out[f"{name}.bias"] = base.bias
    return out


def save_base_weights(model, folder: str | Path) -> None:
    tensors = {k: v.detach().cpu().contiguous() for k, v in _base_tensors(model).items()}
    save_file(tensors, str(Path(folder) / BASE_WEIGHTS_FILE))


@torch.no_grad()
def load_base_weights(model, folder: str | Path) -> None:
    saved = load_file(str(Path(folder) / BASE_WEIGHTS_FILE))
    current = _base_tensors(model)
    if saved.keys() != current.keys():
        raise CheckpointError(
            f"{folder}/{BASE_WEIGHTS_FILE} does not match the model's LoRA layers"
        )
    for k, v in current.items():
        v.copy_(saved[k])


class PeriodicLoRACallback(TrainerCallback, ExportableState):
    """``transformers.Trainer`` callback: unload at stage ends (``on_step_end``), reset or
    prune the LoRA parameters' optimizer state through the optimizer the Trainer passes,
    re-warm the learning rate, and keep the merged base weights in every checkpoint."""

    def __init__(self, config: PeriodicLoRAConfig | None = None, **fields):
        self.config = config if config is not None else PeriodicLoRAConfig(**fields)
        self.plora = PeriodicLoRA(self.config)
        self._saved_lr: list[float] | None = None

    @property
    def history(self) -> list[dict]:
        return self.plora.history

    def state(self) -> dict:
        # Trainer re-creates the callback from these on resume; the stage follows the step.
        return {"args": asdict(self.config), "attributes": {}}

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        lora_layers(model)  # refuse bad setups before the first step
        if state.global_step > 0:  # resumed: the checkpoint's base weights, not the original
            folder = Path(args.output_dir) / f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}"
            if (folder / BASE_WEIGHTS_FILE).is_file():
                load_base_weights(model, folder)
            elif self.plora.stage(state.global_step) > 0:
                raise CheckpointError(
                    f"{folder} has no {BASE_WEIGHTS_FILE}: cannot resume PeriodicLoRA"
                )

    def on_pre_optimizer_step(self, args, state, control, optimizer=None, **kwargs):
        self._lr_context = scaled_lr(optimizer, self.plora.lr_factor(state.global_step))
        self._lr_context.__enter__()

    def on_optimizer_step(self, args, state, control, **kwargs):
        if self._lr_context is not None:
            self._lr_context.__exit__(None, None, None)
            self._saved_lr: list[float] | None = None

    def on_step_end(self, args, state, control, model=None, optimizer=None, **kwargs):
        self.plora.after_step(model, optimizer, state.global_step)

    def on_save(self, args, state, control, model=None, **kwargs):
        if state.is_world_process_zero:
            folder = Path(args.output_dir) / f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}"
            if folder.is_dir():
                save_base_weights(model, folder)
