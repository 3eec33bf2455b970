"""Unloading: merge the active LoRA update into the base weights and restart the adapter.

Not peft's ``merge_adapter()``: a merged layer stops using (and so training) its adapter.
Here the base weight absorbs ``(1 - momentum) * ΔW`` and the adapter is re-initialised
(``momentum == 0``) or keeps the rest of the update (``A, B *= sqrt(momentum)``), so the
model computes exactly the same function before and after, and training goes on.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from peft.tuners.lora import LoraLayer
from torch import nn

from literate.errors import BadValueError
from literate.plora import sharded

_QUANTISED_PARAMS = ("Params4bit", "Int8Params", "QTensor", "AffineQuantizedTensor")


@dataclass
class UnloadReport:
    layers: int  # adapters unloaded
    delta_norm: float  # Frobenius norm of all absorbed updates together


def lora_layers(model: nn.Module) -> list[tuple[str, LoraLayer]]:
    """Every LoRA layer of a peft model, refusing setups an unload cannot serve."""
    model = getattr(model, "module", model)  # DDP wrapper
    layers = [(n, m) for n, m in model.named_modules() if isinstance(m, LoraLayer)]
    if not layers:
        raise BadValueError("model has no LoRA layers: wrap it with peft's get_peft_model first")
    _refuse_sharded(model)
    _refuse_tied(model, layers)
    for name, layer in layers:
        weight = layer.get_base_layer().weight
        if type(weight).__name__ in _QUANTISED_PARAMS or not weight.dtype.is_floating_point:
            raise BadValueError(
                f"base layer {name} is quantised ({type(weight).__name__}, {weight.dtype}): it "
                "cannot absorb small updates without rounding them away; train PeriodicLoRA on a "
                "full-precision (fp32/bf16) base"
            )
    return layers


def _refuse_sharded(model: nn.Module) -> None:
    """FSDP2 (DTensor shards) is served by ``sharded.py``; FSDP1's flat parameters and
    DeepSpeed ZeRO-3's partitions are not."""
    for m in model.modules():
        if type(m).__name__ == "FullyShardedDataParallel":
            raise BadValueError(_SHARDED_MESSAGE)
    for p in model.parameters():
        if hasattr(p, "ds_id"):
            raise BadValueError(_SHARDED_MESSAGE)


def _refuse_tied(model: nn.Module, layers: list[tuple[str, LoraLayer]]) -> None:
    """An adapter sees one use of a tied weight (e.g. the input embedding); merging into the
    shared tensor would change the other use (the output layer) too."""
    uses: dict[int, int] = {}
    for _, p in model.named_parameters(remove_duplicate=False):
        uses[id(p)] = uses.get(id(p), 0) + 1
    for name, layer in layers:
        if uses.get(id(layer.get_base_layer().weight), 0) > 1:
            raise BadValueError(
                f"LoRA layer {name} adapts a weight tied to another layer: an unload would change "
                "both; untie it (tie_word_embeddings=False) or leave it out of target_modules"
            )


_SHARDED_MESSAGE = (
    "PeriodicLoRA merges into sharded weights only under FSDP2 (fully_shard, accelerate "
    "fsdp_version: 2); FSDP1 and DeepSpeed ZeRO-3 are not supported (or use DDP, ZeRO-1/2)"
)


def _adapters(layer: LoraLayer) -> list[str]:
    names = [a for a in layer.active_adapters if a in layer.lora_A or a in layer.lora_embedding_A]
    for a in names:
        if a in getattr(layer, "lora_variant", {}):
            raise BadValueError(
                f"adapter {a!r} is a LoRA variant (e.g. DoRA): PeriodicLoRA needs plain LoRA"
            )
    if names and layer.merged:
        raise BadValueError("adapters are merged (merge_adapter()); unmerge them before training")
    return names


@contextmanager
def _seeded(seed: int | None, model: nn.Module):
    """Draw the re-initialisation from ``seed`` (same on every rank) without disturbing the
    global RNG stream that dropout and data order rely on."""
    if seed is None:
        yield
        return
    cuda = sorted({p.device.index or 0 for p in model.parameters() if p.device.type == "cuda"})
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        yield


@torch.no_grad()
def unload_lora(model: nn.Module, momentum: float = 0.0, seed: int | None = None) -> UnloadReport:
    """Merge ``(1 - momentum) * ΔW`` of every active LoRA adapter into its base weight.

    ``ΔW = scaling * B @ A`` comes from peft's ``get_delta_weight`` (which handles
    ``fan_in_fan_out`` Conv1D and Embedding layouts). The merge is done in the base
    weight's dtype. ``seed`` makes the re-initialisation deterministic (pass the same on
    every rank).
    """
    if not 0.0 <= momentum < 1.0:
        raise BadValueError(f"momentum must be in [0, 1), got {momentum!r}")
    keep = math.sqrt(momentum)
    layers, sq_norm = 0, 0.0
    with _seeded(seed, model):
        for _, layer in lora_layers(model):
            for adapter in _adapters(layer):
                sq_norm += _unload_adapter(layer, adapter, momentum, keep)
                layers += 1
    return UnloadReport(layers=layers, delta_norm=math.sqrt(sq_norm))


def _unload_adapter(layer: LoraLayer, adapter: str, momentum: float, keep: float) -> float:
    """Unload one adapter of one layer; returns the squared norm of what was absorbed."""
    base = layer.get_base_layer()
    shards = sharded.is_sharded(layer)
    # FSDP2: ΔW from the gathered factors, added shard by shard; else peft's own formula
    delta = sharded.delta_weight(layer, adapter) if shards else layer.get_delta_weight(adapter)
    sharded.add_full(base.weight, (1.0 - momentum) * delta)
    has_bias = layer.lora_bias.get(adapter, False)
    if has_bias:  # the adapter's bias adds scaling * B.bias
        if getattr(base, "bias", None) is None:
            raise BadValueError("lora_bias=True needs base layers with a bias to unload into")
        b = sharded.full(layer.lora_B[adapter].bias)
        sharded.add_full(base.bias, (1.0 - momentum) * layer.scaling[adapter] * b)
    if momentum == 0.0:
        # peft's own initialisation: A kaiming, B = 0 (embeddings: A = 0, B normal)
        if shards:
            sharded.reinit(layer, adapter)
        else:
            layer.reset_lora_parameters(adapter, True)
    elif adapter in layer.lora_A:
        layer.lora_A[adapter].weight.mul_(keep)
        layer.lora_B[adapter].weight.mul_(keep)
        if has_bias:
            layer.lora_B[adapter].bias.mul_(momentum)
    else:
        layer.lora_embedding_A[adapter].mul_(keep)
        layer.lora_embedding_B[adapter].mul_(keep)
    return float(delta.float().pow(2).sum()) * (1.0 - momentum) ** 2
