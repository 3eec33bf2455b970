"""Which scan degradations cost the bundled reader its words? Per-page word F1 on real
validation pages, clean and through the scan simulator, by simulator setting.

Each degraded page's truth JSON records the simulator's draw (dpi, rotation, blur, noise,
JPEG quality, binarisation, paper, shadow, bleed-through). Reading the same pages clean and
degraded, with the bundled reader and with Tesseract, shows where the reader loses more
than Tesseract does: the factor to train or pre-process for. The validation split only;
never the test split.

    python research/scan_factors.py runs/real-pages/validation --every 4
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from literate.io import write_result
from literate.reader.bench_real import normalise_lines
from literate.reader.evaluate import Truth, load_truth, score_pages

# (name, test on the scan's record): a page is in the bucket when the test holds.
BUCKETS = (
    ("dpi < 150", lambda s: s["dpi"] < 150),
    ("dpi >= 200", lambda s: s["dpi"] >= 200),
    ("|rotation| > 1.5", lambda s: abs(s["rotation"]) > 1.5),
    ("blur > 1", lambda s: s["blur"] > 1.0),
    ("noise > 10", lambda s: s["noise"] > 10),
    ("jpeg < 60", lambda s: s["jpeg"] < 60),
    ("binarised", lambda s: bool(s["binarised"])),
    ("bleed-through", lambda s: bool(s["bleed"])),
    ("shadow", lambda s: bool(s["shadow"])),
)


def page_scores(reader, files: list[Path]) -> list[float]:
    """Word F1 of each page, text normalised as the real-page bench normalises it."""
    run = reader.read(files, "ocr")
    by_source = {Path(r.document.source).name: r.document.pages[0] for r in run.results}
    out = []
    for f in files:
        page, truth = by_source.get(f.name), load_truth(f)
        if page is None or not truth:
            out.append(0.0)  # an unread page reads no word
            continue
        page.lines = normalise_lines(page.lines)
        pair = (page, Truth(normalise_lines(truth[0].lines or []), None))
        out.append(score_pages([pair], "ocr").get("word_f1", 0.0))
    return out


def probe_args(doc: str, json_default: str) -> argparse.ArgumentParser:
    """The options the scan probes share."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("folder", type=Path, help="a `literate data real-pages` validation folder")
    ap.add_argument("--every", type=int, default=4, help="every N-th page (sorted by name)")
    ap.add_argument("--model", default="bundled")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default=json_default)
    return ap


def sampled_scans(folder: Path, every: int) -> tuple[list[str], list[dict]]:
    """Every ``every``-th degraded page's name (sorted) and the simulator's draw for it."""
    names = sorted(p.name for p in (folder / "degraded").glob("*.png"))[::every]
    scans = [json.loads((folder / "degraded" / n).with_suffix(".json").read_text())["scan"]
             for n in names]  # fmt: skip
    return names, scans


def main() -> None:
    import torch

    from literate.reader.reader import Reader

    args = probe_args(__doc__, "research/results/scan_factors.json").parse_args()
    torch.set_num_threads(args.threads)
    names, scans = sampled_scans(args.folder, args.every)
    scores = {}
    for engine, model in (("kosmos", args.model), ("tesseract", None)):
        reader = Reader.from_pretrained(model, engine=engine, dpi=150)
        for part in ("clean", "degraded"):
            files = [args.folder / part / n for n in names]
            key = f"{engine}/{part}"
            scores[key] = page_scores(reader, files)
            print(f"{key}: mean page word F1 {statistics.mean(scores[key]):.3f}")
    rows = []
    for name, test in (("all", lambda s: True), *BUCKETS):
        idx = [i for i, s in enumerate(scans) if test(s)]
        if not idx:
            continue
        row = {"bucket": name, "n": len(idx)}
        for key, vals in scores.items():
            row[key] = statistics.mean(vals[i] for i in idx)
        row["kosmos_drop"] = row["kosmos/clean"] - row["kosmos/degraded"]
        row["tesseract_drop"] = row["tesseract/clean"] - row["tesseract/degraded"]
        rows.append(row)
        print(f"{name:18} n={len(idx):2}  kosmos {row['kosmos/clean']:.3f} -> "
              f"{row['kosmos/degraded']:.3f}  tesseract {row['tesseract/clean']:.3f} -> "
              f"{row['tesseract/degraded']:.3f}")  # fmt: skip
    pages = [{"page": n, "scan": s, **{k: v[i] for k, v in scores.items()}}
             for i, (n, s) in enumerate(zip(names, scans, strict=True))]  # fmt: skip
    write_result(
        args.json, {"model": args.model, "every": args.every, "rows": rows, "pages": pages}
    )


if __name__ == "__main__":
    main()
