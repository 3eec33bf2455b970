"""``literate train reader``: Kosmos-2.5 fine-tuning (or training from scratch) through
``transformers.Trainer``, with ``--method full|lora|plora`` and ``--resume``.

Both tasks: the prompt is ``<ocr>`` or ``<md>``, the loss covers the answer only. Every
evaluation also logs the image-signal diagnostic (``literate.reader.signal``): the
held-out loss with each example's own image vs with another example's image, so a run in
which the decoder ignores the image is visible from its first evaluation.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from transformers import Trainer, TrainerCallback, TrainingArguments, set_seed
from transformers.trainer_utils import get_last_checkpoint

from literate.errors import BadValueError
from literate.io import write_json_atomic

METHODS = ("full", "lora", "plora")
TASKS = ("ocr", "md", "mixed")
LEVELS = ("word", "line", "snippet", "strip", "mix")
INITS = ("literate", "positional", "default")


@dataclass
class ReaderTrainConfig:
    out: str
    base: str = "scratch:tiny"  # scratch:<size>, a local directory or a hub id
    data: str = "snippets"  # snippets (rendered on the fly) or a folder of pages
    level: str = "snippet"  # snippets only: word | line | snippet | strip (of a page) | mix
    pages: str | None = None  # strips: a data-engine folder mixed in (half the strips)
    text: str = "shakespeare"  # snippets: the corpus they are cut from (or "random" strings)
    task: str = "ocr"
    method: str = "full"
    lora_rank: int = 8
    period: int = 100
    momentum: float = 0.0
    max_patches: int | None = None  # default: the processor's
    coordinate_bins: int = 1024  # scratch only
    train_samples: int = 20000  # snippets only
    eval_samples: int = 32
    batch_size: int = 8
    lr: float = 1e-3
    visual_lr_scale: float = 0.25  # vision encoder + resampler lr = this × lr (signal.py)
    init: str = "literate"  # scratch only: literate | positional (positional.py) | default (HF)
    warmup_steps: int = 100
    max_steps: int = 1000
    eval_steps: int = 100
    save_steps: int = 100
    max_length: int | None = None
    seed: int = 0
    resume: bool = False
    threads: int | None = None

    def validate(self) -> None:
        for name in ("batch_size", "max_steps", "eval_steps", "save_steps", "eval_samples"):
            if getattr(self, name) < 1:
                raise BadValueError(f"--{name.replace('_', '-')} must be ≥ 1")
        if self.method not in METHODS:
            raise BadValueError(f"--method {self.method}: choose one of {', '.join(METHODS)}")
        if self.task not in TASKS:
            raise BadValueError(f"--task {self.task}: choose one of {', '.join(TASKS)}")
        if self.level not in LEVELS:
            raise BadValueError(f"--level {self.level}: choose one of {', '.join(LEVELS)}")
        if self.init not in INITS:
            raise BadValueError(f"--init {self.init}: choose one of {', '.join(INITS)}")
        if not self.lr > 0:
            raise BadValueError(f"--lr must be > 0, got {self.lr}")


def coordinate_bins(tokenizer) -> int | None:
    """How many ``<x_N>`` tokens the vocabulary has (targets are clamped below it)."""
    n = sum(1 for t in tokenizer.get_vocab() if t.startswith("<x_") and t.endswith(">"))
    return n or None


def load_base(cfg: ReaderTrainConfig):
    """(model, processor) from ``scratch:<size>`` (our initialisation) or a checkpoint."""
    if cfg.base.startswith("scratch:"):
        from literate.reader.config import SIZES
        from literate.reader.signal import init_reader
        from literate.reader.tiny import build_reader

        size = cfg.base.split(":", 1)[1]
        if size not in SIZES:
            raise BadValueError(f"--base {cfg.base}: sizes are {', '.join(SIZES)}")
        model, processor = build_reader(None, size, cfg.coordinate_bins, cfg.seed)
        if cfg.init in ("literate", "positional"):  # positional: the rest in train_reader,
            init_reader(model, seed=cfg.seed)  # which has the sample images it needs
        return model, processor
    from literate.reader.engines.kosmos import KosmosEngine

    engine = KosmosEngine.from_pretrained(cfg.base)
    return engine.model, engine.processor


def datasets(cfg: ReaderTrainConfig, max_patches: int):
    from literate.reader.data import (
        MIX,
        MixtureDataset,
        PageFolderDataset,
        SnippetDataset,
        StripDataset,
    )

    if cfg.data == "snippets":
        from literate.data.corpora import load_corpus
        from literate.data.splits import split_documents

        splits = split_documents(load_corpus(cfg.text), seed=cfg.seed)
        train_texts = [d.text for d in splits["train"]]
        val_texts = [d.text for d in splits["validation"]]
        use_pages = cfg.pages and cfg.level in ("strip", "mix")  # only strips read pages
        pages = PageFolderDataset(cfg.pages) if use_pages else None

        def build(texts: list[str], n: int, seed: int, pages=None):
            def one(level: str):
                if level == "strip":
                    return StripDataset(texts, n, max_patches, seed, pages=pages)
                return SnippetDataset(texts, n, seed, level=level)

            if cfg.level != "mix":
                return one(cfg.level)
            return MixtureDataset([one(lv) for lv in MIX], list(MIX.values()), n, seed)

        return (
            build(train_texts, cfg.train_samples, cfg.seed, pages),
            build(val_texts, cfg.eval_samples, cfg.seed + 1),
        )
    folder = Path(cfg.data)
    train = PageFolderDataset(folder / "train" if (folder / "train").is_dir() else folder)
    val_dir = folder / "validation"
    val = PageFolderDataset(val_dir) if val_dir.is_dir() else train
    return train, torch.utils.data.Subset(val, range(min(len(val), cfg.eval_samples)))


class ReaderTrainer(Trainer):
    """A Trainer whose evaluations also log the right-vs-mismatched-image loss gap and how
    alike the resampler's latents are, and whose optimizer gives the visual side its own
    learning rate."""

    visual_lr_scale: float = 1.0

    def create_optimizer(self, model=None):
        if self.optimizer is None:
            from literate.reader.signal import param_groups

            groups = param_groups(
                self.model, self.args.learning_rate, self.visual_lr_scale, self.args.weight_decay
            )
            self.optimizer = torch.optim.AdamW(groups, lr=self.args.learning_rate)
        return self.optimizer

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval"):
        metrics = super().evaluate(eval_dataset, ignore_keys, metric_key_prefix)
        from literate.reader.signal import image_gap, latent_similarity

        batch = self.data_collator([self.eval_dataset[i] for i in range(len(self.eval_dataset))])
        gap = image_gap(self.model, batch, self.processor_ref.tokenizer)
        gap["latent_similarity"] = latent_similarity(self.model, batch)
        logs = {f"{metric_key_prefix}_{k}": v for k, v in gap.items()}
        self.log(logs)
        metrics.update(logs)
        return metrics


def training_args(cfg: ReaderTrainConfig, out: Path) -> TrainingArguments:
    return TrainingArguments(
        output_dir=str(out / "trainer"),
        max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.batch_size,
        learning_rate=cfg.lr,
        weight_decay=0.01,
        lr_scheduler_type="cosine",
        warmup_steps=cfg.warmup_steps,
        max_grad_norm=1.0,
        eval_strategy="steps",
        eval_on_start=True,
        eval_steps=cfg.eval_steps,
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=2,
        logging_steps=max(1, min(25, cfg.eval_steps)),
        seed=cfg.seed,
        data_seed=cfg.seed,
        report_to="none",
        dataloader_num_workers=0,
        use_cpu=not torch.cuda.is_available(),
        remove_unused_columns=False,  # examples are images and lines, the collator encodes them
    )


def train_reader(cfg: ReaderTrainConfig, callbacks: list[TrainerCallback] | None = None) -> dict:
    """Train, save model + processor to ``cfg.out`` and return a summary (also JSON)."""
    from literate.reader.collator import ReaderCollator

    cfg.validate()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    set_seed(cfg.seed)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    model, processor = load_base(cfg)
    max_patches = cfg.max_patches or processor.image_processor.max_patches
    limit = model.config.text_config.max_position_embeddings
    collator = ReaderCollator(
        processor,
        max_patches,
        cfg.task,
        coordinate_bins=coordinate_bins(processor.tokenizer),
        max_length=min(cfg.max_length or limit, limit),
    )
    train, val = datasets(cfg, max_patches)
    own_cell = None
    if cfg.base.startswith("scratch:") and cfg.init == "positional" and not cfg.resume:
        own_cell = positional_start(model, collator, train, cfg.seed)
    callbacks = list(callbacks or [])
    if cfg.method in ("lora", "plora"):
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(
            model,
            LoraConfig(r=cfg.lora_rank, lora_alpha=2 * cfg.lora_rank, target_modules="all-linear"),
        )
    if cfg.method == "plora":
        from literate.plora import PeriodicLoRACallback, PeriodicLoRAConfig

        callbacks.append(
            PeriodicLoRACallback(PeriodicLoRAConfig(cfg.period, cfg.momentum, seed=cfg.seed))
        )
    args = training_args(cfg, out)
    resume_from = None
    if cfg.resume and Path(args.output_dir).is_dir():
        resume_from = get_last_checkpoint(args.output_dir)
    trainer = ReaderTrainer(
        model=model,
        args=args,
        train_dataset=train,
        eval_dataset=val,
        data_collator=collator,
        callbacks=callbacks,
    )
    trainer.processor_ref = processor
    trainer.visual_lr_scale = cfg.visual_lr_scale
    start = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=resume_from)
    seconds = time.perf_counter() - start
    final = trainer.model.merge_and_unload() if cfg.method != "full" else trainer.model
    save_reader(final, processor, out)
    evals = [h for h in trainer.state.log_history if "eval_loss" in h]
    gaps = [h for h in trainer.state.log_history if "eval_image_gap" in h]
    summary = {
        "config": asdict(cfg),
        "global_step": trainer.state.global_step,
        "train_loss": result.training_loss,
        "seconds": seconds,
        "cpu_hours": seconds * (cfg.threads or torch.get_num_threads()) / 3600,
        "parameters": sum(p.numel() for p in final.parameters()),
        "resumed_from": Path(resume_from).name if resume_from else None,
        "init_own_cell_share": own_cell,
        "eval_curve": [{"step": h["step"], "eval_loss": h["eval_loss"]} for h in evals],
        "image_gap_curve": [
            {k: h[k] for k in h if k == "step" or k.startswith("eval_")} for h in gaps
        ],
    }
    write_json_atomic(out / "train_summary.json", summary)
    return summary


def positional_start(model, collator, train, seed: int, n: int = 32) -> float:
    """``positional.positional_start`` on the first ``n`` training images."""
    from literate.reader import positional

    batch = collator([train[i] for i in range(min(n, len(train)))])
    return positional.positional_start(model, batch["flattened_patches"], seed)


def save_reader(model, processor, out: Path) -> None:
    """Model + processor into ``out`` atomically (sibling folder, then renames)."""
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp), safe_serialization=True)
    processor.save_pretrained(str(tmp))
    for f in tmp.iterdir():
        os.replace(f, out / f.name)
    tmp.rmdir()
