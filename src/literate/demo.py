"""``literate demo``: the main job on embedded defaults (no download, no GPU).

It reads a shipped sample page (and the same page as a PDF) with the bundled reader,
prints the Markdown, writes the JSON/MD/boxes PNG, reads the page again with Tesseract and
scores both against the page's ground truth (the page was made by the data engine, so its
truth is exact). Then, briefly, the other two capabilities: the bundled LM and the commands
that adapt it (PeriodicLoRA) and give it a bounded memory (sentinel tokens).
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

SAMPLE_DIR = Path(__file__).parent / "data" / "resources" / "demo"
SAMPLE_MARKDOWN = "\n\n".join(
    [
        "# Reading a page",
        "A reader turns the image of a page into text lines with boxes and into Markdown. "
        "This page was rendered from Markdown, so its ground truth is exact.",
        "## How it works",
        "The image is cut into patches, an encoder looks at them, and a small decoder writes "
        "one line at a time, each with the box where it was found.",
        "## What to try next",
        "Read your own scans and PDFs, compare the two engines, and train a reader of your own.",
    ]
)


def make_sample(dest: Path = SAMPLE_DIR, dpi: int = 150) -> None:
    """(Re)create the shipped sample: ``page.png`` with ``page.json``/``page.md`` truth and
    ``page.pdf``, from ``SAMPLE_MARKDOWN`` through the data engine."""
    from literate.data.pages import Style, crop_to_content, page_record, render_page, render_pdf
    from literate.io import write_json_atomic, write_text_atomic

    style = Style("dejavu-sans", 12, "A5", 12, 1, 1.45, "dejavu-sans")
    page = crop_to_content(render_page(SAMPLE_MARKDOWN, style, dpi), random.Random(0))
    dest.mkdir(parents=True, exist_ok=True)
    page.image.save(dest / "page.png", optimize=True)
    write_json_atomic(dest / "page.json", page_record(page, "literate.demo", []))
    write_text_atomic(dest / "page.md", page.markdown + "\n")
    (dest / "page.pdf").write_bytes(render_pdf(page.markdown, style))


def _score_table(console: Console, rows: list[tuple[str, dict, float]]) -> None:
    table = Table(title="the sample page against its ground truth")
    table.add_column("engine", justify="right", no_wrap=True)  # a label kept on one line
    for col in ("word F1", "line F1@.5", "mean IoU", "NED", "NTED", "seconds"):
        table.add_column(col, justify="right")
    for name, s, seconds in rows:
        keys = ("word_f1", "line_f1_iou50", "mean_iou", "ned", "nted")
        cells = [f"{s[k]:.3f}" if s.get(k) is not None else "–" for k in keys]
        table.add_row(name, *cells, f"{seconds:.1f}")
    console.print(table)


def read_sample(console: Console, out: Path) -> None:
    from literate.errors import CheckpointError
    from literate.reader.evaluate import load_truth, score_pages
    from literate.reader.formats import write_document
    from literate.reader.reader import Reader

    page = SAMPLE_DIR / "page.png"
    truth = load_truth(page)[0]
    rows = []
    try:
        bundled = Reader.from_pretrained("bundled")
    except CheckpointError as e:
        console.print(f"bundled reader: {e}")
        bundled = None
    if bundled is not None:
        console.rule("[bold]the bundled reader reads the sample page and PDF")
        start = time.perf_counter()
        run = bundled.read([page, SAMPLE_DIR / "page.pdf"], "both")
        seconds = time.perf_counter() - start
        for result in run.results:
            write_document(result.document, result.loaded.pages, out, result.stem)
        doc = run.results[0].document
        console.print(doc.pages[0].markdown or "(no text)", markup=False)
        pdf_pages = len(run.results[1].document.pages) if len(run.results) > 1 else 0
        console.print(
            f"[dim]wrote {out}/page.png.json, .md, .boxes.png (+ page.pdf.* for the PDF, "
            f"{pdf_pages} page) in {seconds:.0f} s[/dim]"
        )
        rows.append(("bundled reader", score_pages([(doc.pages[0], truth)], "both"), seconds / 2))
    console.rule("[bold]Tesseract reads the same page")
    try:
        tess = Reader.from_pretrained(engine="tesseract")
    except Exception as e:  # noqa: BLE001 - the demo goes on without the baseline
        console.print(f"tesseract: {e}")
    else:
        start = time.perf_counter()
        got = tess.read([page], "both").results[0].document.pages[0]
        seconds = time.perf_counter() - start
        console.print(got.markdown or "(no text)", markup=False)
        rows.append(("tesseract", score_pages([(got, truth)], "both"), seconds))
    rows += _auto_reads_the_pdf(console, truth)
    if rows:
        _score_table(console, rows)


def _auto_reads_the_pdf(console: Console, truth) -> list[tuple[str, dict, float]]:
    """``--engine auto`` (the default of ``literate read``) on the sample PDF: its text
    layer, exactly. Scored on words only: the PDF page is not cropped as the PNG is, so
    its boxes are in other pixels."""
    from literate.errors import LiterateError
    from literate.lines import Line
    from literate.reader.metrics import ocr_scores
    from literate.reader.reader import Reader

    console.rule("[bold]--engine auto (the default of `literate read`) reads the sample PDF")
    try:
        start = time.perf_counter()
        got = Reader.from_pretrained(engine="auto", dpi=150).read([SAMPLE_DIR / "page.pdf"])
        seconds = time.perf_counter() - start
    except LiterateError as e:
        console.print(f"auto: {e}")
        return []
    page = got.results[0].document.pages[0]
    console.print(f"[dim]page 1 read by: {page.read_by}[/dim]")
    words = ocr_scores(
        [Line(ln.text, (0, 0, 1, 1)) for ln in page.lines],
        [Line(ln.text, (0, 0, 1, 1)) for ln in truth.lines],
    )
    return [("auto (PDF text layer)", {"word_f1": words.word_f1}, seconds)]


def lm_glimpse(console: Console, seed: int) -> None:
    from transformers import set_seed

    from literate.data.tokenizer import load_tokenizer
    from literate.lm.train import load_model
    from literate.paths import resolve_model

    path = resolve_model("bundled")
    tok, model = load_tokenizer(path), load_model(path).eval()
    set_seed(seed)
    ids = tok("## Installation\n\n", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        out = model.generate(
            ids, max_new_tokens=40, do_sample=True, top_k=40, temperature=0.8,
            pad_token_id=tok.pad_token_id,
        )  # fmt: skip
    console.rule("[bold]the bundled language model (5.3 M parameters, trained on READMEs)")
    console.print(tok.decode(out[0, 1:], skip_special_tokens=True), markup=False)


def run_demo(seed: int = 0, threads: int = 2, out: Path = Path("literate-demo")) -> None:
    from literate.io import make_folder

    make_folder(out, "--out")  # one line now, not a traceback after the reading
    torch.set_num_threads(threads)
    console = Console()
    console.rule("[bold]literate demo")
    read_sample(console, out)
    lm_glimpse(console, seed)
    console.rule("what else literate offers")
    console.print(
        "• read your files:   literate read scan.png report.pdf --out out/",
        "• adapt cheaply:     literate train lm --corpus shakespeare --base bundled "
        "--method plora --rank 8 --period 75 --out runs/bard",
        "• bounded memory:    literate train lm --corpus shakespeare --base bundled --sentinel "
        "--out runs/bard-sr",
        "                     literate eval lm --model runs/bard-sr --policy sentinel --budget 128",
        "• measure:           literate bench reader|plora|sentinel --quick",
        sep="\n",
        markup=False,
    )
