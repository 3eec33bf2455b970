"""``LMTrainConfig``: everything a ``train lm`` run needs, and the CLI's defaults (the CLI
reads its option defaults from these fields, so the two cannot drift)."""

from __future__ import annotations

from dataclasses import dataclass

from literate.errors import BadValueError
from literate.plora.config import AdapterOptions


@dataclass
class LMTrainConfig(AdapterOptions):
    out: str
    corpus: str = "readmes"
    preset: str = "small"
    base: str | None = None  # model dir to start from; None = from scratch
    tokenizer: str | None = None  # tokenizer dir; None = the base's, or train one
    tokenizer_corpora: tuple[str, ...] = ("readmes", "shakespeare")
    vocab_size: int = 8192
    keep_best: bool = True  # load the best validation checkpoint at the end (not with plora)
    block_size: int = 256
    batch_size: int = 16
    grad_accum: int = 1
    lr: float = 1e-3
    weight_decay: float = 0.1
    warmup_steps: int = 100
    max_steps: int = 1000
    eval_steps: int = 100
    save_steps: int = 100
    eval_blocks: int = 128  # validation blocks per evaluation (evenly spaced); 0 = all
    seed: int = 0
    resume: bool = False
    overwrite: bool = False  # replace a finished or started run in ``out``
    threads: int | None = None

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
        if self.save_steps % self.eval_steps:
            raise BadValueError(
                f"--save-steps ({self.save_steps}) must be a multiple of --eval-steps "
                f"({self.eval_steps})"
            )
        if not self.lr > 0:
            raise BadValueError(f"--lr must be > 0, got {self.lr}")
        self.validate_adapters()
