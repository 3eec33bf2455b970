"""Does the image reach the decoder? transformers' default initialisation vs ours
(``literate.reader.train.aids.image_signal.init_reader``), with and without the lower
visual learning rate.

Two tasks, tiny config (0.48 M parameters), from scratch, same seed and data per arm:
- ``digit``: name the one rendered digit in a 96×96 image (10 classes, chance 0.10) — the
  minimal task of the feasibility note (docs/reader-training.md, "The image signal");
  custom loop, AdamW lr 2e-3;
- ``train reader``: ``literate train reader`` on one-word and on multi-line snippets.
Reported: the held-out loss with the right image vs with another example's image (the
gap is 0 when the decoder ignores the image) and, for digits, accuracy.

    python research/image_signal.py [--json research/results/image_signal.json]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from literate.io import write_result

ARMS = [("default", 1.0), ("default", 0.25), ("literate", 1.0), ("literate", 0.25)]


def digit_images(n: int, rng: random.Random) -> tuple[list, list[int]]:
    """``n`` 96×96 images of one rendered digit each (two fonts, shifted) and the digits."""
    from PIL import Image, ImageDraw

    from literate.data.render import font

    fonts = [font("dejavu-sans", 56), font("liberation-serif", 56)]
    ims, ys = [], []
    for _ in range(n):
        d = rng.randrange(10)
        im = Image.new("RGB", (96, 96), "white")
        xy = (rng.randint(15, 40), rng.randint(0, 20))
        ImageDraw.Draw(im).text(xy, str(d), font=rng.choice(fonts), fill="black")
        ims.append(im)
        ys.append(d)
    return ims, ys


def digit_setup(init: str, seed: int = 0):
    """A tiny reader under start ``init`` (default | literate | positional |
    positional-noemb, the last without ``signal.init_embeddings``) and ``batch(n, rng)`` →
    (processor inputs, digits) for the digit task."""
    import torch

    from literate.reader.model.tiny import build_reader
    from literate.reader.train.aids.image_signal import init_reader
    from literate.reader.train.aids.positional import positional_start

    model, proc = build_reader(None, "tiny", coordinate_bins=64, seed=seed)

    def batch(n, rng):
        ims, ys = digit_images(n, rng)
        enc = proc(text=[""] * n, images=ims, return_tensors="pt", max_patches=64)
        enc.pop("width"), enc.pop("height")
        return dict(enc), torch.tensor(ys)

    if init != "default":
        init_reader(model, seed)
    if init.startswith("positional"):
        fp = batch(64, random.Random(7))[0]["flattened_patches"]
        positional_start(model, fp, seed, embeddings=init == "positional")
    return model, proc, batch


def digit_run(init: str, visual_scale: float, steps: int, seed: int = 0) -> dict:
    import torch
    from torch.nn import functional as F

    from literate.reader.train.aids.image_signal import param_groups

    model, proc, batch = digit_setup(init, seed)
    tok = proc.tokenizer
    digits = torch.tensor([tok.convert_tokens_to_ids(str(i)) for i in range(10)])

    def logits(enc):
        return model(**enc).logits[:, -1, digits]  # the token after </image>

    rng, val = random.Random(seed), batch(200, random.Random(123))
    opt = torch.optim.AdamW(param_groups(model, 2e-3, visual_scale, 0.01), lr=2e-3)
    curve = []
    model.train()
    for step in range(1, steps + 1):
        enc, y = batch(32, rng)
        loss = F.cross_entropy(logits(enc), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0:
            model.eval()
            with torch.no_grad():
                enc, y = val
                right = logits(enc)
                wrong = logits(dict(enc, flattened_patches=enc["flattened_patches"].roll(1, 0)))
                r, w = F.cross_entropy(right, y).item(), F.cross_entropy(wrong, y).item()
                acc = (right.argmax(-1) == y).float().mean().item()
            model.train()
            curve.append({"step": step, "accuracy": acc, "gap": round(w - r, 4)})
    return {"task": "digit", "init": init, "visual_lr_scale": visual_scale, "curve": curve}


def reader_run(init: str, visual_scale: float, level: str, steps: int, work: Path) -> dict:
    from literate.reader.train.trainer import ReaderTrainConfig, train_reader

    out = work / f"{level}-{init}-{visual_scale}"
    cfg = ReaderTrainConfig(
        out=str(out), level=level, coordinate_bins=256, lr=1e-3, warmup_steps=50,
        max_steps=steps, eval_steps=steps // 4, save_steps=steps, train_samples=8 * steps,
        batch_size=8, init=init, visual_lr_scale=visual_scale,
    )  # fmt: skip
    summary = train_reader(cfg)
    curve = [
        {
            "step": h["step"],
            "loss": round(h["eval_loss_right"], 4),
            "gap": round(h["eval_image_gap"], 4),
        }
        for h in summary["image_gap_curve"]
    ]
    return {"task": f"train reader --level {level}", "init": init, "visual_lr_scale": visual_scale,
            "curve": curve, "seconds": round(summary["seconds"], 1)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--digit-steps", type=int, default=400)
    ap.add_argument("--reader-steps", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default="runs/bench-image-signal")
    ap.add_argument("--json", default="research/results/image_signal.json")
    a = ap.parse_args()
    import torch

    torch.set_num_threads(a.threads)
    rows = [digit_run(i, s, a.digit_steps) for i, s in ARMS]
    for level in ("word", "snippet"):
        for init, scale in ARMS if level == "word" else [("default", 0.25), ("literate", 0.25)]:
            rows.append(reader_run(init, scale, level, a.reader_steps, Path(a.work)))
    print(f"{'task':30} {'init':9} {'vis lr':>6}  gap (accuracy) per evaluation")
    for r in rows:
        pts = " ".join(
            f"{p['gap']:.3f}" + (f" ({p['accuracy']:.2f})" if "accuracy" in p else "")
            for p in r["curve"]
        )
        print(f"{r['task']:30} {r['init']:9} {r['visual_lr_scale']:>6}  {pts}")
    write_result(a.json, {"model": "tiny (0.48 M parameters)", "rows": rows})


if __name__ == "__main__":
    main()
