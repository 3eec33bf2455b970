"""The controlled test no tuning can fake: fit a fixed rank-16 update with rank-2 adapters.

LoRA r = 2 cannot go below the best rank-2 approximation error (Eckart–Young), whatever the
optimizer does. PeriodicLoRA r = 2 unloads every stage and starts on the residual, so with
enough stages it must go well below that floor. Margin: PLoRA's error ≤ 0.5 × LoRA's floor.
"""

import math

import torch
from peft import LoraConfig, get_peft_model
from torch import nn

from literate.plora import PeriodicLoRA, PeriodicLoRAConfig
from literate.plora.analysis import accumulated_updates, effective_rank, snapshot_base
from literate.plora.callback import scaled_lr

D, TRUE_RANK, R = 48, 16, 2
STEPS, PERIOD, LR = 2400, 120, 2e-2


def problem():
    g = torch.Generator().manual_seed(0)
    w0 = torch.randn(D, D, generator=g) / math.sqrt(D)
    target_delta = (
        torch.randn(D, TRUE_RANK, generator=g) @ torch.randn(TRUE_RANK, D, generator=g) / D
    )
    return w0, target_delta


def fit(periodic: bool):
    torch.manual_seed(1)
    w0, target_delta = problem()
    layer = nn.Sequential(nn.Linear(D, D, bias=False))
    with torch.no_grad():
        layer[0].weight.copy_(w0)
    model = get_peft_model(layer, LoraConfig(r=R, lora_alpha=R, target_modules=["0"]))
    start = snapshot_base(model)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=LR)
    plora = PeriodicLoRA(PeriodicLoRAConfig(period=PERIOD, rewarm_steps=10)) if periodic else None
    eye, target = torch.eye(D), (w0 + target_delta).T  # model(I) = Wᵀ
    for step in range(STEPS):
        loss = (model(eye) - target).pow(2).sum()
        opt.zero_grad()
        loss.backward()
        with scaled_lr(opt, plora.lr_factor(step) if plora else 1.0):
            opt.step()
        if plora:
            plora.after_step(model, opt, step + 1)
    (delta,) = accumulated_updates(model, start).values()
    return float((delta - target_delta).norm()), delta, target_delta


def test_plora_breaks_the_low_rank_floor():
    lora_err, lora_delta, target_delta = fit(periodic=False)
    plora_err, plora_delta, _ = fit(periodic=True)
    sv = torch.linalg.svdvals(target_delta)
    floor = float(sv[R:].pow(2).sum().sqrt())  # best possible rank-2 error
    assert lora_err >= floor * (1 - 1e-3)
    assert torch.linalg.matrix_rank(lora_delta, rtol=1e-4) <= R
    assert plora_err <= 0.5 * floor, (plora_err, floor)
    assert torch.linalg.matrix_rank(plora_delta, rtol=1e-4) > R
    assert effective_rank(torch.linalg.svdvals(plora_delta)) > R
