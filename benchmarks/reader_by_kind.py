"""Scores of one engine on the held-out data-engine pages, per source kind (table, form,
receipt, scene, readme, ...): where an engine's line F1 or Markdown structure is lost.

    python benchmarks/reader_by_kind.py [--engine tesseract] [--pages DIR]

DIR defaults to the pages `literate bench reader` writes (rendered there if missing).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from literate.io import write_result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default="tesseract")
    ap.add_argument("--model", default=None)
    ap.add_argument("--pages", default="runs/bench-reader/held-out-pages")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--json", default="benchmarks/results/reader_by_kind_tesseract.json")
    ap.add_argument("--num-beams", type=int, default=None, help="kosmos (default: checkpoint's)")
    a = ap.parse_args()

    from literate.data.pages import write_dataset
    from literate.reader.evaluate import load_truth, score_pages
    from literate.reader.reader import Reader

    folder = Path(a.pages)
    write_dataset(folder, a.n, 0, "test", 150, False, workers=2)  # as bench reader; resumes
    files = sorted(folder.glob("*.png"))[: a.n]
    reader = Reader.from_pretrained(a.model, engine=a.engine, num_beams=a.num_beams)
    by_kind: dict[str, list] = defaultdict(list)
    for result in reader.read(files, "both").results:
        src = Path(result.document.source)
        source = json.loads(src.with_suffix(".json").read_text())["source"].split(":")
        kind = source[1] if source[0] == "generated" else source[0]
        by_kind[kind] += list(zip(result.document.pages, load_truth(src) or [], strict=False))
    rows = []
    for kind, pairs in sorted(by_kind.items()):
        s = score_pages(pairs, "both")
        rows.append({"kind": kind, "n_pages": len(pairs), **{k: round(v, 4) for k, v in s.items()}})
    beams = getattr(reader.engine, "num_beams", None)
    write_result(a.json, {"engine": reader.engine.model_name, "num_beams": beams, "rows": rows})
    cols = ("kind", "n_pages", "word_f1", "line_f1_iou50", "mean_iou", "ned", "nted")
    print("| " + " | ".join(cols) + " |")
    for r in rows:
        print("| " + " | ".join(str(r.get(c)) for c in cols) + " |")


if __name__ == "__main__":
    main()
