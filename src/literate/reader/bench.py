"""``literate bench reader``: engines side by side on held-out rendered pages.

Pages are rendered with Pillow from the Shakespeare *test* split (plays never used for
training) in ten font families, with exact line boxes and Markdown. Each engine reads them
once per task; rows follow the contract ``{engine, model, task, word_f1, line_f1_iou50,
mean_iou, ned, nted, pages_per_s}``. The Kosmos row needs a reader: ``--model`` or the
bundled one; without either the table says so and shows Tesseract alone.
"""

from __future__ import annotations

import platform
from pathlib import Path

import torch

from literate.errors import CheckpointError
from literate.io import write_json_atomic


def run_bench(
    quick: bool,
    json_path: str,
    work: str | None = None,
    threads: int = 2,
    model: str = "bundled",
    pages: int | None = None,
) -> dict:
    import transformers
    from rich.console import Console
    from rich.table import Table

    from literate.data.render import write_page_set
    from literate.reader.evaluate import evaluate_reader
    from literate.reader.reader import Reader

    torch.set_num_threads(threads)
    n = pages or (4 if quick else 100)
    work_dir = Path(work or f"runs/bench-reader{'-quick' if quick else ''}")
    page_dir = work_dir / "pages"
    write_page_set(page_dir, n, seed=0)
    console = Console(width=140)
    readers, notes = [], []
    readers.append(Reader.from_pretrained(engine="tesseract"))
    try:
        readers.append(Reader.from_pretrained(model, engine="kosmos", batch_size=4))
    except CheckpointError as e:
        notes.append(f"kosmos row skipped: {e}")
    rows = []
    for reader in readers:
        for task in ("ocr", "md"):
            console.print(f"{reader.engine.name}: {task} on {n} pages …")
            scores = evaluate_reader(page_dir, reader, task, limit=n)
            rows.append(scores.row())
    payload = {
        "command": "literate bench reader" + (" --quick" if quick else "") + f" --json {json_path}",
        "n_pages": n,
        "pages": "Pillow-rendered, Shakespeare test split, 10 font families, 20–30 px",
        "rows": rows,
        "notes": notes,
        "machine": {
            "platform": platform.platform(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "threads": threads,
        },
    }
    write_json_atomic(Path(json_path), payload)
    table = Table(title=f"reading {n} held-out rendered pages")
    cols = ("engine", "task", "word F1", "line F1@.5", "mean IoU", "NED", "NTED", "pages/s")
    for c in cols:
        table.add_column(c, justify="right")

    def fmt(v):
        return "–" if v is None else f"{v:.3f}"

    for r in rows:
        table.add_row(
            r["engine"],
            r["task"],
            fmt(r["word_f1"]),
            fmt(r["line_f1_iou50"]),
            fmt(r["mean_iou"]),
            fmt(r["ned"]),
            fmt(r["nted"]),
            f"{r['pages_per_s']:.2f}",
        )
    console.print(table)
    for note in notes:
        console.print(note)
    console.print(f"JSON: {json_path}")
    return payload
