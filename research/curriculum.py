"""Does a curriculum (words → lines → snippets) train a reader faster than snippets alone?

Same model (tiny config, from scratch, our initialisation), same optimiser settings, same
total steps and batch; only the order of difficulty differs. Both final models are scored
on the same held-out snippets (test-split text, fonts never trained on): answer loss with
the right image, the right-vs-mismatched-image gap, and word F1 / line F1 when reading.

    python research/curriculum.py [--steps 1200] [--json FILE]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from literate.io import write_result

PLANS = {
    "snippets only": [("snippet", 1.0)],
    "words → lines → snippets": [("word", 1 / 3), ("line", 1 / 3), ("snippet", 1 / 3)],
}


def run_plan(name: str, stages, steps: int, work: Path, threads: int) -> Path:
    from literate.reader.train.trainer import ReaderTrainConfig, train_reader

    base = "scratch:tiny"
    for i, (level, share) in enumerate(stages):
        out = work / f"{name.split()[0]}-{i}-{level}"
        n = round(steps * share)
        cfg = ReaderTrainConfig(
            out=str(out), base=base, level=level, coordinate_bins=256, lr=1e-3,
            warmup_steps=min(50, n // 5), max_steps=n, eval_steps=n, save_steps=n,
            train_samples=8 * n, batch_size=8, threads=threads, resume=True,
        )  # fmt: skip
        train_reader(cfg)
        base = str(out)
    return Path(base)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--snippets", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default="runs/bench-curriculum")
    ap.add_argument("--json", default="research/results/curriculum.json")
    a = ap.parse_args()
    from literate.reader.bench import snippet_image_gap, write_snippet_set
    from literate.reader.evaluate import evaluate_reader
    from literate.reader.reader import Reader

    work = Path(a.work)
    snips = write_snippet_set(work / "held-out-snippets", a.snippets, seed=1)
    rows = []
    for name, stages in PLANS.items():
        model = run_plan(name, stages, a.steps, work, a.threads)
        reader = Reader.from_pretrained(str(model), max_new_tokens=160)
        gap = snippet_image_gap(reader.engine, snips, a.snippets)
        scores = evaluate_reader(snips, reader, "ocr")
        rows.append(
            {
                "plan": name,
                "steps": a.steps,
                "loss_right": round(gap["loss_right"], 4),
                "image_gap": round(gap["image_gap"], 4),
                "word_f1": round(scores.word_f1, 4),
                "line_f1_iou50": round(scores.line_f1_iou50, 4),
            }
        )
    print(f"{'plan':28} {'loss':>7} {'gap':>7} {'word F1':>8} {'line F1':>8}")
    for r in rows:
        print(
            f"{r['plan']:28} {r['loss_right']:>7.3f} {r['image_gap']:>7.3f}"
            f" {r['word_f1']:>8.3f} {r['line_f1_iou50']:>8.3f}"
        )
    write_result(a.json, {"model": "tiny (0.48 M parameters)", "rows": rows})


if __name__ == "__main__":
    main()
