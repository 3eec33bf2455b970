"""Can a reader read single words / short lines? Held-out snippets (test-split text, fonts
never trained on), read whole (no strips) at a given patch budget; word F1, line F1 at
IoU ≥ 0.5, mean IoU, and a few readings side by side with the truth.

    python benchmarks/reader_word_reading.py --model runs/reader-small/1-words --max-patches 128 \\
        [--level word] [--n 200] [--json benchmarks/results/reader_word_reading.json]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import write_json  # noqa: E402


def write_set(out: Path, level: str, n: int, seed: int) -> None:
    from literate.data.corpora import load_corpus
    from literate.data.render import test_fonts
    from literate.data.splits import get_split
    from literate.io import write_json_atomic
    from literate.reader.data import SnippetDataset

    out.mkdir(parents=True, exist_ok=True)
    texts = [d.text for d in get_split(load_corpus("shakespeare"), "test")]
    data = SnippetDataset(texts, n, seed, fonts=test_fonts(), level=level)
    for i in range(n):
        path = out / f"s-{i:04d}.png"
        if path.is_file():
            continue
        item = data[i]
        w, h = item["image"].size
        lines = [{"text": ln.text, "bbox": list(ln.bbox)} for ln in item["lines"]]
        write_json_atomic(
            path.with_suffix(".json"),
            {"pages": [{"page": 1, "width": w, "height": h, "lines": lines}]},
        )
        item["image"].save(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--max-patches", type=int, default=128)
    ap.add_argument("--level", default="word")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default="benchmarks/results/reader_word_reading.json")
    a = ap.parse_args()
    import json

    import torch

    from literate.reader.evaluate import evaluate_reader
    from literate.reader.reader import Reader

    torch.set_num_threads(a.threads)
    folder = Path(f"runs/heldout-{a.level}")
    write_set(folder, a.level, a.n, seed=5)
    reader = Reader.from_pretrained(
        a.model, max_patches=a.max_patches, max_new_tokens=160, strips=False, batch_size=8
    )
    s = evaluate_reader(folder, reader, "ocr", limit=a.n)
    examples = []
    for result in reader.read(sorted(folder.glob("*.png"))[:10], "ocr").results:
        truth = json.loads(Path(result.document.source).with_suffix(".json").read_text())
        examples.append(
            {
                "truth": [ln["text"] for ln in truth["pages"][0]["lines"]],
                "read": [ln.text for ln in result.document.pages[0].lines],
            }
        )
    row = {
        "model": a.model,
        "level": a.level,
        "max_patches": a.max_patches,
        "n": s.n_pages,
        "word_f1": round(s.word_f1, 4),
        "line_f1_iou50": round(s.line_f1_iou50, 4),
        "mean_iou": round(s.mean_iou, 4),
        "images_per_s": round(s.pages_per_s, 2),
    }
    print(" ".join(f"{k}={v}" for k, v in row.items()))
    for e in examples:
        print(f"  truth {e['truth']}  read {e['read']}")
    out = Path(a.json)  # one row per (model, level, patches): runs of several models add up
    old = json.loads(out.read_text()) if out.is_file() else {"rows": [], "examples": {}}
    key = (row["model"], row["level"], row["max_patches"])
    rows = [r for r in old["rows"] if (r["model"], r["level"], r["max_patches"]) != key]
    examples_by = {**old.get("examples", {}), f"{a.model} {a.level} {a.max_patches}": examples}
    write_json(a.json, {"rows": [*rows, row], "examples": examples_by})
    print("| model | level | patches | n | word F1 | line F1 | mean IoU | images/s |")
    for r in [*rows, row]:
        print("| " + " | ".join(str(r[k]) for k in row) + " |")


if __name__ == "__main__":
    main()
