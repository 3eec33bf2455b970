import pytest
import torch
from helpers import CaptureLogits, Interrupt
from safetensors.torch import load_file

from literate.errors import BadValueError
from literate.lm.train import LMTrainConfig, load_model, train_lm
from literate.plora import PeriodicLoRA, PeriodicLoRAConfig
from literate.plora.callback import scaled_lr
from literate.plora.optim import reset_optimizer_state, rewarm_factor


@pytest.fixture
def plora_cfg(tmp_path, corpus_dir, nano_tokenizer):
    tok_dir = tmp_path / "tok"
    nano_tokenizer.save_pretrained(str(tok_dir))
    base_dir = tmp_path / "base"
    train_lm(  # a tiny "base model" to adapt
        LMTrainConfig(
            out=str(base_dir),
            corpus=str(corpus_dir),
            preset="nano",
            tokenizer=str(tok_dir),
            block_size=32,
            batch_size=4,
            max_steps=4,
            eval_steps=4,
            save_steps=4,
            eval_blocks=4,
        )
    )

    def make(out: str, **kw) -> LMTrainConfig:
        base = dict(
            out=str(tmp_path / out),
            corpus=str(corpus_dir),
            base=str(base_dir),
            method="plora",
            lora_rank=2,
            period=5,
            block_size=32,
            batch_size=4,
            lr=5e-3,
            warmup_steps=1,
            max_steps=12,
            eval_steps=4,
            save_steps=4,
            eval_blocks=4,
            seed=5,
            rewarm_steps=2,
        )
        base.update(kw)
        return LMTrainConfig(**base)

    return make


def test_trainer_unloads_at_every_stage_end(plora_cfg):
    x = torch.randint(4, 512, (2, 16), generator=torch.Generator().manual_seed(0))
    adapted = CaptureLogits({"input_ids": x})
    summary = train_lm(plora_cfg("run"), callbacks=[adapted])
    # the saved model (base weights with two unloads in them, plus the adapter of steps
    # 11-12 merged) computes what the adapted model computed at the end of training
    model = load_model(summary["config"]["out"]).eval()
    assert not any("lora" in n for n, _ in model.named_parameters())
    with torch.no_grad():
        assert (model(input_ids=x).logits - adapted.logits).abs().max() <= 1e-5
    assert (adapted.logits - adapted.base_logits).abs().max() > 1e-4  # steps 11-12 did work
    assert [u["step"] for u in summary["unloads"]] == [5, 10]
    assert [u["stage"] for u in summary["unloads"]] == [1, 2]
    assert all(u["layers"] > 0 and u["delta_norm"] > 0 for u in summary["unloads"])
    assert summary["trainable_params"] < summary["parameters"] / 5


def test_resume_mid_stage_continues_the_stage(plora_cfg):
    straight = train_lm(plora_cfg("straight"))
    with pytest.raises(KeyboardInterrupt):
        train_lm(plora_cfg("broken"), callbacks=[Interrupt(at=10)])
    resumed = train_lm(plora_cfg("broken", resume=True))
    assert resumed["resumed_from"] == "checkpoint-8"  # mid stage 1: one unload behind it
    assert [u["step"] for u in resumed["unloads"]] == [10]  # the stage goes on to step 10
    a = load_file(f"{straight['config']['out']}/model.safetensors")
    b = load_file(f"{resumed['config']['out']}/model.safetensors")
    assert max((a[k] - b[k]).abs().max().item() for k in a) <= 1e-5


def test_optimizer_state_reset_prune_keep():
    p = torch.nn.Parameter(torch.randn(100))
    opt = torch.optim.AdamW([p], lr=0.1)
    p.grad = torch.randn(100)
    opt.step()
    m = opt.state[p]["exp_avg"].clone()
    assert reset_optimizer_state(opt, [p], "keep") == 0 and torch.equal(opt.state[p]["exp_avg"], m)
    reset_optimizer_state(opt, [p], "prune", prune_ratio=0.9)
    kept = opt.state[p]["exp_avg"]
    assert (kept != 0).sum() == 10
    assert torch.equal(kept[kept != 0], m[kept != 0])  # the largest survive unchanged
    assert (kept.abs() > 0).nonzero().numel() == 10
    assert opt.state[p]["exp_avg"].abs().max() == m.abs().max()
    reset_optimizer_state(opt, [p], "reset")
    assert p not in opt.state or not opt.state[p]


def test_rewarm_schedule_and_scaled_lr():
    assert [rewarm_factor(k, 4) for k in (1, 2, 4, 9)] == [0.25, 0.5, 1.0, 1.0]
    assert rewarm_factor(1, 0) == 1.0
    plora = PeriodicLoRA(PeriodicLoRAConfig(period=10, rewarm_steps=4))
    assert plora.lr_factor(5) == 1.0  # first stage: the scheduler's own warm-up
    assert [plora.lr_factor(s) for s in (10, 11, 13, 14)] == [0.25, 0.5, 1.0, 1.0]
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.2)
    with scaled_lr(opt, 0.5):
        assert opt.param_groups[0]["lr"] == pytest.approx(0.1)
    assert opt.param_groups[0]["lr"] == 0.2


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"period": 0}, "period"),
        ({"momentum": 1.0}, "momentum"),
        ({"momentum": -0.5}, "momentum"),
        ({"optimizer_state": "drop"}, "optimizer state"),
        ({"prune_ratio": 1.0}, "prune ratio"),
        ({"rewarm_steps": -1}, "rewarm"),
    ],
)
def test_bad_plora_config(kw, message):
    with pytest.raises(BadValueError, match=message):
        PeriodicLoRAConfig(**kw)
