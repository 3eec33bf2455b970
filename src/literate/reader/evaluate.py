"""``literate eval reader DIR``: score a reader on page images with ground truth.

A page image ``<stem>.png`` (or any supported file) is scored when ``<stem>.json`` (lines
with boxes: a reader output document, or ``{"lines": [...]}``) and/or ``<stem>.md`` sit
beside it. Word and line scores are micro-averaged over all pages (summed counts, as in
Kosmos-2.5's tables); NED and NTED are averaged per page.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from literate.errors import InputNotFoundError
from literate.lines import Line, lines_from_json
from literate.reader.documents import collect_inputs
from literate.reader.metrics import f1, match_lines, ned, nted, word_counts
from literate.reader.page import Page
from literate.reader.reader import Reader


@dataclass
class Truth:
    lines: list[Line] | None
    markdown: str | None


@dataclass
class ReaderScores:
    engine: str
    model: str
    task: str
    n_pages: int
    word_precision: float | None = None
    word_recall: float | None = None
    word_f1: float | None = None
    line_f1_iou50: float | None = None
    mean_iou: float | None = None
    ned: float | None = None
    nted: float | None = None
    pages_per_s: float = 0.0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def row(self) -> dict:
        d = asdict(self)
        d.pop("errors")
        return d


def load_truth(image: Path) -> list[Truth] | None:
    """Ground truth per page for ``image``, or None when there is none."""
    js, md = image.with_suffix(".json"), image.with_suffix(".md")
    pages: list[Truth] = []
    if js.is_file():
        payload = json.loads(js.read_text())
        items = payload.get("pages") or [payload]
        pages = [Truth(lines_from_json(p), p.get("markdown")) for p in items]
    if md.is_file() and len(pages) <= 1:
        text = md.read_text().strip()
        pages = [Truth(pages[0].lines if pages else None, text)]
    return pages or None


def score_pages(pairs: list[tuple[Page, Truth]], task: str) -> dict:
    hit = n_pred = n_true = matched = l_pred = l_true = 0
    ious: list[float] = []
    neds, nteds = [], []
    for page, truth in pairs:
        if task in ("ocr", "both") and truth.lines is not None:
            pw, tw = word_counts(page.lines), word_counts(truth.lines)
            hit += sum((pw & tw).values())
            n_pred, n_true = n_pred + sum(pw.values()), n_true + sum(tw.values())
            m = match_lines(page.lines, truth.lines)
            ious += m
            matched, l_pred, l_true = (
                matched + len(m),
                l_pred + len(page.lines),
                l_true + len(truth.lines),
            )
        if task in ("md", "both") and truth.markdown is not None:
            pred = page.markdown or ""
            neds.append(ned(pred, truth.markdown))
            nteds.append(nted(pred, truth.markdown))
    out: dict = {}
    if l_true or l_pred or n_true:
        wp, wr = (hit / n_pred if n_pred else 0.0), (hit / n_true if n_true else 0.0)
        lp, lr = (matched / l_pred if l_pred else 0.0), (matched / l_true if l_true else 0.0)
        out |= {
            "word_precision": wp,
            "word_recall": wr,
            "word_f1": f1(wp, wr),
            "line_f1_iou50": f1(lp, lr),
            "mean_iou": sum(ious) / len(ious) if ious else 0.0,
        }
    if neds:
        out |= {"ned": sum(neds) / len(neds), "nted": sum(nteds) / len(nteds)}
    return out


def evaluate_reader(
    folder: str | Path, reader: Reader, task: str = "both", limit: int | None = None
) -> ReaderScores:
    folder = Path(folder)
    if not folder.is_dir():
        raise InputNotFoundError(f"{folder}: no such folder")
    found, trouble = collect_inputs([folder])
    truths: dict[str, list[Truth]] = {}
    for f, _ in found:
        try:
            truth = load_truth(f)
        except (OSError, ValueError) as e:  # unreadable, not UTF-8, not JSON
            reason = e.strerror.lower() if isinstance(e, OSError) and e.strerror else str(e)
            trouble.append(f"{f}: its truth cannot be read ({reason.splitlines()[0]})")
            continue
        if truth is not None:
            truths[str(f)] = truth
    files = [Path(f) for f in truths]
    if not files and not trouble:
        raise InputNotFoundError(
            f"{folder}: no page images with <stem>.json or <stem>.md beside them"
        )
    files = files[:limit] if limit else files
    start = time.perf_counter()
    run = reader.read(files, task)
    seconds = time.perf_counter() - start
    pairs = []
    for result in run.results:
        truth = truths[result.document.source]
        pairs += list(zip(result.document.pages, truth, strict=False))
    engine = reader.engine
    return ReaderScores(
        engine=engine.name,
        model=engine.model_name,
        task=task,
        n_pages=len(pairs),
        pages_per_s=len(pairs) / seconds if seconds else 0.0,
        seconds=seconds,
        errors=trouble + run.errors,
        **score_pages(pairs, task),
    )
