"""The Tesseract engine: Debian's ``tesseract-ocr`` through its TSV output.

Words are grouped into lines by Tesseract's own (block, paragraph, line) numbering; a
line's box is the union of its words'. Markdown is built from the lines by
``literate.reader.layout``, one paragraph per Tesseract paragraph (headings by line
height, tables, list items, key–value lines), the lines in a ruled table's cells merged
into one a cell as for the Kosmos engine's tiled pages.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from literate.errors import LiterateError
from literate.lines import Line
from literate.reader.layout.markdown import markdown_from_lines, merge_cells
from literate.reader.layout.segment import ink_and_rules, ruled_grids
from literate.reader.page import Page


def tesseract_version() -> str:
    exe = shutil.which("tesseract")
    if exe is None:
        raise LiterateError(
            "tesseract is not installed: `make demo` installs it (Debian package tesseract-ocr)"
        )
    out = subprocess.run([exe, "--version"], capture_output=True, text=True)
    first = (out.stdout or out.stderr).splitlines()
    return first[0].strip() if first else "tesseract"


def tesseract_env() -> dict[str, str]:
    """The environment of a Tesseract process: its OpenMP threads limited to the cores this
    process may use, unless ``OMP_THREAD_LIMIT`` is set. Unlimited, Tesseract 5.3 starts more
    threads than a 2-core container allows and spends most of its time in the kernel: one
    real page's ``--psm 3`` took 6.9 s there, 1.1 s limited to its 2 cores."""
    env = dict(os.environ)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    env.setdefault("OMP_THREAD_LIMIT", str(cores or 1))
    return env


def run_tsv(image: Image.Image, lang: str = "eng", psm: int = 3) -> list[dict]:
    """Tesseract's TSV rows for one image, as dicts with int geometry."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        image.save(path)
        proc = subprocess.run(
            ["tesseract", str(path), "stdout", "-l", lang, "--psm", str(psm), "tsv"],
            capture_output=True,
            text=True,
            env=tesseract_env(),
        )
    if proc.returncode != 0:
        msg = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise LiterateError(f"tesseract failed: {msg}")
    rows = []
    for r in csv.DictReader(io.StringIO(proc.stdout), delimiter="\t", quoting=csv.QUOTE_NONE):
        try:
            row = {
                k: int(r[k])
                for k in (
                    "level",
                    "block_num",
                    "par_num",
                    "line_num",
                    "left",
                    "top",
                    "width",
                    "height",
                )
            }
        except (TypeError, ValueError, KeyError):
            continue
        row["conf"] = float(r.get("conf") or -1)
        row["text"] = r.get("text") or ""
        rows.append(row)
    return rows


def lines_from_tsv(rows: list[dict]) -> list[tuple[tuple[int, int], Line, float]]:
    """Words → ``((block, par), Line, median word height)`` in reading order."""
    groups: dict[tuple[int, int, int], list[dict]] = {}
    for r in rows:
        if r["level"] == 5 and r["conf"] >= 0 and r["text"].strip():
            groups.setdefault((r["block_num"], r["par_num"], r["line_num"]), []).append(r)
    out = []
    for (block, par, _), words in groups.items():
        box = (
            min(w["left"] for w in words),
            min(w["top"] for w in words),
            max(w["left"] + w["width"] for w in words),
            max(w["top"] + w["height"] for w in words),
        )
        text = " ".join(w["text"].strip() for w in words)
        height = statistics.median(w["height"] for w in words)
        out.append(((block, par), Line(text, box), height))
    return out


class TesseractEngine:
    name = "tesseract"

    def __init__(self, lang: str = "eng", psm: int = 3):
        self.lang, self.psm = lang, psm
        self.model_name = f"{tesseract_version()} ({lang}, psm {psm})"

    def read(self, images: list[Image.Image], task: str) -> list[Page]:
        pages = []
        for i, img in enumerate(images, 1):
            lines = lines_from_tsv(run_tsv(img, self.lang, self.psm))
            grids = ruled_grids(ink_and_rules(img)[1]) if task != "ocr" else []
            pages.append(
                Page(
                    page=i,
                    width=img.width,
                    height=img.height,
                    lines=[line for _, line, _ in lines] if task != "md" else [],
                    markdown=markdown_from_lines(merge_cells(lines, grids))
                    if task != "ocr"
                    else None,
                )
            )
        return pages
