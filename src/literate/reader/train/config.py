"""``ReaderTrainConfig``: everything a ``train reader`` run needs, and the CLI's defaults
(the CLI reads its option defaults from these fields, so the two cannot drift)."""

from __future__ import annotations

from dataclasses import dataclass

from literate.errors import BadValueError
from literate.plora.config import AdapterOptions

TRAIN_TASKS = ("ocr", "md", "mixed")
LEVELS = ("word", "line", "snippet", "strip", "mix", "piece")
INITS = ("literate", "positional", "local", "default")


@dataclass
class ReaderTrainConfig(AdapterOptions):
    out: str
    base: str = "scratch:tiny"  # scratch:<size>, a local directory or a hub id
    data: str = "snippets"  # snippets (rendered on the fly) or a folder of pages
    level: str = "snippet"  # word | line | snippet | strip (of a page) | mix | piece (of pages)
    pages: str | None = None  # a data-engine folder: half the strips, or the pieces' pages
    text: str = "shakespeare"  # snippets: the corpus they are cut from (or "random" strings)
    task: str = "ocr"
    max_patches: int | None = None  # default: the processor's
    coordinate_bins: int = 1024  # scratch only
    train_samples: int = 20000  # snippets only
    eval_samples: int = 32
    batch_size: int = 8
    lr: float = 1e-3
    visual_lr_scale: float = 0.25  # vision encoder + resampler lr = this × lr (signal.py)
    init: str = "literate"  # scratch: literate | positional | local (+ neighbours.py) | default
    glyph_loss: float = 0.0  # weight of the dense per-patch glyph loss (glyphs.py); 0 = off
    guided_attention: float = 0.0  # weight of the guided-attention loss (alignment.py); 0 = off
    warmup_steps: int = 100
    max_steps: int = 1000
    eval_steps: int = 100
    save_steps: int = 100
    max_length: int | None = None
    seed: int = 0
    resume: bool = False
    overwrite: bool = False  # replace a finished or started run in ``out``
    threads: int | None = None

    def validate(self) -> None:
        for name in ("batch_size", "max_steps", "eval_steps", "save_steps", "eval_samples"):
            if getattr(self, name) < 1:
                raise BadValueError(f"--{name.replace('_', '-')} must be ≥ 1")
        self.validate_adapters()
        if self.task not in TRAIN_TASKS:
            raise BadValueError(f"--task {self.task}: choose one of {', '.join(TRAIN_TASKS)}")
        if self.level not in LEVELS:
            raise BadValueError(f"--level {self.level}: choose one of {', '.join(LEVELS)}")
        if self.level == "piece" and not self.pages:
            raise BadValueError("--level piece needs --pages (a `literate data render` folder)")
        if self.level == "piece" and self.data != "snippets":
            raise BadValueError("--level piece cuts --pages; it does not read --data DIR")
        if self.init not in INITS:
            raise BadValueError(f"--init {self.init}: choose one of {', '.join(INITS)}")
        if not self.lr > 0:
            raise BadValueError(f"--lr must be > 0, got {self.lr}")
        for name in ("glyph_loss", "guided_attention"):
            if getattr(self, name) < 0:
                raise BadValueError(f"--{name.replace('_', '-')} must be ≥ 0")
