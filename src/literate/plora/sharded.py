"""Unloading into FSDP2-sharded weights.

Under FSDP2 (``fully_shard``) every parameter is a ``DTensor`` holding one shard. An unload
gathers the small LoRA factors (``full_tensor()``: r × d each), forms the full ``ΔW`` on
every rank (identical everywhere), and each rank adds only its own shard of it to its shard
of the base weight; re-initialised factors are drawn in full from the shared seed and
sharded the same way. The large base weight is never gathered.
"""

from __future__ import annotations

import math

import torch
from peft.tuners.lora import LoraLayer
from peft.utils.other import transpose
from torch import nn
from torch.distributed.tensor import DTensor, distribute_tensor


def is_sharded(layer: LoraLayer) -> bool:
    return isinstance(layer.get_base_layer().weight, DTensor)


def full(t: torch.Tensor) -> torch.Tensor:
    return t.full_tensor() if isinstance(t, DTensor) else t


def _shard_like(param: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    if not isinstance(param, DTensor):
        return value
    # every rank holds the same full value: cut the local shard, no communication
    return distribute_tensor(value, param.device_mesh, param.placements, src_data_rank=None)


def add_full(param: torch.Tensor, value: torch.Tensor) -> None:
    param.add_(_shard_like(param, value.to(param.dtype)))


def assign_full(param: torch.Tensor, value: torch.Tensor) -> None:
    param.copy_(_shard_like(param, value.to(param.dtype)))


def delta_weight(layer: LoraLayer, adapter: str) -> torch.Tensor:
    """peft's ``get_delta_weight`` formula on the gathered factors (full ΔW, fp32)."""
    if adapter in layer.lora_A:
        a = full(layer.lora_A[adapter].weight).float()
        b = full(layer.lora_B[adapter].weight).float()
        return transpose(b @ a, layer.fan_in_fan_out) * layer.scaling[adapter]
    a = full(layer.lora_embedding_A[adapter]).float()
    b = full(layer.lora_embedding_B[adapter]).float()
    return transpose(b @ a, True) * layer.scaling[adapter]


def reinit(layer: LoraLayer, adapter: str) -> None:
    """peft's default initialisation, drawn in full (same on every rank) then sharded."""
    if adapter in layer.lora_A:
        a = layer.lora_A[adapter].weight
        new_a = torch.empty(a.shape, dtype=torch.float32)
        nn.init.kaiming_uniform_(new_a, a=math.sqrt(5))
        assign_full(a, new_a)
        layer.lora_B[adapter].weight.zero_()
        if layer.lora_bias.get(adapter, False):
            layer.lora_B[adapter].bias.zero_()
    else:
        layer.lora_embedding_A[adapter].zero_()
        b = layer.lora_embedding_B[adapter]
        assign_full(b, torch.randn(b.shape))
