"""``literate bench reader --set real``: every engine on held-out real pages, side by side.

The pages come from ``literate data real-pages`` (PDFs that real typesetters made, truth from
their own text layers), each page twice: ``clean`` (rendered at the set's dpi) and
``degraded`` (through the scan simulator). Engines, in one run on the same pages: Tesseract,
a Kosmos-2.5 reader (default: the bundled one), ``pdf`` and ``auto`` on the pages' own PDFs
(clean) and ``auto`` on the scans (where it has only pixels). Text is NFKC-normalised with
quotes and dashes folded before scoring, so a typographic quote is not a misread. Time per
page is a ratio to Tesseract's on the same set, measured in the same run.

Settings and checkpoints are chosen on the validation split; the test split is measured
once per installed checkpoint (the JSON records which split it measured).
"""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

from literate.errors import CheckpointError, InputNotFoundError
from literate.io import command_of, write_result
from literate.lines import Line
from literate.reader.evaluate import load_truth, score_pages

FOLD = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
     "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
     "\u00ad": None}
)  # fmt: skip
SETS = ("clean", "degraded")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(FOLD)


def normalise_lines(lines: list[Line]) -> list[Line]:
    """Lines with their text ``normalise``d, boxes as they are."""
    return [Line(normalise(ln.text), ln.bbox) for ln in lines]


def spread(files: list, limit: int | None) -> list:
    """At most ``limit`` of ``files``, evenly spaced (so a subset spans the documents that
    the names sort by, not the first few of them)."""
    if not limit or limit >= len(files):
        return files
    return [files[i * len(files) // limit] for i in range(limit)]


def score_folder(reader, folder: Path, limit: int | None = None) -> dict:
    """Read every page image (or PDF) with truth beside it in ``folder`` and score it."""
    from literate.reader.documents import collect_inputs
    from literate.reader.evaluate import Truth

    files = [f for f, _ in collect_inputs([folder])[0] if load_truth(f) is not None]
    files = spread(sorted(files), limit)
    if not files:
        raise InputNotFoundError(f"{folder}: no pages with truth (`literate data real-pages`)")
    start = time.perf_counter()
    run = reader.read(files, "ocr")
    seconds = time.perf_counter() - start
    pairs, read_by = [], {}
    for result in run.results:
        truths = load_truth(Path(result.document.source)) or []
        for page, truth in zip(result.document.pages, truths, strict=False):
            page.lines = normalise_lines(page.lines)
            pairs.append((page, Truth(normalise_lines(truth.lines or []), None)))
            read_by[page.read_by] = read_by.get(page.read_by, 0) + 1
    scores = score_pages(pairs, "ocr")
    return {
        "engine": reader.engine.name,
        "model": reader.engine.model_name,
        "pages": len(pairs),
        "errors": len(run.errors),
        "read_by": read_by,
        "seconds": seconds,
        "seconds_per_page": seconds / max(1, len(pairs)),
        **{k: scores.get(k) for k in ("word_f1", "line_f1_iou50", "mean_iou")},
    }


def run_real_bench(
    folder: str | Path,
    json_path: str,
    split: str,
    model: str = "bundled",
    threads: int = 2,
    limit: int | None = None,
    num_beams: int | None = None,
) -> dict:
    import torch
    from rich.console import Console
    from rich.table import Table

    from literate.reader.reader import Reader

    torch.set_num_threads(threads)
    folder = Path(folder)
    console = Console(width=140)
    plan = [("tesseract", None, s, s) for s in SETS]
    plan += [("pdf", None, "clean", "pdf"), ("auto", None, "clean", "pdf")]
    plan += [("auto", None, "degraded", "degraded")]
    plan += [("kosmos", model, s, s) for s in SETS]
    rows, notes = [], []
    for engine, mdl, set_name, sub in plan:
        try:
            kwargs = {"num_beams": num_beams} if engine == "kosmos" and num_beams else {}
            reader = Reader.from_pretrained(mdl, engine=engine, dpi=_dpi(folder), **kwargs)
        except CheckpointError as e:
            notes.append(f"{engine} skipped: {e}")
            continue
        console.print(f"{engine} on {set_name} ({sub}/) …")
        rows.append({**score_folder(reader, folder / sub, limit), "set": set_name})
    for r in rows:
        base = next(t for t in rows if t["engine"] == "tesseract" and t["set"] == r["set"])
        r["time_per_page_vs_tesseract"] = r["seconds_per_page"] / base["seconds_per_page"]
    manifest = _manifest(folder)
    payload = {
        "split": split,
        "folder": str(folder),
        "documents": len(manifest.get("documents", [])),
        "producers": manifest.get("producers", []),
        "pages_per_set": {s: next((r["pages"] for r in rows if r["set"] == s), 0) for s in SETS},
        "normalisation": "NFKC, quotes and dashes folded, soft hyphens dropped",
        "threads": threads,
        "rows": rows,
        "notes": notes,
    }
    cmd = command_of(
        "bench reader", set="real", split=split, model=model, num_beams=num_beams, json=json_path
    )
    payload = write_result(json_path, payload, cmd)
    table = Table(title=f"real pages ({split} split): {payload['documents']} documents")
    for c in ("engine", "set", "pages", "word F1", "line F1@.5", "mean IoU", "s/page", "× Tess."):
        table.add_column(c, justify="right")
    for r in rows:
        table.add_row(
            r["engine"],
            r["set"],
            str(r["pages"]),
            *(f"{r[k]:.3f}" if r[k] is not None else "–" for k in ("word_f1", "line_f1_iou50")),
            f"{r['mean_iou']:.3f}" if r["mean_iou"] is not None else "–",
            f"{r['seconds_per_page']:.2f}",
            f"{r['time_per_page_vs_tesseract']:.2f}",
        )
    console.print(table)
    return payload


def _manifest(folder: Path) -> dict:
    import json

    path = folder / "manifest.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _dpi(folder: Path) -> int:
    return int(_manifest(folder).get("dpi", 150))
