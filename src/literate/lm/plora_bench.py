"""``literate bench plora``: full fine-tuning vs LoRA vs PeriodicLoRA on a domain shift.

Every method fine-tunes the bundled base LM (trained on package READMEs) on the Shakespeare
train split with the same steps, data order (seed) and learning-rate grid; the best rate by
validation loss is kept per method. Each run is its own process (so peak RSS is its own),
and finished runs are cached in the work folder, so an interrupted sweep resumes. The long
sweep also keeps each finished run's row beside its JSON (``<stem>_runs/``, a few kB each), so
a sweep longer than one sitting resumes from a fresh clone.

Learning ability = (L_base − L_method) / (L_base − L_LoRA of the same rank), on test loss.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from transformers import TrainerCallback

from literate.errors import LiterateError
from literate.io import command_of, write_json_atomic, write_result

LINEAR_KEYS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
SPECTRUM_LAYER = "model.layers.1.self_attn.q_proj.weight"


@dataclass(frozen=True)
class RunSpec:
    method: str
    rank: int | None = None
    period: int | None = None
    momentum: float | None = None
    lr: float = 1e-3
    rewarm: int = 0  # PLoRA: learning-rate re-warm-up steps after each unload (ReLoRA's)
    optimizer_state: str = "reset"  # PLoRA: the adapter's Adam state at an unload

    @property
    def name(self) -> str:
        parts = [self.method]
        if self.rank:
            parts.append(f"r{self.rank}")
        if self.method == "plora":
            parts += [f"p{self.period}", f"m{self.momentum:g}"]
            parts += [f"w{self.rewarm}"] if self.rewarm else []
            parts += [self.optimizer_state] if self.optimizer_state != "reset" else []
        return "-".join(parts) + f"-lr{self.lr:g}"


@dataclass(frozen=True)
class Budget:
    steps: int
    block: int = 128
    batch: int = 8
    eval_blocks: int = 64
    test_blocks: int = 200
    seed: int = 0
    threads: int = 2
    checkpoints: bool = False  # save every evaluation, so an interrupted run resumes


def sweep(quick: bool, long: bool = False) -> tuple[list[RunSpec], Budget]:
    """Full fine-tuning, LoRA per rank, and PeriodicLoRA per rank: the momenta at the middle
    period (four stages), and the periods (3, 4 and 10 stages) at momentum 0. ``long``
    (issue 22): 3,000 steps, long enough for LoRA to plateau, one learning rate, periods of
    2, 4 and 10 stages, each run resumable from its last checkpoint."""
    if long:
        budget = Budget(steps=3000, checkpoints=True)
        lrs, ranks, momenta, periods = (1e-3,), (2, 8), (0.0, 0.5), (300, 1500)
    elif quick:
        budget = Budget(steps=40, eval_blocks=16, test_blocks=32)
        lrs, ranks, momenta, periods = (3e-3,), (2,), (0.0, 0.5), (10,)
    else:
        budget = Budget(steps=300)
        lrs, ranks, momenta, periods = (1e-3, 3e-3), (2, 8), (0.0, 0.1, 0.5), (30, 75, 100)
    middle = budget.steps // 4
    specs = [RunSpec("full", lr=lr) for lr in lrs]
    for r in ranks:
        specs += [RunSpec("lora", r, lr=lr) for lr in lrs]
        specs += [RunSpec("plora", r, middle, m, lr) for m in momenta for lr in lrs]
        specs += [RunSpec("plora", r, p, 0.0, lr) for p in periods if p != middle for lr in lrs]
    if long:  # the comparisons first (LoRA and PLoRA at each rank), the reference and extras last
        first = [s for s in specs if s.method == "lora" or (s.period, s.momentum) == (middle, 0)]
        first += [s for s in specs if s.method == "full"]
        # then ReLoRA's recipe on ten stages: re-warm the learning rate, prune Adam's state
        first += [RunSpec("plora", r, 300, 0.0, lrs[0], 30, "prune") for r in ranks]
        specs = first + [s for s in specs if s not in first]
    return specs, budget


class StepTimer(TrainerCallback):
    """Seconds spent in training steps (forward, backward, optimizer), evaluation excluded."""

    def __init__(self):
        self.seconds, self._t, self.steps = 0.0, 0.0, 0

    def on_step_begin(self, args, state, control, **kwargs):
        self._t = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        self.seconds += time.perf_counter() - self._t
        self.steps += 1  # steps of this process (a resumed run times only its own)


def update_spectra(base_dir: str, tuned_dir: str) -> dict[str, torch.Tensor]:
    """Singular values of ``W_tuned − W_base`` for every decoder Linear weight."""
    from safetensors.torch import load_file

    base, tuned = (
        load_file(f"{base_dir}/model.safetensors"),
        load_file(f"{tuned_dir}/model.safetensors"),
    )
    return {
        k: torch.linalg.svdvals((tuned[k] - base[k]).float())
        for k in base
        if k.endswith(".weight") and any(f".{n}." in k for n in LINEAR_KEYS)
    }


def run_one(spec: RunSpec, budget: Budget, base_dir: str, out_dir: str) -> dict:
    """Train one configuration and measure it (called in a fresh process)."""
    from literate.lm.evaluate import perplexity
    from literate.lm.train import LMTrainConfig, train_lm
    from literate.plora.analysis import effective_rank

    steps = budget.steps
    every = max(1, steps // 6)
    resume = budget.checkpoints and any((Path(out_dir) / "trainer").glob("checkpoint-*"))
    cfg = LMTrainConfig(
        out=out_dir,
        corpus="shakespeare",
        base=base_dir,
        method=spec.method,
        lora_rank=spec.rank or 8,
        period=spec.period or steps,
        momentum=spec.momentum or 0.0,
        rewarm_steps=spec.rewarm,
        optimizer_state=spec.optimizer_state,
        block_size=budget.block,
        batch_size=budget.batch,
        lr=spec.lr,
        warmup_steps=max(1, steps // 10),
        max_steps=steps,
        eval_steps=every,
        # short runs: past the end, no mid-run checkpoint; long ones save at each evaluation
        save_steps=every if budget.checkpoints else every * 12,
        eval_blocks=budget.eval_blocks,
        seed=budget.seed,
        keep_best=False,
        threads=budget.threads,
        resume=resume,
        overwrite=not resume,  # else each spec gets a fresh run folder
    )
    timer = StepTimer()
    summary = train_lm(cfg, callbacks=[timer])
    test = perplexity(out_dir, "shakespeare", "test", budget.block, budget.test_blocks)
    spectra = update_spectra(base_dir, out_dir)
    ranks = [effective_rank(sv) for sv in spectra.values()]
    unload_s = sum(u["seconds"] for u in summary["unloads"] or [])
    return {
        **asdict(spec),
        "steps": summary["global_step"],
        "eval_loss": test.loss,
        "val_loss": summary["eval_loss"],
        "learning_ability": None,
        "effective_rank": round(sum(ranks) / len(ranks)),
        "effective_rank_mean": sum(ranks) / len(ranks),
        "trainable_params": summary["trainable_params"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "s_per_step": timer.seconds / max(1, timer.steps),
        "unload_seconds": unload_s,
        "unload_overhead": unload_s / timer.seconds if timer.seconds else 0.0,
        "eval_curve": summary["eval_curve"],
        "spectrum": spectra[SPECTRUM_LAYER].tolist(),
    }


def _run_in_process(spec: RunSpec, budget: Budget, base_dir: str, work: Path, rows: Path) -> dict:
    """One run in its own process (its checkpoints in ``work``); its row is cached in
    ``rows``, where a rerun finds it."""
    cached = rows / f"{spec.name}.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    payload = json.dumps(
        {
            "spec": asdict(spec),
            "budget": asdict(budget),
            "base": base_dir,
            "out": str(work / spec.name),
        }
    )
    proc = subprocess.run(
        [sys.executable, "-m", "literate.lm.plora_bench", payload], capture_output=True, text=True
    )
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise LiterateError(f"benchmark run {spec.name} failed: {tail}")
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    rows.mkdir(parents=True, exist_ok=True)
    write_json_atomic(cached, row)
    return row


def base_loss(base_dir: str, budget: Budget) -> float:
    from literate.lm.evaluate import perplexity

    return perplexity(base_dir, "shakespeare", "test", budget.block, budget.test_blocks).loss


def _recipe(r: dict) -> tuple[int, str]:
    """A row's re-warm-up steps and optimizer-state handling (rows of before they were
    swept have neither: no re-warm-up, reset)."""
    return r.get("rewarm", 0), r.get("optimizer_state", "reset")


def _label(r: dict) -> str:
    """``r8 p300 m0`` (``w30 prune`` added where a recipe differs from the default)."""
    rewarm, state = _recipe(r)
    extra = ([f"w{rewarm}"] if rewarm else []) + ([state] if state != "reset" else [])
    return " ".join([f"r{r['rank']}", f"p{r['period']}", f"m{r['momentum']:g}", *extra])


def best_per_config(rows: list[dict]) -> list[dict]:
    """The learning rate with the lowest validation loss, per configuration."""
    best: dict[tuple, dict] = {}
    for r in rows:
        key = (r["method"], r["rank"], r["period"], r["momentum"], *_recipe(r))
        if key not in best or r["val_loss"] < best[key]["val_loss"]:
            best[key] = r
    return list(best.values())


def add_learning_ability(rows: list[dict], l_base: float) -> None:
    lora = {r["rank"]: r["eval_loss"] for r in rows if r["method"] == "lora"}
    for r in rows:
        if r["method"] != "full" and r["rank"] in lora and l_base != lora[r["rank"]]:
            r["learning_ability"] = (l_base - r["eval_loss"]) / (l_base - lora[r["rank"]])


def plot(rows: list[dict], folder: Path, stem: str) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from literate.plora.analysis import plot_spectra

    def label(r):
        if r["method"] == "plora":
            return f"plora {_label(r)}"
        return " ".join([r["method"]] + ([f"r={r['rank']}"] if r["rank"] else []))

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for r in rows:
        curve = r["eval_curve"]
        ax.plot(
            [c["step"] for c in curve], [c["eval_loss"] for c in curve], marker=".", label=label(r)
        )
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("validation loss (nats/token)")
    ax.set_title("fine-tuning the README-trained base LM on Shakespeare")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    curves = folder / f"{stem}_curves.png"
    fig.savefig(curves, dpi=120)
    plt.close(fig)
    spectra = folder / f"{stem}_spectra.png"
    plot_spectra(
        {label(r): r["spectrum"] for r in rows},
        spectra,
        title=f"singular values of the update to {SPECTRUM_LAYER.removesuffix('.weight')}",
    )
    return [str(curves), str(spectra)]


def report(
    all_rows: list[dict],
    pending: list[str],
    budget: Budget,
    l_base: float,
    specs: list[RunSpec],
    out: Path,
) -> dict:
    """The JSON of the runs finished so far; ``pending`` names the runs still to come."""
    rows = best_per_config(all_rows)
    add_learning_ability(rows, l_base)
    lora_rss = {r["rank"]: r["peak_rss_mb"] for r in rows if r["method"] == "lora"}
    return {
        "budget": asdict(budget),
        "base_test_loss": l_base,
        "lr_grid": sorted({s.lr for s in specs}),
        "complete": not pending,
        "pending": pending,
        "rows": rows,
        "all_runs": [
            {k: v for k, v in r.items() if k not in ("spectrum", "eval_curve")} for r in all_rows
        ],
        "plora_rss_vs_lora": {
            _label(r): r["peak_rss_mb"] / lora_rss[r["rank"]]
            for r in rows
            if r["method"] == "plora" and r["rank"] in lora_rss
        },
        "figures": plot(rows, out.parent, out.stem),
    }


def run_bench(
    quick: bool, json_path: str, work: str | None = None, threads: int = 2, long: bool = False
) -> dict:
    from rich.console import Console
    from rich.progress import track
    from rich.table import Table

    from literate.paths import resolve_model

    specs, budget = sweep(quick, long)
    budget = Budget(**{**asdict(budget), "threads": threads})
    base_dir = resolve_model("bundled")
    suffix = "-long" if long else "-quick" if quick else ""
    work_dir = Path(work or f"runs/bench-plora{suffix}")
    work_dir.mkdir(parents=True, exist_ok=True)
    out = Path(json_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    # the long sweep outlasts a sitting: its rows live beside the JSON (tracked), not in runs/
    kept = out.parent / f"{out.stem}_runs" if long else work_dir
    l_base = base_loss(base_dir, budget)
    command = command_of("bench plora", quick=quick, long=long, json=json_path)
    all_rows: list[dict] = []
    for i, spec in enumerate(track(specs, "runs")):
        all_rows.append(_run_in_process(spec, budget, base_dir, work_dir, kept))
        # the JSON after every run: a sweep of hours shows its figures so far (``pending``)
        payload = report(all_rows, [s.name for s in specs[i + 1 :]], budget, l_base, specs, out)
        write_result(out, payload, command)
    rows, figures = payload["rows"], payload["figures"]
    table = Table(title=f"PeriodicLoRA sweep: base test loss {l_base:.4f}, {budget.steps} steps")
    cols = (
        "method",
        "rank",
        "period",
        "mom.",
        "re-warm, state",
        "lr",
        "test loss",
        "learn. ab.",
        "eff. rank",
        "trainable",
        "RSS MB",
        "s/step",
        "unload %",
    )
    for c in cols:
        table.add_column(c, justify="right")
    for r in rows:
        la = r["learning_ability"]
        table.add_row(
            r["method"],
            str(r["rank"] or "–"),
            str(r["period"] or "–"),
            "–" if r["momentum"] is None else f"{r['momentum']:g}",
            "{} {}".format(*_recipe(r)) if r["method"] == "plora" else "–",
            f"{r['lr']:g}",
            f"{r['eval_loss']:.4f}",
            "–" if la is None else f"{la:.2f}",
            str(r["effective_rank"]),
            f"{r['trainable_params']:,}",
            f"{r['peak_rss_mb']:,.0f}",
            f"{r['s_per_step']:.3f}",
            f"{100 * r['unload_overhead']:.2f}",
        )
    console = Console(width=160)
    console.print(table)
    console.print(f"JSON: {out}; figures: {', '.join(figures)}")
    return payload


def _worker(payload: str) -> None:
    args = json.loads(payload)
    spec, budget = RunSpec(**args["spec"]), Budget(**args["budget"])
    torch.set_num_threads(budget.threads)
    row = run_one(spec, budget, args["base"], args["out"])
    print(json.dumps(row))


if __name__ == "__main__":
    _worker(sys.argv[1])
