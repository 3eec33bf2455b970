from pathlib import Path

import pytest
import torch
from peft import LoraConfig, get_peft_model
from torch import nn

from literate.lm.plora_bench import add_learning_ability, best_per_config
from literate.plora import unload_lora
from literate.plora.analysis import (
    accumulated_updates,
    effective_rank,
    entropy_rank,
    plot_spectra,
    rank_report,
    snapshot_base,
)


def test_effective_rank_counts_the_directions_holding_90_percent():
    assert effective_rank(torch.tensor([1.0, 0.0, 0.0])) == 1
    assert effective_rank(torch.tensor([1.0, 1.0, 1.0, 1.0])) == 4
    assert effective_rank(torch.tensor([3.0, 1.0, 0.1])) == 2  # 9 / 10.01 < 0.9
    assert effective_rank(torch.tensor([3.0, 1.0, 0.1]), energy=0.85) == 1
    assert effective_rank(torch.zeros(3)) == 0
    assert entropy_rank(torch.tensor([1.0, 1.0, 1.0, 1.0])) == pytest.approx(4.0)
    assert entropy_rank(torch.tensor([1.0, 0.0])) == pytest.approx(1.0)


def test_accumulated_update_includes_unloaded_and_live_parts(tmp_path):
    torch.manual_seed(0)
    model = get_peft_model(nn.Sequential(nn.Linear(8, 8)), LoraConfig(r=2, target_modules=["0"]))
    start = snapshot_base(model)
    layer = model.base_model.model[0]
    for stage in range(3):  # three stages of random rank-2 updates
        with torch.no_grad():
            layer.lora_B["default"].weight.normal_()
        unload_lora(model, seed=stage)  # a new seed per stage, as the callback does
    with torch.no_grad():
        layer.lora_B["default"].weight.normal_()
    (delta,) = accumulated_updates(model, start).values()
    x = torch.randn(4, 8)
    bias = layer.get_base_layer().bias
    with torch.no_grad():
        (w_start,) = start.values()
        base_out = x @ w_start.T + bias
        assert torch.allclose(model(x), base_out + x @ delta.T, atol=1e-5)
    (row,) = rank_report({"0": delta})
    assert row["effective_rank"] > 2 and len(row["singular_values"]) == 8
    plot_spectra({"plora": row["singular_values"]}, tmp_path / "s.png")
    assert (tmp_path / "s.png").stat().st_size > 1000


def test_best_learning_rate_and_learning_ability():
    rows = [
        {
            "method": "lora",
            "rank": 2,
            "period": None,
            "momentum": None,
            "val_loss": 5.0,
            "eval_loss": 5.0,
            "lr": 1,
        },
        {
            "method": "lora",
            "rank": 2,
            "period": None,
            "momentum": None,
            "val_loss": 4.0,
            "eval_loss": 4.1,
            "lr": 2,
        },
        {
            "method": "plora",
            "rank": 2,
            "period": 5,
            "momentum": 0.0,
            "val_loss": 3.0,
            "eval_loss": 3.1,
            "lr": 1,
        },
        {
            "method": "full",
            "rank": None,
            "period": None,
            "momentum": None,
            "val_loss": 2.0,
            "eval_loss": 2.0,
            "lr": 1,
        },
    ]
    best = best_per_config(rows)
    assert [r["lr"] for r in best] == [2, 1, 1]
    for r in best:
        r["learning_ability"] = None
    add_learning_ability(best, l_base=7.1)
    la = {r["method"]: r["learning_ability"] for r in best}
    assert la["lora"] == pytest.approx(1.0)
    assert la["plora"] == pytest.approx((7.1 - 3.1) / (7.1 - 4.1))
    assert la["full"] is None


def test_the_long_sweep_runs_long_enough_and_resumes():
    from literate.lm.plora_bench import sweep

    specs, budget = sweep(quick=False, long=True)
    assert budget.steps >= 3000 and budget.checkpoints
    assert {s.rank for s in specs if s.method != "full"} == {2, 8}
    for rank in (2, 8):
        assert any(s.method == "lora" and s.rank == rank for s in specs)
        ploras = [s for s in specs if s.method == "plora" and s.rank == rank]
        assert len({s.period for s in ploras}) >= 2 and len({s.momentum for s in ploras}) >= 2
    assert any(s.method == "full" for s in specs)


def test_a_kept_row_resumes_the_long_sweep_from_a_fresh_clone(tmp_path):
    """The long sweep outlasts a sitting: a row kept beside the JSON is reused, no rerun."""
    import json

    from literate.lm.plora_bench import Budget, RunSpec, _run_in_process, sweep

    spec = RunSpec("lora", 2)
    kept = tmp_path / "plora_long_runs"
    kept.mkdir()
    (kept / f"{spec.name}.json").write_text(json.dumps({"method": "lora", "eval_loss": 5.5}))
    row = _run_in_process(spec, Budget(steps=3000), "no-such-base", tmp_path / "work", kept)
    assert row == {"method": "lora", "eval_loss": 5.5}
    specs, _ = sweep(quick=False, long=True)
    assert [s.method for s in specs[:4]] == ["lora", "plora", "lora", "plora"]


def test_the_sweep_report_says_which_runs_are_pending(tmp_path):
    """A sweep of hours writes its JSON after every run: the figures so far and what's left."""
    from literate.lm.plora_bench import Budget, RunSpec, report

    def row(method, rank, period, momentum, loss):
        return {
            "method": method,
            "rank": rank,
            "period": period,
            "momentum": momentum,
            "lr": 1e-3,
            "steps": 3000,
            "val_loss": loss,
            "eval_loss": loss,
            "learning_ability": None,
            "peak_rss_mb": 900.0,
            "eval_curve": [{"step": 0, "eval_loss": 7.0}, {"step": 3000, "eval_loss": loss}],
            "spectrum": [1.0, 0.5],
        }

    specs = [RunSpec("lora", 2), RunSpec("plora", 2, 750, 0.0), RunSpec("full")]
    done = [row("lora", 2, None, None, 5.5), row("plora", 2, 750, 0.0, 5.0)]
    out = tmp_path / "plora_long.json"
    part = report(done, ["full-lr0.001"], Budget(steps=3000), 7.0, specs, out)
    assert part["complete"] is False and part["pending"] == ["full-lr0.001"]
    la = {r["method"]: r["learning_ability"] for r in part["rows"]}
    assert la["plora"] == pytest.approx((7.0 - 5.0) / (7.0 - 5.5))
    assert all(r["steps"] == 3000 for r in part["all_runs"])
    assert all(Path(f).is_file() for f in part["figures"])
    assert report(done, [], Budget(steps=3000), 7.0, specs, out)["complete"] is True


def test_run_names_are_the_cache_keys_and_name_every_setting():
    """Finished rows are found by name: old names stay, and re-warm-up and optimizer-state
    handling (ReLoRA's recipe) make names of their own."""
    from literate.lm.plora_bench import RunSpec, sweep

    assert RunSpec("plora", 2, 750, 0.0).name == "plora-r2-p750-m0-lr0.001"
    assert RunSpec("plora", 8, 300, 0.0, 1e-3, 30, "prune").name == (
        "plora-r8-p300-m0-w30-prune-lr0.001"
    )
    specs, _ = sweep(quick=False, long=True)
    assert len({s.name for s in specs}) == len(specs)
    assert {s.rank for s in specs if s.optimizer_state == "prune" and s.rewarm} == {2, 8}


def test_a_recipe_of_its_own_is_a_configuration_of_its_own():
    """ReLoRA's recipe at period 300 and plain PLoRA at period 300 are two rows, not one."""
    from literate.lm.plora_bench import best_per_config

    plain = {"method": "plora", "rank": 2, "period": 300, "momentum": 0.0, "val_loss": 5.0}
    relora = {**plain, "rewarm": 30, "optimizer_state": "prune", "val_loss": 4.0}
    assert len(best_per_config([plain, relora])) == 2
    assert len(best_per_config([plain, {**plain, "val_loss": 4.5}])) == 1
