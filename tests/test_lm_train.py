import math

import pytest
import torch
from helpers import CaptureLogits, Interrupt
from safetensors.torch import load_file

from literate.errors import BadValueError, CheckpointError
from literate.lm.config import PRESETS, llama_config
from literate.lm.train import LMTrainConfig, load_model, train_lm


def n_params(preset: str) -> int:
    from transformers import LlamaForCausalLM

    cfg = llama_config(preset)
    return sum(p.numel() for p in LlamaForCausalLM(cfg).parameters())


def test_presets_have_the_documented_sizes():
    assert 0.1e6 <= n_params("nano") <= 0.3e6
    assert 5e6 <= n_params("small") <= 15e6
    assert set(PRESETS) == {"nano", "small"}


@pytest.fixture
def nano_cfg(tmp_path, corpus_dir, nano_tokenizer):
    tok_dir = tmp_path / "tok"
    nano_tokenizer.save_pretrained(str(tok_dir))

    def make(out: str, **kw) -> LMTrainConfig:
        base = dict(
            out=str(tmp_path / out),
            corpus=str(corpus_dir),
            preset="nano",
            tokenizer=str(tok_dir),
            block_size=64,
            batch_size=4,
            lr=3e-3,
            warmup_steps=2,
            max_steps=12,
            eval_steps=4,
            save_steps=4,
            eval_blocks=8,
            seed=3,
        )
        base.update(kw)
        return LMTrainConfig(**base)

    return make


def test_nano_training_lowers_the_loss(nano_cfg):
    summary = train_lm(nano_cfg("run", max_steps=40, eval_steps=20, save_steps=20))
    curve = [c["eval_loss"] for c in summary["eval_curve"]]
    assert curve[0] == pytest.approx(math.log(512), abs=0.3)  # untrained: ~uniform
    assert summary["eval_loss"] < curve[0] - 0.7
    assert summary["global_step"] == 40
    model = load_model(summary["config"]["out"])
    assert model.config.vocab_size == 512


def test_resume_after_interruption_reaches_the_same_weights(nano_cfg):
    straight = train_lm(nano_cfg("straight"))
    with pytest.raises(KeyboardInterrupt):
        train_lm(nano_cfg("broken"), callbacks=[Interrupt(at=7)])
    resumed = train_lm(nano_cfg("broken", resume=True))
    assert resumed["resumed_from"] == "checkpoint-4"
    assert resumed["global_step"] == straight["global_step"] == 12
    assert resumed["seconds"] > resumed["seconds_this_run"]  # steps 1-4 ran before the resume
    a = load_file(f"{straight['config']['out']}/model.safetensors")
    b = load_file(f"{resumed['config']['out']}/model.safetensors")
    assert a.keys() == b.keys()
    diff = max((a[k] - b[k]).abs().max().item() for k in a)
    assert diff <= 1e-5


def test_lora_method_saves_a_merged_model_that_computes_the_adapted_one(nano_cfg):
    x = torch.randint(4, 512, (2, 16), generator=torch.Generator().manual_seed(0))
    adapted = CaptureLogits({"input_ids": x})
    summary = train_lm(nano_cfg("lora", method="lora", lora_rank=2, max_steps=4), [adapted])
    model = load_model(summary["config"]["out"]).eval()
    assert not any("lora" in n for n, _ in model.named_parameters())
    with torch.no_grad():
        merged = model(input_ids=x).logits
    assert (merged - adapted.logits).abs().max() <= 1e-5
    assert (adapted.logits - adapted.base_logits).abs().max() > 1e-3  # the adapters did work


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("max_steps", 0, "--max-steps"),
        ("block_size", 1, "--block-size"),
        ("method", "bogus", "--method bogus: choose one of"),
        ("lr", 0.0, "--lr"),
    ],
)
def test_bad_training_values(nano_cfg, field, value, message):
    with pytest.raises(BadValueError, match=message):
        train_lm(nano_cfg("bad", **{field: value}))


def test_unreadable_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="no config.json"):
        load_model(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "llama"}')
    with pytest.raises(CheckpointError, match="cannot load model"):
        load_model(tmp_path)


def test_a_corpus_of_one_file_trains(nano_cfg, tmp_path, plays):
    """A user's single book: split by position (its tail held out), not by document."""
    (tmp_path / "notes.txt").write_text(plays[0].text[:20_000])
    summary = train_lm(nano_cfg("one", corpus=str(tmp_path / "notes.txt"), max_steps=4))
    assert summary["global_step"] == 4 and math.isfinite(summary["eval_loss"])
    assert (tmp_path / "one" / "model.safetensors").is_file()


def test_a_corpus_too_short_for_a_block_fails_in_one_line_and_leaves_nothing(nano_cfg, tmp_path):
    (tmp_path / "short.txt").write_text("Too short to train on.\n" * 10)
    with pytest.raises(BadValueError, match=r"split has \d+ tokens, fewer than one block"):
        train_lm(nano_cfg("short", corpus=str(tmp_path / "short.txt")))
    assert not (tmp_path / "short").exists()  # no tokenizer.json, no run_config.json


def test_continued_training_on_longer_blocks_grows_the_context_and_resumes_exactly(nano_cfg):
    """The long-context recipe (a base trained on short blocks, continued on blocks beyond
    its max_position_embeddings): the saved config says the new length, and an interrupted
    and resumed run ends at the uninterrupted run's weights."""
    base = train_lm(nano_cfg("base", max_steps=4))["config"]["out"]
    assert load_model(base).config.max_position_embeddings == 512
    long = dict(base=base, tokenizer=None, block_size=640, batch_size=2, max_steps=8)
    straight = train_lm(nano_cfg("long", **long))
    with pytest.raises(KeyboardInterrupt):
        train_lm(nano_cfg("long-broken", **long), callbacks=[Interrupt(at=6)])
    resumed = train_lm(nano_cfg("long-broken", resume=True, **long))
    assert resumed["resumed_from"] == "checkpoint-4"
    assert load_model(straight["config"]["out"]).config.max_position_embeddings == 640
    a = load_file(f"{straight['config']['out']}/model.safetensors")
    b = load_file(f"{resumed['config']['out']}/model.safetensors")
    assert max((a[k] - b[k]).abs().max().item() for k in a) <= 1e-5
