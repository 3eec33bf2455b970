"""``literate train reader``: Kosmos-2.5 fine-tuning (or training from scratch) through
``transformers.Trainer``, with ``--method full|lora|plora`` and ``--resume``.

Both tasks: the prompt is ``<ocr>`` or ``<md>``, the loss covers the answer only. Every
evaluation also logs the image-signal diagnostic (``train.aids.image_signal``): the
held-out loss with each example's own image vs with another example's image, so a run in
which the decoder ignores the image is visible from its first evaluation.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import torch
from transformers import Trainer, TrainerCallback, set_seed

from literate import training
from literate.clock import TrainingClock
from literate.errors import BadValueError
from literate.io import write_json_atomic
from literate.reader.train.config import INITS, LEVELS, TRAIN_TASKS, ReaderTrainConfig

__all__ = ["INITS", "LEVELS", "TRAIN_TASKS", "ReaderTrainConfig", "train_reader"]


def coordinate_bins(tokenizer) -> int | None:
    """How many ``<x_N>`` tokens the vocabulary has (targets are clamped below it)."""
    n = sum(1 for t in tokenizer.get_vocab() if t.startswith("<x_") and t.endswith(">"))
    return n or None


def load_base(cfg: ReaderTrainConfig):
    """(model, processor) from ``scratch:<size>`` (our initialisation) or a checkpoint."""
    if cfg.base.startswith("scratch:"):
        from literate.reader.model.config import SIZES
        from literate.reader.model.tiny import build_reader
        from literate.reader.train.aids.image_signal import init_reader

        size = cfg.base.split(":", 1)[1]
        if size not in SIZES:
            raise BadValueError(f"--base {cfg.base}: sizes are {', '.join(SIZES)}")
        model, processor = build_reader(None, size, cfg.coordinate_bins, cfg.seed)
        if cfg.init != "default":  # positional, local: the rest in train_reader,
            init_reader(model, seed=cfg.seed)  # which has the sample images it needs
        return model, processor
    from literate.reader.engines.kosmos import KosmosEngine

    engine = KosmosEngine.from_pretrained(cfg.base)
    return engine.model, engine.processor


def datasets(cfg: ReaderTrainConfig, max_patches: int):
    from literate.reader.train.data import (
        MIX,
        PIECE_MIX,
        MixtureDataset,
        PageFolderDataset,
        PieceDataset,
        SnippetDataset,
        StripDataset,
    )

    if cfg.data == "snippets":
        from literate.data.corpora import load_corpus
        from literate.data.splits import split_documents

        splits = split_documents(load_corpus(cfg.text), seed=cfg.seed)
        train_texts = [d.text for d in splits["train"]]
        val_texts = [d.text for d in splits["validation"]]
        use_pages = cfg.pages and cfg.level in ("strip", "mix")  # strips read whole pages
        pages = PageFolderDataset(cfg.pages) if use_pages else None

        def build(texts: list[str], n: int, seed: int, pages=None, piece_pages=None):
            def one(level: str):
                if level == "strip":
                    return StripDataset(texts, n, max_patches, seed, pages=pages)
                if level == "piece":
                    return PieceDataset(piece_pages, n, seed)
                return SnippetDataset(texts, n, seed, level=level)

            if cfg.level == "piece" and piece_pages is None:  # evaluation: held-out lines
                return one("line")  # (the pages are all training pages)
            if cfg.level not in ("mix", "piece"):
                return one(cfg.level)
            mix = MIX if cfg.level == "mix" else PIECE_MIX
            return MixtureDataset([one(lv) for lv in mix], list(mix.values()), n, seed)

        piece_pages = cfg.pages if cfg.level == "piece" else None
        return (
            build(train_texts, cfg.train_samples, cfg.seed, pages, piece_pages),
            build(val_texts, cfg.eval_samples, cfg.seed + 1),
        )
    folder = Path(cfg.data)
    train = PageFolderDataset(folder / "train" if (folder / "train").is_dir() else folder)
    val_dir = folder / "validation"
    val = PageFolderDataset(val_dir) if val_dir.is_dir() else train
    return train, torch.utils.data.Subset(val, range(min(len(val), cfg.eval_samples)))


AUX_KEYS = ("glyph_labels", "glyph_tokens", "glyph_cells")  # the collator's training aids


class ReaderTrainer(Trainer):
    """A Trainer whose evaluations also log the right-vs-mismatched-image loss gap and how
    alike the resampler's latents are, whose optimizer gives the visual side its own
    learning rate, and which adds the training aids built from rendered glyph cells: the
    glyph loss (given a ``glyph_head``) and guided attention (given a ``guide_weight``)."""

    visual_lr_scale: float = 1.0
    glyph_head = None  # glyphs.GlyphHead, trained beside the model (not saved with it)
    glyph_weight: float = 0.0
    guide_weight: float = 0.0

    def create_optimizer(self, model=None):
        if self.optimizer is None:
            from literate.reader.train.aids.image_signal import param_groups

            groups = param_groups(
                self.model, self.args.learning_rate, self.visual_lr_scale, self.args.weight_decay
            )
            if self.glyph_head is not None:
                self.glyph_head.to(self.args.device)
                groups.append(
                    {"params": list(self.glyph_head.parameters()), "lr": self.args.learning_rate}
                )
            self.optimizer = torch.optim.AdamW(groups, lr=self.args.learning_rate)
        return self.optimizer

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        aux = {k: inputs.pop(k) for k in AUX_KEYS if k in inputs}
        wanted = self.glyph_head is not None or self.guide_weight > 0
        if not aux or not model.training or not wanted:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        from literate.reader.train.aids.alignment import decoder_layers, guided_loss
        from literate.reader.train.aids.glyphs import glyph_loss, vision_module
        from literate.reader.train.aids.hooks import captured_input, captured_output

        with (
            captured_output(vision_module(model)) as vision,
            captured_input(decoder_layers(model)[-1].self_attn) as decoder,
        ):
            loss, outputs = super().compute_loss(model, inputs, True, num_items_in_batch)
        feats = vision["x"].last_hidden_state
        if self.glyph_head is not None and "glyph_labels" in aux:
            extra, accuracy = glyph_loss(self.glyph_head, feats, aux["glyph_labels"])
            self._aux_log(glyph_loss=float(extra.detach()), glyph_accuracy=accuracy)
            loss = loss + self.glyph_weight * extra
        if self.guide_weight and "glyph_tokens" in aux:
            extra, mass = guided_loss(model, decoder["x"], feats, inputs | aux)
            if mass == mass:  # NaN: no glyph in the batch has specific target latents
                self._aux_log(guided_loss=float(extra.detach()), guided_mass=mass)
            loss = loss + self.guide_weight * extra
        return (loss, outputs) if return_outputs else loss

    def _aux_log(self, **values: float) -> None:
        if not hasattr(self, "_aux_logs"):
            self._aux_logs: dict[str, list[float]] = {}
        for k, v in values.items():
            if v == v:  # NaN: nothing to measure in this batch
                self._aux_logs.setdefault(k, []).append(v)

    def log(self, logs: dict, *args, **kwargs) -> None:
        if "loss" in logs and getattr(self, "_aux_logs", None):  # means since the last log
            logs.update({k: round(sum(v) / len(v), 4) for k, v in self._aux_logs.items() if v})
            self._aux_logs = {}
        super().log(logs, *args, **kwargs)

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval"):
        metrics = super().evaluate(eval_dataset, ignore_keys, metric_key_prefix)
        from literate.reader.train.aids.image_signal import image_gap, latent_similarity

        batch = self.data_collator([self.eval_dataset[i] for i in range(len(self.eval_dataset))])
        aux = {k: batch.pop(k) for k in AUX_KEYS if k in batch}
        gap = image_gap(self.model, batch, self.processor_ref.tokenizer)
        gap["latent_similarity"] = latent_similarity(self.model, batch)
        if self.glyph_head is not None and "glyph_labels" in aux:
            gap["glyph_accuracy"] = self.glyph_accuracy(batch, aux["glyph_labels"])
        logs = {f"{metric_key_prefix}_{k}": v for k, v in gap.items()}
        self.log(logs)
        metrics.update(logs)
        return metrics

    @torch.no_grad()
    def glyph_accuracy(self, batch: dict, glyph_labels: torch.Tensor) -> float:
        """Held-out share of glyph patches whose character the head names: what the encoder
        knows, whatever the decoder makes of it."""
        from literate.reader.train.aids.glyphs import glyph_loss, vision_module

        model = self.model
        was_training = model.training
        model.eval()
        try:
            device = self.args.device
            hidden = vision_module(model)(batch["flattened_patches"].to(device)).last_hidden_state
        finally:
            model.train(was_training)
        return glyph_loss(self.glyph_head, hidden, glyph_labels.to(device))[1]


def train_reader(cfg: ReaderTrainConfig, callbacks: list[TrainerCallback] | None = None) -> dict:
    """Train, save model + processor to ``cfg.out`` and return a summary (also JSON)."""
    from literate.reader.train.collator import ReaderCollator

    cfg.validate()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    set_seed(cfg.seed)
    out = Path(cfg.out)
    config = asdict(cfg)
    with training.run_dir(out, config, cfg.resume, cfg.overwrite) as resume_from:
        model, processor = load_base(cfg)  # a failure here leaves nothing in ``out``
        max_patches = cfg.max_patches or processor.image_processor.max_patches
        processor.image_processor.max_patches = max_patches  # the saved processor: as trained
        limit = model.config.text_config.max_position_embeddings
        collator = ReaderCollator(
            processor,
            max_patches,
            cfg.task,
            coordinate_bins=coordinate_bins(processor.tokenizer),
            max_length=min(cfg.max_length or limit, limit),
            glyph_labels=cfg.glyph_loss > 0,
            guided=cfg.guided_attention > 0,
        )
        train, val = datasets(cfg, max_patches)
    own_cell = None
    if cfg.base.startswith("scratch:") and cfg.init in ("positional", "local") and not cfg.resume:
        own_cell = positional_start(model, collator, train, cfg.seed, cfg.init == "local")
    clock = TrainingClock()
    model, adapter_callbacks = training.attach_adapters(
        model, cfg.method, cfg.lora_rank, cfg.plora_config(cfg.seed)
    )
    callbacks = [*(callbacks or []), clock, *adapter_callbacks]
    args = training.training_arguments(
        out, training.Schedule.of(cfg, weight_decay=0.01, log_every=25)
    )
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
    if cfg.glyph_loss > 0:
        trainer.glyph_head = glyph_head(model, resume_from, cfg.seed)
        trainer.glyph_weight = cfg.glyph_loss
        trainer.add_callback(GlyphHeadCheckpoint(trainer.glyph_head))
    trainer.guide_weight = cfg.guided_attention
    result = trainer.train(resume_from_checkpoint=resume_from)
    final = training.final_model(trainer, cfg.method)
    training.save_pretrained_atomic(out, final, processor)
    gaps = [h for h in trainer.state.log_history if "eval_image_gap" in h]
    summary = training.run_summary(config, trainer, result, clock, final, resume_from)
    summary.update(
        {
            "cpu_hours": clock.seconds * (cfg.threads or torch.get_num_threads()) / 3600,
            "init_own_cell_share": own_cell,
            "eval_curve": training.eval_curve(trainer),
            "image_gap_curve": [
                {k: h[k] for k in h if k == "step" or k.startswith("eval_")} for h in gaps
            ],
            "aux_curve": [  # the training aids' logs: glyph loss/accuracy, guided loss/mass
                {k: h[k] for k in h if k == "step" or k.startswith(("glyph_", "guided_"))}
                for h in trainer.state.log_history
                if "loss" in h and any(k.startswith(("glyph_", "guided_")) for k in h)
            ],
        }
    )
    write_json_atomic(out / "train_summary.json", summary)
    return summary


def positional_start(model, collator, train, seed: int, neighbours: bool, n: int = 32) -> float:
    """``positional.positional_start`` on the first ``n`` training images."""
    from literate.reader.train.aids import positional

    batch = collator([train[i] for i in range(min(n, len(train)))])
    return positional.positional_start(
        model, batch["flattened_patches"], seed, neighbours=neighbours
    )


GLYPH_HEAD = "glyph_head.safetensors"


def glyph_head(model, resume_from: str | None, seed: int):
    """A fresh ``GlyphHead`` sized to the vision encoder, or the one saved in the checkpoint
    training resumes from (its optimizer state resumes with the Trainer's)."""
    from safetensors.torch import load_file

    from literate.reader.train.aids.glyphs import GlyphHead, vision_module

    torch.manual_seed(seed)
    head = GlyphHead(vision_module(model).config.hidden_size)
    saved = Path(resume_from) / GLYPH_HEAD if resume_from else None
    if saved is not None and saved.is_file():
        head.load_state_dict(load_file(str(saved)))
    return head


class GlyphHeadCheckpoint(TrainerCallback):
    """Saves the glyph head into each Trainer checkpoint, so ``--resume`` continues it, and
    clears its gradients after each optimizer step: the head is trained beside the model,
    not inside it, and ``Trainer`` clears only the model's (``model.zero_grad()``), so they
    summed over every step since the start of the run (or of its resume)."""

    def __init__(self, head):
        self.head = head

    def on_optimizer_step(self, args, state, control, **kwargs):
        self.head.zero_grad(set_to_none=True)

    def on_save(self, args, state, control, **kwargs):
        from safetensors.torch import save_file

        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if folder.is_dir():
            tmp = folder / f".{GLYPH_HEAD}.tmp"
            save_file({k: v.contiguous() for k, v in self.head.state_dict().items()}, str(tmp))
            os.replace(tmp, folder / GLYPH_HEAD)
