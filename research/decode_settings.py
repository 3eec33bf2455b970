"""Which decoding settings should the bundled reader ship with? Word F1 and time per page
on real validation pages, clean and scans, for beam width, batch size and int8 weights.

The real-page bench found the bundled reader 4-6x slower than Tesseract with beams of 3,
and the synthetic bench found greedy decoding 2.7x faster at -0.002 word F1. Whether that
holds on real pages, and what a larger batch of line pieces or dynamically quantised
linear layers (``torch.ao.quantization.quantize_dynamic``, int8 weights, fp32
activations) add, is measured here, every setting on the same pages in one run with
Tesseract beside them for the time ratio. The validation split only; never the test split.

    python research/decode_settings.py runs/real-pages/validation --pages 24
"""

from __future__ import annotations

import argparse
from pathlib import Path

# (label, beams, line pieces per forward pass, int8 linear layers)
SETTINGS = (
    ("beams 3, batch 16 (installed)", 3, 16, False),
    ("greedy, batch 16", 1, 16, False),
    ("greedy, batch 64", 1, 64, False),
    ("greedy, batch 16, int8", 1, 16, True),
    ("beams 3, batch 16, int8", 3, 16, True),
)


def quantise(reader) -> None:
    """Int8 weights for every ``nn.Linear`` of the reader's model, in place."""
    import torch
    from torch.ao.quantization import quantize_dynamic

    engine = reader.engine.engine if hasattr(reader.engine, "engine") else reader.engine
    engine.model = quantize_dynamic(engine.model, {torch.nn.Linear}, dtype=torch.qint8)


def main() -> None:
    import torch
    from rich.console import Console
    from rich.table import Table

    from literate.io import write_result
    from literate.reader.bench_real import _dpi, score_folder
    from literate.reader.reader import Reader

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", type=Path, help="a `literate data real-pages` validation folder")
    ap.add_argument("--pages", type=int, default=24, help="pages per set, spread over the set")
    ap.add_argument("--model", default="bundled")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default="research/results/decode_settings.json")
    args = ap.parse_args()
    if "test" in args.folder.name:
        ap.error("decode settings are chosen on the validation split, not the test split")
    torch.set_num_threads(args.threads)
    dpi, console, rows = _dpi(args.folder), Console(width=140), []
    for set_name in ("clean", "degraded"):
        tess = Reader.from_pretrained(None, "tesseract", dpi=dpi)
        console.print(f"tesseract on {set_name} …")
        rows.append({**score_folder(tess, args.folder / set_name, args.pages), "set": set_name,
                     "setting": "tesseract"})  # fmt: skip
        for label, beams, batch, int8 in SETTINGS:
            reader = Reader.from_pretrained(
                args.model, "kosmos", dpi=dpi, num_beams=beams, batch_size=batch
            )
            if int8:
                quantise(reader)
            console.print(f"{label} on {set_name} …")
            row = score_folder(reader, args.folder / set_name, args.pages)
            rows.append({**row, "set": set_name, "setting": label, "num_beams": beams,
                         "batch_size": batch, "int8": int8})  # fmt: skip
    for r in rows:
        base = next(t for t in rows if t["setting"] == "tesseract" and t["set"] == r["set"])
        r["time_per_page_vs_tesseract"] = r["seconds_per_page"] / base["seconds_per_page"]
    cmd = "python research/decode_settings.py " + " ".join(
        [str(args.folder), "--pages", str(args.pages), "--model", args.model]
    )
    write_result(args.json, {"folder": str(args.folder), "threads": args.threads, "rows": rows},
                 cmd)  # fmt: skip
    table = Table(title=f"decode settings on {args.folder} ({args.pages} pages a set)")
    for c in ("setting", "set", "pages", "word F1", "line F1@.5", "s/page", "× Tess."):
        table.add_column(c, justify="right")
    for r in rows:
        table.add_row(r["setting"], r["set"], str(r["pages"]), f"{r['word_f1']:.3f}",
                      f"{r['line_f1_iou50']:.3f}", f"{r['seconds_per_page']:.2f}",
                      f"{r['time_per_page_vs_tesseract']:.2f}")  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    main()
