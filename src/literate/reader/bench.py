"""``literate bench reader``: engines side by side on the held-out split.

Two held-out sets, both in the two font families never used for training
(``render.TEST_FONTS``) and from documents of the *test* split only:
- pages from the data engine (``literate.data.pages``: Shakespeare scenes, READMEs and
  generated tables, lists, forms, receipts …; 150 dpi, no augmentation), scored on both
  tasks from one reading pass (OCR lines → word/line F1, IoU; Markdown → NED, NTED);
- Pillow-rendered snippets of 1–4 lines, scored on OCR.
Rows follow ``{engine, model, task, word_f1, line_f1_iou50, mean_iou, ned, nted,
pages_per_s}`` plus ``set``; the Kosmos row's image-signal diagnostic (right- vs
mismatched-image loss on held-out snippets) is reported beside them. The Kosmos row needs a
reader: ``--model`` or the bundled one; without either the table says so.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

from literate.errors import CheckpointError
from literate.io import (
    atomic_output,
    command_of,
    write_json_atomic,
    write_result,
    write_text_atomic,
)


def write_snippet_set(out: str | Path, n: int, seed: int = 0) -> Path:
    """``n`` held-out snippets (test-split text, test fonts) in the eval layout; resumable."""
    from literate.data.corpora import load_corpus
    from literate.data.render import test_fonts
    from literate.data.splits import get_split
    from literate.reader.train.data import SnippetDataset

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = None
    for i in range(n):
        path = out / f"snippet-{i:04d}.png"
        if path.is_file():
            continue
        if data is None:
            texts = [d.text for d in get_split(load_corpus("shakespeare"), "test")]
            data = SnippetDataset(texts, n, seed, fonts=test_fonts(), level="snippet")
        item = data[i]
        lines = [{"text": ln.text, "bbox": list(ln.bbox)} for ln in item["lines"]]
        w, h = item["image"].size
        write_json_atomic(
            path.with_suffix(".json"),
            {"pages": [{"page": 1, "width": w, "height": h, "lines": lines}]},
        )
        write_text_atomic(path.with_suffix(".md"), item["markdown"] + "\n")
        with atomic_output(path) as tmp:
            item["image"].save(tmp, format="PNG")
    return out


def page_set_record(page_dir: Path) -> dict:
    """What the held-out pages are made of, so runs on two machines can be compared: the
    README pages come from the ``readmes`` corpus, which depends on the installed packages
    and on ``literate data fetch-readmes`` (without its wheels the set has other pages)."""
    import hashlib
    import json

    from literate.data.corpora import readme_cache_dir, readmes

    digest, kinds = hashlib.sha1(), {}
    for truth in sorted(page_dir.glob("page-*.json")):
        digest.update(truth.read_bytes())
        source = json.loads(truth.read_text())["source"].split(":")
        kind = source[1] if source[0] == "generated" else source[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    return {
        "sources": dict(sorted(kinds.items())),
        "truth_sha1": digest.hexdigest(),
        "readme_documents": len(readmes()),
        "readme_wheels": len(list(readme_cache_dir().glob("*.whl"))),
    }


def snippet_image_gap(engine, folder: Path, n: int = 32) -> dict[str, float]:
    """The image-signal diagnostic of a Kosmos engine's model on held-out snippets."""
    from literate.reader.train.aids.image_signal import image_gap
    from literate.reader.train.collator import ReaderCollator
    from literate.reader.train.data import PageFolderDataset
    from literate.reader.train.trainer import coordinate_bins

    data = PageFolderDataset(folder)
    items = [data[i] for i in range(min(n, len(data)))]
    tok = engine.processor.tokenizer
    collate = ReaderCollator(engine.processor, engine.max_patches, "ocr", coordinate_bins(tok))
    batch = {k: v.to(engine.model.device) for k, v in collate(items).items()}
    return image_gap(engine.model, batch, tok)


def run_bench(
    quick: bool,
    json_path: str,
    work: str | None = None,
    threads: int = 2,
    model: str = "bundled",
    pages: int | None = None,
    snippets: int | None = None,
    num_beams: int | None = None,
) -> dict:
    """``num_beams``: the Kosmos reader's beam width (default: the checkpoint's own)."""
    from rich.console import Console
    from rich.table import Table

    from literate.data.pages import DrawMismatch, write_dataset
    from literate.reader.evaluate import evaluate_reader
    from literate.reader.reader import Reader

    torch.set_num_threads(threads)
    n_pages = pages or (4 if quick else 100)
    n_snips = snippets or (8 if quick else 200)
    work_dir = Path(work or f"runs/bench-reader{'-quick' if quick else ''}")
    console = Console(width=140)
    console.print(f"held-out sets: {n_pages} pages, {n_snips} snippets in {work_dir}")
    page_dir = work_dir / "held-out-pages"

    def render() -> None:
        write_dataset(page_dir, n_pages, 0, "test", 150, False, workers=max(1, threads))

    try:
        render()
    except DrawMismatch as e:  # the bench's own cache, drawn before the sources changed
        console.print(f"re-rendering the held-out pages: {e}")
        shutil.rmtree(page_dir)
        render()
    snip_dir = write_snippet_set(work_dir / "held-out-snippets", n_snips)
    readers, notes, gap = [Reader.from_pretrained(engine="tesseract")], [], None
    page_set = page_set_record(page_dir)
    if not page_set["readme_wheels"]:
        notes.append(
            "no README wheels (`literate data fetch-readmes`): the README pages differ from "
            "the set docs/reader.md reports"
        )
    try:
        readers.append(Reader.from_pretrained(model, engine="kosmos", num_beams=num_beams))
    except CheckpointError as e:
        notes.append(f"kosmos row skipped: {e}")
    rows = []
    for reader in readers:
        console.print(f"{reader.engine.name}: {n_pages} pages (both tasks, one pass) …")
        both = evaluate_reader(page_dir, reader, "both", limit=n_pages).row()
        for task, blank in (("ocr", ("ned", "nted")), ("md", ("word", "line", "mean"))):
            row = {k: (None if k.startswith(blank) else v) for k, v in both.items()}
            rows.append({**row, "task": task, "set": "pages"})
        console.print(f"{reader.engine.name}: {n_snips} snippets …")
        snip = evaluate_reader(snip_dir, reader, "ocr", limit=n_snips).row()
        rows.append({**snip, "ned": None, "nted": None, "set": "snippets"})
        if reader.engine.name == "kosmos":
            gap = snippet_image_gap(reader.engine, snip_dir)
    for r in rows:  # time per item against Tesseract on the same set, measured in this run
        base = next(
            t["pages_per_s"] for t in rows if t["engine"] == "tesseract" and t["set"] == r["set"]
        )
        r["time_per_page_vs_tesseract"] = base / r["pages_per_s"] if r["pages_per_s"] else None
    payload = {
        "n_pages": n_pages,
        "n_snippets": n_snips,
        "pages": "data engine, test split, held-out fonts (carlito, caladea), 150 dpi",
        "snippets": "1–4 lines, Shakespeare test split, held-out fonts, 18–30 px",
        "page_set": page_set,
        "rows": rows,
        "image_gap": gap,
        "notes": notes,
        "threads": threads,
    }
    payload = write_result(
        Path(json_path),
        payload,
        command_of("bench reader", quick=quick, model=model, num_beams=num_beams, json=json_path),
    )
    table = Table(title=f"held-out: {n_pages} pages, {n_snips} snippets (fonts never trained on)")
    cols = ("engine", "set", "task", "word F1", "line F1@.5", "mean IoU", "NED", "NTED")
    for c in cols + ("pages/s", "× time"):
        table.add_column(c, justify="right")

    def fmt(v):
        return "–" if v is None else f"{v:.3f}"

    for r in rows:
        table.add_row(
            r["engine"],
            r["set"],
            r["task"],
            *(fmt(r[k]) for k in ("word_f1", "line_f1_iou50", "mean_iou", "ned", "nted")),
            f"{r['pages_per_s']:.2f}",
            fmt(r["time_per_page_vs_tesseract"]),
        )
    console.print(table)
    if gap:
        console.print(
            f"image gap (held-out snippets): loss {gap['loss_right']:.3f} with the right image, "
            f"{gap['loss_mismatched']:.3f} with another's (gap {gap['image_gap']:.3f})"
        )
    for note in notes:
        console.print(note)
    console.print(f"JSON: {json_path}")
    return payload
