"""Train a causal LM with ``transformers.Trainer``: from scratch on a preset, or from a base.

Everything a run needs is in ``LMTrainConfig`` (``train_config.py``). The run directory holds
the final model and tokenizer (``save_pretrained`` layout) plus ``trainer/checkpoint-N``
folders, so ``resume=True`` continues an interrupted run from its last checkpoint: same data
order, optimizer, scheduler and RNG state, hence the same final weights. A text format beyond
plain blocks (``<SR>`` sentinels) comes in as a ``BlockFormat`` argument, wired by the CLI or
by ``literate.sentinel.training``, so this layer does not depend on it.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

import torch
from transformers import (
    AutoModelForCausalLM,
    LlamaForCausalLM,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
    TrainerCallback,
    set_seed,
)

from literate import training
from literate.clock import TrainingClock
from literate.data.corpora import TextDocument, load_corpus
from literate.data.splits import split_documents
from literate.data.tokenizer import load_tokenizer, train_tokenizer
from literate.errors import BadValueError, CheckpointError
from literate.io import write_json_atomic
from literate.lm.config import llama_config
from literate.lm.data import BlockDataset, token_stream
from literate.lm.train_config import LMTrainConfig

__all__ = ["BlockFormat", "LMTrainConfig", "load_model", "train_lm"]


class BlockFormat(Protocol):
    """How training blocks are built and batched for a format other than plain text."""

    name: str  # the key its settings take in the run's config and summary

    def settings(self) -> dict: ...

    def blocks(
        self, docs: list[TextDocument], tok: PreTrainedTokenizerBase, block_size: int
    ) -> list: ...

    def collator(self, model: PreTrainedModel, tok: PreTrainedTokenizerBase): ...


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
    or a new one trained on the train splits of ``tokenizer_corpora``. Not saved here: the
    run saves it once its data is known to make blocks."""
    if (out / "tokenizer.json").is_file():
        return load_tokenizer(out)
    source = cfg.tokenizer or cfg.base
    if source:
        return load_tokenizer(source)
    texts = [
        d.text
        for name in cfg.tokenizer_corpora
        for d in split_documents(load_corpus(name), seed=cfg.seed)["train"]
    ]
    return train_tokenizer(texts, vocab_size=cfg.vocab_size)


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


def build_model(cfg: LMTrainConfig, tok: PreTrainedTokenizerBase) -> PreTrainedModel:
    set_seed(cfg.seed)
    if cfg.base:
        model = load_model(cfg.base)
        # a base trained on shorter blocks now learns longer ones (RoPE has no table to grow)
        limit = getattr(model.config, "max_position_embeddings", None)
        if limit is not None and cfg.block_size > limit:
            model.config.max_position_embeddings = cfg.block_size
    else:
        preset = llama_config(cfg.preset, vocab_size=len(tok))
        preset.max_position_embeddings = max(preset.max_position_embeddings, cfg.block_size)
        model = LlamaForCausalLM(preset)
    if len(tok) > model.get_input_embeddings().weight.shape[0]:
        model.resize_token_embeddings(len(tok))
    return model


def datasets(
    cfg: LMTrainConfig,
    splits: dict[str, list[TextDocument]],
    tok: PreTrainedTokenizerBase,
    fmt: BlockFormat | None = None,
) -> tuple[torch.utils.data.Dataset, torch.utils.data.Dataset]:
    val_docs = splits["validation"] or splits["test"]
    for name, docs in (("train", splits["train"]), ("validation", val_docs)):
        if not docs:
            raise BadValueError(
                f"--corpus {cfg.corpus}: too little text to hold out a {name} split; give more text"
            )
    if fmt is not None:
        train = fmt.blocks(splits["train"], tok, cfg.block_size)
        val = fmt.blocks(val_docs, tok, cfg.block_size)
        for name, blocks, docs in (
            ("train", train, splits["train"]),
            ("validation", val, val_docs),
        ):
            if not len(blocks):
                _too_short(cfg, name, token_stream(docs, tok).numel())
        if cfg.eval_blocks and len(val) > cfg.eval_blocks:
            val = [val[i] for i in torch.linspace(0, len(val) - 1, cfg.eval_blocks).long().tolist()]
        return train, val
    streams = {
        "train": token_stream(splits["train"], tok),
        "validation": token_stream(val_docs, tok),
    }
    for name, ids in streams.items():
        if ids.numel() < cfg.block_size:
            _too_short(cfg, name, ids.numel())
    train = BlockDataset(streams["train"], cfg.block_size)
    val: torch.utils.data.Dataset = BlockDataset(streams["validation"], cfg.block_size)
    if cfg.eval_blocks and len(val) > cfg.eval_blocks:
        idx = torch.linspace(0, len(val) - 1, cfg.eval_blocks).long().tolist()
        val = torch.utils.data.Subset(val, idx)
    return train, val


def _too_short(cfg: LMTrainConfig, split: str, tokens: int) -> None:
    raise BadValueError(
        f"--corpus {cfg.corpus}: its {split} split has {tokens:,} tokens, fewer than one block "
        f"of {cfg.block_size}; give more text or a smaller --block-size"
    )


def run_config(cfg: LMTrainConfig, fmt: BlockFormat | None) -> dict:
    """The configuration a run records (and a resume must match)."""
    config = asdict(cfg)
    config["sentinel"] = fmt.settings() if fmt is not None and fmt.name == "sentinel" else None
    if fmt is not None and fmt.name != "sentinel":
        config[fmt.name] = fmt.settings()
    return config


def train_lm(
    cfg: LMTrainConfig,
    callbacks: list[TrainerCallback] | None = None,
    fmt: BlockFormat | None = None,
) -> dict:
    """Train, save the final model to ``cfg.out`` and return a summary (also saved as JSON).
    ``fmt`` builds the blocks and the collator of a format beyond plain text."""
    cfg.validate()
    _set_threads(cfg.threads)
    splits = split_documents(load_corpus(cfg.corpus), seed=cfg.seed)  # fail fast on bad input
    out = Path(cfg.out)
    config = run_config(cfg, fmt)
    with training.run_dir(out, config, cfg.resume, cfg.overwrite) as resume_from:
        tok = prepare_tokenizer(cfg, out)  # a failure here leaves nothing in ``out``
        train, val = datasets(cfg, splits, tok, fmt)
    if not (out / "tokenizer.json").is_file():
        tok.save_pretrained(str(out))
    model = build_model(cfg, tok)
    collator = fmt.collator(model, tok) if fmt is not None else None
    model, adapter_callbacks = training.attach_adapters(
        model, cfg.method, cfg.lora_rank, cfg.plora_config(cfg.seed), task_type="CAUSAL_LM"
    )
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    # small corpora overfit: keep the best validation step. Not with PeriodicLoRA: its
    # checkpoints' adapters belong to the base weights of their own time.
    keep_best = cfg.keep_best and cfg.method != "plora"
    args = training.training_arguments(out, training.Schedule.of(cfg, keep_best=keep_best))
    clock = TrainingClock()
    trainer = PerplexityTrainer(
        model=model,
        args=args,
        train_dataset=train,
        eval_dataset=val,
        data_collator=collator,
        callbacks=[*(callbacks or []), clock, *adapter_callbacks],
    )
    result = trainer.train(resume_from_checkpoint=resume_from)
    evals = training.eval_curve(trainer)
    if args.load_best_model_at_end and trainer.state.best_metric is not None:
        final_loss = trainer.state.best_metric  # the loaded best checkpoint's loss
    elif evals and evals[-1]["step"] == trainer.state.global_step:
        final_loss = evals[-1]["eval_loss"]  # already measured at the last step
    else:
        final_loss = trainer.evaluate()["eval_loss"]
        evals = training.eval_curve(trainer)
    final = training.final_model(trainer, cfg.method)
    training.save_pretrained_atomic(out, final, tok)
    if fmt is not None:  # how the model was trained: evaluation reads it back
        write_json_atomic(out / f"{fmt.name}_config.json", fmt.settings())
    summary = training.run_summary(config, trainer, result, clock, final, resume_from)
    steps = training.steps_run(trainer, resume_from)
    summary.update(
        {
            "eval_loss": final_loss,
            "eval_perplexity": math.exp(min(final_loss, 50.0)),
            "train_tokens": len(train) * cfg.block_size,  # original tokens (no <SR>)
            "tokens_per_s": steps
            * cfg.batch_size
            * cfg.grad_accum
            * cfg.block_size
            / clock.this_run,
            "trainable_params": trainable,
            "unloads": training.plora_history(trainer) if cfg.method == "plora" else None,
            "eval_curve": evals,
        }
    )
    write_json_atomic(out / "train_summary.json", summary)
    return summary
