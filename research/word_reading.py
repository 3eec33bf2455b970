"""Can a reader read single words / short lines? Held-out snippets (test-split text, fonts
never trained on), read whole (no strips) at a given patch budget; word F1, character NED
(1 − edit distance / length of the text read vs the truth: partial reading shows here before
word F1 moves), line F1 at IoU ≥ 0.5, mean IoU, and a few readings beside the truth.

    python research/word_reading.py --model runs/reader-small/1-words --max-patches 128 \\
        [--level word] [--text shakespeare|random] [--n 200] \\
        [--json research/results/word_reading.json]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from literate.io import write_result


def write_set(out: Path, level: str, n: int, seed: int, text: str) -> None:
    from literate.data.corpora import load_corpus
    from literate.data.render import test_fonts
    from literate.data.splits import get_split
    from literate.io import write_json_atomic
    from literate.reader.train.data import SnippetDataset

    out.mkdir(parents=True, exist_ok=True)
    texts = [d.text for d in get_split(load_corpus(text), "test")]
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


def read_set(
    model: str, level: str, text: str, max_patches: int, n: int, num_beams: int = 1
) -> tuple[dict, list]:
    """(row of scores, the first 10 readings beside their truth) of ``model`` on ``n``
    held-out images of ``level`` cut from ``text`` (written to runs/ once, then reused)."""
    import time

    from literate.reader.evaluate import load_truth, score_pages
    from literate.reader.metrics import ned
    from literate.reader.reader import Reader

    suffix = "" if text == "shakespeare" else f"-{text}"
    folder = Path(f"runs/heldout-{level}{suffix}")
    write_set(folder, level, n, seed=5, text=text)
    reader = Reader.from_pretrained(
        model,
        max_patches=max_patches,
        max_new_tokens=160,
        tiling="whole",
        batch_size=8,
        num_beams=num_beams,
    )
    files = sorted(folder.glob("*.png"))[:n]
    start = time.perf_counter()
    results = reader.read(files, "ocr").results
    seconds = time.perf_counter() - start
    pairs, neds, examples = [], [], []
    for result in results:
        page, truth = result.document.pages[0], load_truth(Path(result.document.source))[0]
        pairs.append((page, truth))
        read, true = [ln.text for ln in page.lines], [ln.text for ln in truth.lines]
        neds.append(ned(" ".join(read), " ".join(true)))  # characters: finer than word F1
        if len(examples) < 10:
            examples.append({"truth": true, "read": read})
    s = score_pages(pairs, "ocr")
    row = {
        "model": model,
        "level": level + suffix,
        "max_patches": max_patches,
        "num_beams": num_beams,
        "n": len(pairs),
        "word_f1": round(s["word_f1"], 4),
        "char_ned": round(sum(neds) / len(neds), 4),
        "line_f1_iou50": round(s["line_f1_iou50"], 4),
        "mean_iou": round(s["mean_iou"], 4),
        "images_per_s": round(len(pairs) / seconds, 2),
    }
    return row, examples


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--max-patches", type=int, default=128)
    ap.add_argument("--level", default="word")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--text", default="shakespeare", help="corpus of the words, or random")
    ap.add_argument("--num-beams", type=int, default=1, help="beam search width (1: greedy)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default="research/results/word_reading.json")
    a = ap.parse_args()
    import json

    import torch

    torch.set_num_threads(a.threads)
    row, examples = read_set(a.model, a.level, a.text, a.max_patches, a.n, a.num_beams)
    print(" ".join(f"{k}={v}" for k, v in row.items()))
    for e in examples:
        print(f"  truth {e['truth']}  read {e['read']}")
    out = Path(a.json)  # one row per (model, level, patches, beams): runs of several models add up
    old = json.loads(out.read_text()) if out.is_file() else {"rows": [], "examples": {}}

    def key(r: dict) -> tuple:
        return r["model"], r["level"], r["max_patches"], r.get("num_beams", 1)

    rows = [r for r in old["rows"] if key(r) != key(row)]
    name = f"{a.model} {row['level']} {a.max_patches}" + (
        f" beams {a.num_beams}" if a.num_beams > 1 else ""
    )
    examples_by = {**old.get("examples", {}), name: examples}
    write_result(a.json, {"rows": [*rows, row], "examples": examples_by})
    cols = list(row)
    print("| " + " | ".join(cols) + " |")
    for r in [*rows, row]:
        print("| " + " | ".join(str(r.get(k, "–")) for k in cols) + " |")


if __name__ == "__main__":
    main()
