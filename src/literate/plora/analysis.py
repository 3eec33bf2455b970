"""The accumulated update of a LoRA-trained model and its rank.

``W_now - W_start`` per LoRA-targeted layer, where ``W_now`` is the base weight plus the
adapter's current (not yet unloaded) delta: what the model has actually learned.

Effective rank, our definition: the smallest ``k`` whose top-``k`` singular values hold
``energy`` (default 90 %) of the update's squared Frobenius norm. A rank-``r`` LoRA update
has effective rank ≤ ``r``; PeriodicLoRA's can exceed it. We also report the entropy
effective rank of Roy & Vetterli (2007), ``exp(H(σ / Σσ))``, which needs no threshold.
"""

from __future__ import annotations

from pathlib import Path

import torch

from literate.plora.unload import lora_layers


@torch.no_grad()
def snapshot_base(model) -> dict[str, torch.Tensor]:
    """A copy of every LoRA layer's base weight: ``W_start``, taken before training."""
    return {
        n: layer.get_base_layer().weight.detach().float().clone() for n, layer in lora_layers(model)
    }


@torch.no_grad()
def accumulated_updates(model, start: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {}
    for name, layer in lora_layers(model):
        now = layer.get_base_layer().weight.detach().float().clone()
        for adapter in layer.active_adapters:
            if adapter in layer.lora_A or adapter in layer.lora_embedding_A:
                now += layer.get_delta_weight(adapter).float()
        out[name] = now - start[name]
    return out


def singular_values(delta: torch.Tensor) -> torch.Tensor:
    return torch.linalg.svdvals(delta.float())


def effective_rank(sv: torch.Tensor, energy: float = 0.9) -> int:
    """Smallest k with Σ_{i≤k} σ_i² ≥ energy · Σ σ_i² (0 for a zero update)."""
    power = sv.float().pow(2)
    total = power.sum()
    if total <= 0:
        return 0
    return int((power.cumsum(0) < energy * total).sum().item()) + 1


def entropy_rank(sv: torch.Tensor) -> float:
    """Roy & Vetterli's effective rank: exp of the entropy of the normalised spectrum."""
    s = sv.float()
    if s.sum() <= 0:
        return 0.0
    p = s / s.sum()
    p = p[p > 0]
    return float(torch.exp(-(p * p.log()).sum()))


def rank_report(deltas: dict[str, torch.Tensor], energy: float = 0.9) -> list[dict]:
    """Per update: norm, effective ranks and spectrum (e.g. of ``accumulated_updates``)."""
    rows = []
    for name, delta in deltas.items():
        sv = singular_values(delta)
        rows.append(
            {
                "layer": name,
                "shape": list(delta.shape),
                "frobenius": float(delta.norm()),
                "effective_rank": effective_rank(sv, energy),
                "entropy_rank": entropy_rank(sv),
                "singular_values": sv.tolist(),
            }
        )
    return rows


def plot_spectra(spectra: dict[str, list[float]], path: str | Path, title: str = "") -> None:
    """Normalised singular values (σ_i / σ_1) of one update per label, on a log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, (label, sv) in enumerate(spectra.items()):
        s = torch.tensor(sv)
        if s.numel() and s[0] > 0:
            ax.semilogy(
                range(1, len(s) + 1),
                (s / s[0]).clamp_min(1e-6).tolist(),
                label=label,
                color=plt.cm.tab20(i % 20),
            )
    ax.set_xlim(0, 64)  # low-rank updates live in the first few dozen directions
    ax.set_xlabel("singular value index")
    ax.set_ylabel("σ_i / σ_1")
    ax.set_title(title or "spectrum of the accumulated update")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
