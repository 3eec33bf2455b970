"""The one ``transformers.Trainer`` helper that ``train lm`` and ``train reader`` share.

Both trainings differ in data and model; what they share lives here so it is written once:
the training arguments, the run folder (refuse to overwrite a finished run, resume only a
run of the same configuration), LoRA / PeriodicLoRA attachment with every PLoRA option,
the atomic ``save_pretrained`` of a model and its tokenizer or processor, and the run
summary's common fields. Distributed training comes from ``Trainer`` + accelerate.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch
from transformers import TrainerCallback, TrainingArguments
from transformers.trainer_utils import get_last_checkpoint

from literate.errors import BadValueError
from literate.io import write_json_atomic
from literate.plora import PeriodicLoRACallback, PeriodicLoRAConfig
from literate.plora.config import METHODS

RUN_CONFIG = "run_config.json"  # the configuration a run folder was started with
# options that may change between a run and its resume without changing what is trained
RESUMABLE = frozenset({"resume", "overwrite", "threads", "max_steps"})
# what a finished or started training run leaves in its folder
RUN_MARKERS = (RUN_CONFIG, "train_summary.json", "trainer", "config.json")


@dataclass(frozen=True)
class Schedule:
    """The optimisation settings both trainings pass to ``TrainingArguments``."""

    max_steps: int
    batch_size: int
    lr: float
    warmup_steps: int
    eval_steps: int
    save_steps: int
    seed: int
    weight_decay: float = 0.0
    grad_accum: int = 1
    log_every: int = 50  # at most; never less often than each evaluation
    keep_best: bool = False  # load the best validation checkpoint at the end

    @classmethod
    def of(cls, cfg: object, **fixed: Any) -> Schedule:
        """The schedule of a training config: its fields of the same names, then ``fixed``."""
        own = {f.name: getattr(cfg, f.name) for f in fields(cls) if hasattr(cfg, f.name)}
        return cls(**{**own, **fixed})


def training_arguments(out: Path, s: Schedule) -> TrainingArguments:
    """Cosine schedule with warm-up, clipped gradients, evaluation from step 0 (the curve
    starts at the untrained or base model), two checkpoints kept under ``out/trainer``."""
    return TrainingArguments(
        output_dir=str(out / "trainer"),
        max_steps=s.max_steps,
        per_device_train_batch_size=s.batch_size,
        per_device_eval_batch_size=s.batch_size,
        gradient_accumulation_steps=s.grad_accum,
        learning_rate=s.lr,
        weight_decay=s.weight_decay,
        lr_scheduler_type="cosine",
        warmup_steps=s.warmup_steps,
        max_grad_norm=1.0,
        eval_strategy="steps",
        eval_on_start=True,
        eval_steps=s.eval_steps,
        save_strategy="steps",
        save_steps=s.save_steps,
        save_total_limit=2,
        load_best_model_at_end=s.keep_best,
        metric_for_best_model="eval_loss" if s.keep_best else None,
        logging_steps=max(1, min(s.log_every, s.eval_steps)),
        seed=s.seed,
        data_seed=s.seed,
        report_to="none",
        dataloader_num_workers=0,
        use_cpu=not torch.cuda.is_available(),
        disable_tqdm=False,
        remove_unused_columns=False,  # the collators read fields the model does not take
    )


def _comparable(config: dict) -> dict:
    return {k: v for k, v in config.items() if k not in RESUMABLE}


def prepare_run_dir(out: Path, config: dict, resume: bool, overwrite: bool) -> str | None:
    """Make ``out`` ready for a run and return the checkpoint to resume from (or None).

    A folder holding a run is never replaced silently: without ``resume`` or ``overwrite``
    it is refused; ``resume`` continues only a run of the same configuration (one line says
    what differs); ``overwrite`` removes the earlier run first. A non-empty folder that
    holds no run is refused either way, since its files are not ours to remove.
    """
    if out.exists() and not out.is_dir():
        raise BadValueError(f"--out {out}: is a file, not a folder")
    entries = [p.name for p in out.iterdir()] if out.is_dir() else []
    if entries == [RUN_CONFIG]:  # a run that failed before training: nothing to keep
        entries = []
    has_run = any(m in entries for m in RUN_MARKERS)
    if entries and not has_run:
        raise BadValueError(
            f"--out {out}: the folder holds files that are not a training run; choose an "
            "empty or new folder"
        )
    if has_run and not resume:
        if not overwrite:
            raise BadValueError(
                f"--out {out}: holds a training run; pass --resume to continue it or "
                "--overwrite to replace it"
            )
        shutil.rmtree(out)
        has_run = False
    resume_from = None
    if resume and has_run:
        saved = out / RUN_CONFIG
        if saved.is_file():
            before = _comparable(json.loads(saved.read_text()))
            now = _comparable(json.loads(json.dumps(config, default=str)))
            diff = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
            if diff:
                parts = ", ".join(f"{k} {before.get(k)!r} → {now.get(k)!r}" for k in diff)
                raise BadValueError(
                    f"--resume: the run in {out} was started with other settings ({parts}); "
                    "use the same options, or --overwrite to start again"
                )
        trainer_dir = out / "trainer"
        if trainer_dir.is_dir():
            resume_from = get_last_checkpoint(str(trainer_dir))
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(out / RUN_CONFIG, config)
    except OSError as e:
        raise BadValueError(f"--out {out}: cannot write there ({e.strerror})") from None
    return resume_from


@contextmanager
def run_dir(out: Path, config: dict, resume: bool, overwrite: bool) -> Iterator[str | None]:
    """``prepare_run_dir`` around the setup of a run (tokenizer, data, model): if the block
    fails, the start leaves no run behind to refuse or resume later: a folder it made is
    removed, and so is a configuration it recorded in a folder holding nothing else."""
    created = not out.exists()
    resume_from = prepare_run_dir(out, config, resume, overwrite)
    try:
        yield resume_from
    except BaseException:
        with suppress(OSError):
            if [p.name for p in out.iterdir()] == [RUN_CONFIG]:
                (out / RUN_CONFIG).unlink()
            if created:
                out.rmdir()  # only when empty
        raise


def attach_adapters(
    model,
    method: str,
    rank: int,
    plora: PeriodicLoRAConfig | None = None,
    task_type: str | None = None,
) -> tuple[Any, list[TrainerCallback]]:
    """Wrap ``model`` for ``method``: full fine-tuning as is, LoRA on every linear layer
    (alpha = 2r), PeriodicLoRA as LoRA plus its unloading callback."""
    if method not in METHODS:
        raise BadValueError(f"--method {method}: choose one of {', '.join(METHODS)}")
    if method == "full":
        return model, []
    from peft import LoraConfig, get_peft_model

    lora = LoraConfig(
        r=rank,
        lora_alpha=2 * rank,
        target_modules="all-linear",
        lora_dropout=0.0,
        task_type=task_type,
    )
    model = get_peft_model(model, lora)
    if method == "lora":
        return model, []
    return model, [PeriodicLoRACallback(plora or PeriodicLoRAConfig())]


def final_model(trainer, method: str):
    """The trained model as plain weights: adapters merged into the base."""
    return trainer.model.merge_and_unload() if method != "full" else trainer.model


def plora_history(trainer) -> list[dict] | None:
    """Unloads of this run (the Trainer may have re-created the callback on resume)."""
    live = [c for c in trainer.callback_handler.callbacks if isinstance(c, PeriodicLoRACallback)]
    return live[0].history if live else None


def save_pretrained_atomic(out: Path, model, companion) -> None:
    """Save ``model`` and its tokenizer or processor into ``out`` atomically: write a
    sibling folder, then swap files in with renames, so a crash never leaves a half-written
    model behind."""
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp), safe_serialization=True)
    companion.save_pretrained(str(tmp))
    for f in tmp.iterdir():
        os.replace(f, out / f.name)
    tmp.rmdir()


def eval_curve(trainer) -> list[dict]:
    return [
        {"step": h["step"], "eval_loss": h["eval_loss"]}
        for h in trainer.state.log_history
        if "eval_loss" in h
    ]


def run_summary(config: dict, trainer, result, clock, final, resume_from: str | None) -> dict:
    """The fields every ``train_summary.json`` carries; each training adds its own."""
    return {
        "config": config,
        "global_step": trainer.state.global_step,
        "train_loss": result.training_loss,
        "seconds": clock.seconds,  # all runs' (resumes), not only this one's
        "seconds_this_run": clock.this_run,
        "parameters": sum(p.numel() for p in final.parameters()),
        "resumed_from": Path(resume_from).name if resume_from else None,
    }


def steps_run(trainer, resume_from: str | None) -> int:
    """Optimizer steps taken by this run (not those before the checkpoint it resumed)."""
    start = int(Path(resume_from).name.split("-")[-1]) if resume_from else 0
    return trainer.state.global_step - start
