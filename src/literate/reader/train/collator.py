"""Prompt + answer batches for ``transformers.Trainer``: the loss covers the answer only.

The processor writes ``<s><image><s>×N</image>`` before the text; the text is the task
prompt (``<ocr>`` or ``<md>``), the answer and ``</s>``. Labels are the input ids with the
prompt and the padding set to -100 (the model shifts them itself).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from literate.reader.model.prompts import PROMPTS
from literate.reader.train.targets import ocr_target

IGNORE = -100


@dataclass
class ReaderCollator:
    processor: object
    max_patches: int
    task: str = "ocr"  # ocr | md | mixed (alternate per example)
    coordinate_bins: int | None = None
    max_length: int | None = None
    glyph_labels: bool = False  # add ``glyph_labels`` [B, P] (literate.reader.glyphs)
    guided: bool = False  # add ``glyph_tokens`` / ``glyph_cells`` (literate.reader.alignment)

    def answer(self, item: dict, task: str) -> str:
        if task == "ocr":
            size = item["image"].size
            return ocr_target(item["lines"], size, self.max_patches, self.coordinate_bins)
        return item["markdown"]

    def tasks(self, n: int) -> list[str]:
        if self.task == "mixed":
            return ["ocr" if i % 2 == 0 else "md" for i in range(n)]
        return [self.task] * n

    def __call__(self, items: list[dict]) -> dict[str, torch.Tensor]:
        tok = self.processor.tokenizer
        tasks = self.tasks(len(items))
        texts = [
            PROMPTS[t] + self.answer(it, t) + tok.eos_token
            for it, t in zip(items, tasks, strict=True)
        ]
        kwargs = {"max_length": self.max_length, "truncation": True} if self.max_length else {}
        enc = self.processor(
            text=texts,
            images=[it["image"] for it in items],
            return_tensors="pt",
            max_patches=self.max_patches,
            **kwargs,
        )
        enc.pop("width")
        enc.pop("height")
        prompt_len = 3 + self.processor.num_image_tokens + 1  # <s><image>…</image><task>
        labels = enc["input_ids"].clone()
        labels[:, :prompt_len] = IGNORE
        labels[enc["attention_mask"] == 0] = IGNORE
        enc["labels"] = labels
        if self.glyph_labels:
            from literate.reader.train.aids.glyphs import patch_labels

            enc["glyph_labels"] = torch.stack(
                [
                    patch_labels(it.get("glyphs"), it["image"].size, patches)
                    for it, patches in zip(items, enc["flattened_patches"], strict=True)
                ]
            )
        if self.guided:
            from literate.reader.train.aids.alignment import guided_targets

            enc.update(guided_targets(items, enc, prompt_len, tok, tasks))
        return dict(enc)
