"""Where is a rendered glyph learnt slowly, and does the positional start help?

Tiny config (0.48 M parameters), the digit task of ``reader_image_signal.py`` (name the one
digit rendered in a 96×96 image; 10 classes, chance 0.10), same seed and data per arm:

- ``probe``: vision encoder + resampler + a linear head on the latents, trained directly
  (no decoder): how fast the visual side alone can learn the digit;
- ``decoder``: the whole reader, the digit read as the first answer token, as in training.

Starts: ``literate`` (``signal.init_reader``: latents mean-pool the image), ``positional-
noemb`` (+ ``positional.init_positional``: each latent pools its own cell) and
``positional`` (+ ``signal.init_embeddings``: token embeddings at fairseq's std d^-0.5),
each at visual learning rate × 1 and × 0.25. Accuracy on 200 held-out digits every 100
steps.

    python research/positional.py [--steps 1000] \\
        [--json research/results/positional.json]
"""

from __future__ import annotations

import argparse
import random
import time

from image_signal import digit_run, digit_setup

from literate.io import write_result

STARTS = ("literate", "positional-noemb", "positional")


def probe_run(init: str, steps: int, seed: int = 0) -> dict:
    import torch
    from torch.nn import functional as F

    model, _, digit_batch = digit_setup(init, seed)

    def batch(n, rng):
        enc, ys = digit_batch(n, rng)
        return enc["flattened_patches"], ys

    p = model.image_to_text_projection
    head = torch.nn.Linear(p.latent_query.numel(), 10)
    visual = list(model.vision_model.parameters()) + list(p.parameters())
    opt = torch.optim.AdamW(
        [{"params": visual}, {"params": head.parameters()}], lr=2e-3, weight_decay=0.01
    )

    def logits(fp):
        feats = model.vision_model(flattened_patches=fp).last_hidden_state
        latents, _ = p(F.normalize(feats, dim=-1))
        return head(latents.flatten(1))

    rng, val = random.Random(seed), batch(200, random.Random(123))
    curve = []
    for step in range(1, steps + 1):
        fp, y = batch(32, rng)
        loss = F.cross_entropy(logits(fp), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0:
            with torch.no_grad():
                acc = (logits(val[0]).argmax(-1) == val[1]).float().mean().item()
            curve.append({"step": step, "accuracy": acc})
    return {"path": "probe", "init": init, "visual_lr_scale": 1.0, "curve": curve}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default="research/results/positional.json")
    a = ap.parse_args()
    import torch

    torch.set_num_threads(a.threads)
    rows = []
    for init in ("literate", "positional"):
        start = time.perf_counter()
        rows.append(probe_run(init, a.steps) | {"seconds": time.perf_counter() - start})
    for init in STARTS:
        for scale in (1.0, 0.25):
            start = time.perf_counter()
            run = digit_run(init, scale, a.steps)
            rows.append(run | {"path": "decoder", "seconds": time.perf_counter() - start})
    marks = [s for s in (100, 300, 500, 1000, 2000) if s <= a.steps]
    print(f"{'path':8} {'start':17} {'vis lr':>6}  " + " ".join(f"{m:>6}" for m in marks))
    for r in rows:
        acc = {p["step"]: p["accuracy"] for p in r["curve"]}
        print(
            f"{r['path']:8} {r['init']:17} {r['visual_lr_scale']:>6}  "
            + " ".join(f"{acc.get(m, float('nan')):6.2f}" for m in marks)
        )
    write_result(a.json, {"model": "tiny (0.48 M parameters)", "task": "digit", "rows": rows})


if __name__ == "__main__":
    main()
