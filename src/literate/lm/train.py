"""Train a causal LM with ``transformers.Trainer``: from scratch on a preset, or from a base.

Everything a run needs is in ``LMTrainConfig``. The run directory holds the final model and
tokenizer (``save_pretrained`` layout) plus ``trainer/checkpoint-N`` folders, so
``resume=True`` continues an interrupted run from its last checkpoint: same data order,
optimizer, scheduler and RNG state, hence the same final weights.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from transformers import (
    AutoModelForCausalLM,
    LlamaForCausalLM,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
    TrainerCallback,
    TrainingArguments,
    set_seed,
)
from transformers.trainer_utils import get_last_checkpoint

from literate.clock import TrainingClock
from literate.data.corpora import Document, load_corpus
from literate.data.splits import split_documents
from literate.data.tokenizer import load_tokenizer, train_tokenizer
from literate.errors import BadValueError, CheckpointError
from literate.io import write_json_atomic
from literate.lm.config import llama_config
from literate.lm.data import BlockDataset, token_stream
from literate.sentinel.config import SentinelConfig

METHODS = ("full", "lora", "plora")


@dataclass
class LMTrainConfig:
    out: str
    corpus: str = "readmes"
    preset: str = "small"
    base: str | None = None  # model dir to start from; None = from scratch
    tokenizer: str | None = None  # tokenizer dir; None = the base's, or train one
    tokenizer_corpora: tuple[str, ...] = ("readmes", "shakespeare")
    vocab_size: int = 8192
    method: str = "full"
    lora_rank: int = 8
    # PeriodicLoRA (method "plora"): see literate.plora.PeriodicLoRAConfig
    period: int = 100
    momentum: float = 0.0
    optimizer_state: str = "reset"
    prune_ratio: float = 0.99
    rewarm_steps: int = 0
    keep_best: bool = True  # load the best validation checkpoint at the end (not with plora)
    sentinel: SentinelConfig | None = None  # train with <SR> sentinel tokens
    block_size: int = 256
    batch_size: int = 16
    grad_accum: int = 1
    lr: float = 1e-3
    weight_decay: float = 0.1
    warmup_steps: int = 100
    max_steps: int = 1000
    eval_steps: int = 200
    save_steps: int = 200
    eval_blocks: int = 128  # validation blocks per evaluation (evenly spaced); 0 = all
    seed: int = 0
    resume: bool = False
    threads: int | None = None

    def plora_config(self):
        from literate.plora import PeriodicLoRAConfig

        return PeriodicLoRAConfig(
            period=self.period,
            momentum=self.momentum,
            optimizer_state=self.optimizer_state,
            prune_ratio=self.prune_ratio,
            rewarm_steps=self.rewarm_steps,
            seed=self.seed,
        )

    def validate(self) -> None:
        positive = (
            "block_size",
            "batch_size",
            "grad_accum",
            "max_steps",
            "eval_steps",
            "save_steps",
        )
        for name in positive:
            if getattr(self, name) < 1:
                raise BadValueError(
                    f"--{name.replace('_', '-')} must be ≥ 1, got {getattr(self, name)}"
                )
        if self.block_size < 2:
            raise BadValueError(f"--block-size must be ≥ 2, got {self.block_size}")
        if self.method not in METHODS:
            raise BadValueError(f"unknown method {self.method!r}: use one of {', '.join(METHODS)}")
        if not self.lr > 0:
            raise BadValueError(f"--lr must be > 0, got {self.lr}")
        if self.lora_rank < 1:
            raise BadValueError(f"--rank must be ≥ 1, got {self.lora_rank}")
        if self.method == "plora":
            self.plora_config()  # raises on a bad period, momentum, ...


class PerplexityTrainer(Trainer):
    """A Trainer whose evaluation logs also carry perplexity = exp(loss per token)."""

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        if "eval_loss" in logs:
            logs["eval_perplexity"] = math.exp(min(logs["eval_loss"], 50.0))
        super().log(logs, start_time)


def _set_threads(n: int | None) -> None:
    if n:
        torch.set_num_threads(n)


def prepare_tokenizer(cfg: LMTrainConfig, out: Path) -> PreTrainedTokenizerBase:
    """The run's tokenizer: the one saved in ``out`` (resume), the given one, the base's,
    or a new one trained on the train splits of ``tokenizer_corpora``."""
    if (out / "tokenizer.json").is_file():
        return load_tokenizer(out)
    source = cfg.tokenizer or cfg.base
    if source:
        tok = load_tokenizer(source)
    else:
        texts = [
            d.text
            for name in cfg.tokenizer_corpora
            for d in split_documents(load_corpus(name), seed=cfg.seed)["train"]
        ]
        tok = train_tokenizer(texts, vocab_size=cfg.vocab_size)
    tok.save_pretrained(str(out))
    return tok


def build_model(cfg: LMTrainConfig, tok: PreTrainedTokenizerBase) -> PreTrainedModel:
    set_seed(cfg.seed)
    if cfg.base:
        model = load_model(cfg.base)
    else:
        model = LlamaForCausalLM(llama_config(cfg.preset, vocab_size=len(tok)))
    if len(tok) > model.get_input_embeddings().weight.shape[0]:
        model.resize_token_embeddings(len(tok))
    if cfg.method in ("lora", "plora"):
        from peft import LoraConfig, get_peft_model

        lora = LoraConfig(
            r=cfg.lora_rank,
            lora_alpha=2 * cfg.lora_rank,
            target_modules="all-linear",
            lora_dropout=0.0,
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(model, lora)
    return model


def load_model(path: str | Path) -> PreTrainedModel:
    """A causal LM from a local directory or hub id, as a clear error if it cannot be read."""
    p = Path(path)
    if p.exists() and not (p / "config.json").is_file():
        raise CheckpointError(f"no config.json in {p}: not a model directory")
    try:
        return AutoModelForCausalLM.from_pretrained(str(path), dtype=torch.float32)
    except (OSError, ValueError, RuntimeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else e.__class__.__name__
        raise CheckpointError(f"cannot load model {path}: {first}") from e


def datasets(
    cfg: LMTrainConfig, splits: dict[str, list[Document]], tok: PreTrainedTokenizerBase
) -> tuple[torch.utils.data.Dataset, torch.utils.data.Dataset]:
    if cfg.sentinel is not None:
        from literate.sentinel.data import sentinel_blocks

        train = sentinel_blocks(splits["train"], tok, cfg.sentinel, cfg.block_size)
        val = sentinel_blocks(
            splits["validation"] or splits["test"], tok, cfg.sentinel, cfg.block_size
        )
        if cfg.eval_blocks and len(val) > cfg.eval_blocks:
            val = [val[i] for i in torch.linspace(0, len(val) - 1, cfg.eval_blocks).long().tolist()]
        return train, val
    train = BlockDataset(token_stream(splits["train"], tok), cfg.block_size)
    val_docs = splits["validation"] or splits["test"]
    val: torch.utils.data.Dataset = BlockDataset(token_stream(val_docs, tok), cfg.block_size)
    if cfg.eval_blocks and len(val) > cfg.eval_blocks:
        idx = torch.linspace(0, len(val) - 1, cfg.eval_blocks).long().tolist()
        val = torch.utils.data.Subset(val, idx)
    return train, val


def training_args(cfg: LMTrainConfig, out: Path) -> TrainingArguments:
    return TrainingArguments(
        output_dir=str(out / "trainer"),
        max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum,
        learning_rate=cfg.lr,
        weight_decay=cfg.weight_decay,
        lr_scheduler_type="cosine",
        warmup_steps=cfg.warmup_steps,
        max_grad_norm=1.0,
        eval_strategy="steps",
        eval_on_start=True,  # the curve starts at the untrained (or base) model
        eval_steps=cfg.eval_steps,
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=2,
        # small corpora overfit: keep the best validation step. Not with PeriodicLoRA: its
        # checkpoints' adapters belong to the base weights of their own time.
        load_best_model_at_end=cfg.keep_best and cfg.method != "plora",
        metric_for_best_model="eval_loss",
        logging_steps=max(1, min(50, cfg.eval_steps)),
        seed=cfg.seed,
        data_seed=cfg.seed,
        report_to="none",
        dataloader_num_workers=0,
        use_cpu=not torch.cuda.is_available(),
        disable_tqdm=False,
        remove_unused_columns=False,  # sentinel examples carry chunk_lengths for the collator
    )


def train_lm(cfg: LMTrainConfig, callbacks: list[TrainerCallback] | None = None) -> dict:
    """Train, save the final model to ``cfg.out`` and return a summary (also saved as JSON)."""
    cfg.validate()
    _set_threads(cfg.threads)
    splits = split_documents(load_corpus(cfg.corpus), seed=cfg.seed)  # fail fast on bad input
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    tok = prepare_tokenizer(cfg, out)
    train, val = datasets(cfg, splits, tok)
    model = build_model(cfg, tok)
    collator = None
    if cfg.sentinel is not None:
        from literate.sentinel import SentinelCollator, check_mask_support, ensure_sr_token

        sr_id = ensure_sr_token(model, tok, cfg.sentinel.sr_token)
        check_mask_support(model)
        collator = SentinelCollator(sr_id, cfg.sentinel, pad_id=tok.pad_token_id or 0)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    args = training_args(cfg, out)
    clock = TrainingClock()
    callbacks = [*(callbacks or []), clock]
    plora = None
    if cfg.method == "plora":
        from literate.plora import PeriodicLoRACallback

        plora = PeriodicLoRACallback(cfg.plora_config())
        callbacks.append(plora)
    resume_from = None
    if cfg.resume and Path(args.output_dir).is_dir():
        resume_from = get_last_checkpoint(args.output_dir)
    trainer = PerplexityTrainer(
        model=model,
        args=args,
        train_dataset=train,
        eval_dataset=val,
        data_collator=collator,
        callbacks=callbacks,
    )
    result = trainer.train(resume_from_checkpoint=resume_from)
    evals = [h for h in trainer.state.log_history if "eval_loss" in h]
    if args.load_best_model_at_end and trainer.state.best_metric is not None:
        final_loss = trainer.state.best_metric  # the loaded best checkpoint's loss
    elif evals and evals[-1]["step"] == trainer.state.global_step:
        final_loss = evals[-1]["eval_loss"]  # already measured at the last step
    else:
        final_loss = trainer.evaluate()["eval_loss"]
        evals = [h for h in trainer.state.log_history if "eval_loss" in h]
    final = trainer.model.merge_and_unload() if cfg.method != "full" else trainer.model
    save_model(final, tok, out)
    if cfg.sentinel is not None:  # how the model was trained: evaluation reads it back
        write_json_atomic(out / "sentinel_config.json", asdict(cfg.sentinel))
    steps_run = trainer.state.global_step - (
        int(Path(resume_from).name.split("-")[-1]) if resume_from else 0
    )
    summary = {
        "config": asdict(cfg),
        "global_step": trainer.state.global_step,
        "train_loss": result.training_loss,
        "eval_loss": final_loss,
        "eval_perplexity": math.exp(min(final_loss, 50.0)),
        "train_tokens": len(train) * cfg.block_size,  # original tokens (no <SR>)
        "seconds": clock.seconds,  # all runs' (resumes), not only this one's
        "seconds_this_run": clock.this_run,
        "tokens_per_s": steps_run
        * cfg.batch_size
        * cfg.grad_accum
        * cfg.block_size
        / clock.this_run,
        "parameters": sum(p.numel() for p in final.parameters()),
        "resumed_from": Path(resume_from).name if resume_from else None,
        "trainable_params": trainable,
        "unloads": _plora_history(trainer, plora),
        "eval_curve": [{"step": h["step"], "eval_loss": h["eval_loss"]} for h in evals],
    }
    write_json_atomic(out / "train_summary.json", summary)
    return summary


def _plora_history(trainer: Trainer, plora) -> list[dict] | None:
    """Unloads of this run (the Trainer may have re-created the callback on resume)."""
    if plora is None:
        return None
    from literate.plora import PeriodicLoRACallback

    live = [c for c in trainer.callback_handler.callbacks if isinstance(c, PeriodicLoRACallback)]
    return live[0].history if live else plora.history


def save_model(model: PreTrainedModel, tok: PreTrainedTokenizerBase, out: Path) -> None:
    """Save model + tokenizer into ``out`` atomically: write a sibling folder, then swap
    files in with renames, so a crash never leaves a half-written model behind."""
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp), safe_serialization=True)
    tok.save_pretrained(str(tmp))
    for f in tmp.iterdir():
        os.replace(f, out / f.name)
    tmp.rmdir()
