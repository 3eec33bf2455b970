"""Can the vision encoder tell the glyphs apart at all? The encoder alone, trained only on
the dense glyph loss (``literate.reader.glyphs``: the character each patch sees, from the
renderer's glyph cells), on held-out one-word random strings.

Arms: start (``default`` = transformers', ``literate``, ``positional``, ``local`` =
positional + encoder heads that start as neighbour lookups), patch budget (128:
the word stage's, glyphs ≈ 2–3 patches wide; 32: ≈ 1 patch, as in page strips), size,
learning rate (default ``--lr``). ≈ 13 minutes here.
Reported: held-out accuracy on glyph patches (chance ≈ 1/90) at a few step counts.

    python research/glyph_probe.py [--steps 1500] [--arms small:local:32:1e-3 ...] \\
        [--json research/results/glyph_probe.json]
"""

from __future__ import annotations

import argparse
import time

from literate.io import write_result

ARMS = [  # size:init:max_patches[:lr]
    "tiny:default:128",
    "tiny:default:32",
    "tiny:default:32:3e-3",
    "small:default:32",
    "small:positional:32",
    "small:positional:32:3e-3",
    "small:local:32",
]


def probe(arm: str, steps: int, batch_size: int, lr: float, seed: int = 0) -> dict:
    import torch

    from literate.reader.model.tiny import build_reader
    from literate.reader.train.aids.glyphs import GlyphHead, glyph_loss, vision_module
    from literate.reader.train.aids.image_signal import init_reader
    from literate.reader.train.aids.positional import positional_start
    from literate.reader.train.collator import ReaderCollator
    from literate.reader.train.trainer import ReaderTrainConfig, datasets

    size, init, patches, *rate = arm.split(":")
    patches, lr = int(patches), float(rate[0]) if rate else lr
    torch.manual_seed(seed)
    model, proc = build_reader(None, size, coordinate_bins=1024, seed=seed)
    cfg = ReaderTrainConfig(
        out="unused", level="word", text="random", eval_samples=64, seed=seed,
        train_samples=steps * batch_size,
    )  # fmt: skip
    train, val = datasets(cfg, patches)
    collate = ReaderCollator(proc, patches, "ocr", glyph_labels=True)
    if init != "default":
        init_reader(model, seed)
    if init in ("positional", "local"):
        sample = collate([train[i] for i in range(32)])["flattened_patches"]
        positional_start(model, sample, seed, neighbours=init == "local")
    vision = vision_module(model).train()
    head = GlyphHead(vision.config.hidden_size)
    params = list(vision.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    held = collate([val[i] for i in range(len(val))])

    def accuracy() -> float:
        vision.eval()
        with torch.no_grad():
            hidden = vision(held["flattened_patches"]).last_hidden_state
        vision.train()
        return round(glyph_loss(head, hidden, held["glyph_labels"])[1], 4)

    curve, start = [{"step": 0, "glyph_accuracy": accuracy()}], time.perf_counter()
    marks = {steps // 3, 2 * steps // 3, steps}
    for step in range(1, steps + 1):
        b = collate([train[(step - 1) * batch_size + j] for j in range(batch_size)])
        hidden = vision(b["flattened_patches"]).last_hidden_state
        loss, _ = glyph_loss(head, hidden, b["glyph_labels"])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if step in marks:
            curve.append({"step": step, "glyph_accuracy": accuracy()})
            print(f"{arm:24s} step {step:5d}  glyph accuracy {curve[-1]['glyph_accuracy']:.3f}")
    return {
        "arm": arm, "size": size, "init": init, "max_patches": patches, "steps": steps,
        "batch_size": batch_size, "lr": lr, "seconds": round(time.perf_counter() - start, 1),
        "curve": curve,
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arms", nargs="+", default=ARMS, help="size:init:max_patches[:lr]")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--json", default="research/results/glyph_probe.json")
    args = ap.parse_args()
    rows = [probe(a, args.steps, args.batch_size, args.lr) for a in args.arms]
    print(f"\n{'arm':24s} " + " ".join(f"{c['step']:>7d}" for c in rows[0]["curve"]) + "  seconds")
    for r in rows:
        accs = " ".join(f"{c['glyph_accuracy']:7.3f}" for c in r["curve"])
        print(f"{r['arm']:24s} {accs} {r['seconds']:8.1f}")
    write_result(args.json, {"rows": rows})


if __name__ == "__main__":
    main()
