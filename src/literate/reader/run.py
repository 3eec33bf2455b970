"""``literate read``: read the inputs, write the outputs, print the Markdown (or lines).

A corpus of thousands of files resumes: ``skip_existing`` skips an input whose outputs are
all there and no older than it (each was written atomically, so one that exists is whole);
what failed and why goes to ``<out>/failures.jsonl``; ``workers`` reads files in that many
processes, one engine each. Progress (files, pages/s, ETA) is shown on a terminal and a
summary line is printed at the end.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from tqdm.auto import tqdm

from literate.errors import LiterateError, OutputError
from literate.io import make_folder, write_text_atomic
from literate.reader.formats import DEFAULT_FORMATS, complete, output_paths, write_document
from literate.reader.reader import Failure, Reader, ReadResult, plan_inputs

FAILURES = "failures.jsonl"


@dataclass
class FileResult:
    """What became of one input: written (``paths``), or failed (``error``)."""

    path: str
    stem: str
    pages: int = 0
    paths: list[str] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    replaced: bool = False
    header: str = ""  # "source (engine: model)"
    body: str = ""  # what is printed: the Markdown, or the lines for --task ocr


def write_result(
    item: ReadResult, out: Path, task: str, formats: tuple[str, ...], dpi: float
) -> FileResult:
    """Write one document's outputs; an output that cannot be written fails this input alone
    (the formats that could be written stay, and the error names the rest)."""
    doc, loaded = item.document, item.loaded
    notes = [f"{loaded.path}: {n}" for n in loaded.notes]
    notes += [f"{loaded.path}: page {p.page}: {p.note}" for p in doc.pages if p.note]
    result = FileResult(str(loaded.path), item.stem, len(doc.pages), notes=notes)
    result.replaced = any(p.exists() for p in output_paths(out, item.stem, formats).values())
    try:
        written = write_document(doc, loaded.pages, out, item.stem, formats, dpi)
        result.paths = [str(p) for p in written]
    except OutputError as e:
        result.paths = [str(p) for p in getattr(e, "written", [])]
        result.error = f"{loaded.path}: not written: {e}"
        return result
    result.header = f"{doc.source} ({doc.engine}: {doc.model})"
    result.body = doc.markdown() if task != "ocr" else "\n".join(p.text for p in doc.pages)
    return result


# --- one engine per worker process -----------------------------------------------------
_worker: dict = {}


def _start_worker(model, engine, dpi, engine_kwargs, threads) -> None:
    """A worker's engine, loaded once; a load that fails is raised by each task instead, so
    the parent reports it in one line."""
    import torch

    torch.set_num_threads(threads)
    try:
        _worker["reader"] = Reader.from_pretrained(model, engine, dpi=dpi, **engine_kwargs)
    except LiterateError as e:
        _worker["error"] = e


def _read_in_worker(path: str, stem: str, out: str, task: str, formats, dpi) -> FileResult:
    if "error" in _worker:
        raise _worker["error"]
    reader: Reader = _worker["reader"]
    for item in reader.iter_files([(Path(path), stem)], task):
        if isinstance(item, Failure):
            return FileResult(path, stem, error=str(item))
        return write_result(item, Path(out), task, formats, dpi)
    return FileResult(path, stem, error=f"{path}: nothing read")  # pragma: no cover


def _in_workers(
    todo: list[tuple[Path, str]], workers: int, out: Path, task, formats, dpi, model, engine, kw
) -> Iterator[FileResult]:
    threads = max(1, (os.cpu_count() or 1) // workers)
    pool = ProcessPoolExecutor(
        workers,
        mp_context=get_context("spawn"),  # torch is not fork-safe once its threads started
        initializer=_start_worker,
        initargs=(model, engine, dpi, kw, threads),
    )
    with pool:
        futures = [
            pool.submit(_read_in_worker, str(p), s, str(out), task, formats, dpi) for p, s in todo
        ]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BaseException:
            for f in futures:
                f.cancel()
            raise


def _in_process(
    reader: Reader, todo: list[tuple[Path, str]], out: Path, task, formats, dpi
) -> Iterator[FileResult]:
    for item in reader.iter_files(todo, task):
        if isinstance(item, Failure):
            yield FileResult(item.path, "", error=str(item))
        else:
            yield write_result(item, out, task, formats, dpi)


def write_failures(out: Path, failures: list[Failure | FileResult]) -> Path | None:
    """``<out>/failures.jsonl``: one ``{"path", "error"}`` per failed input of this run,
    written atomically; an earlier run's manifest is removed once nothing failed."""
    path = Path(out) / FAILURES
    if not failures:
        with suppress(OSError):
            path.unlink(missing_ok=True)
        return None
    rows = []
    for f in failures:
        error = f.error if isinstance(f, FileResult) else str(f)
        rows.append(json.dumps({"path": f.path, "error": error}, ensure_ascii=False))
    write_text_atomic(path, "\n".join(rows) + "\n")
    return path


def read_command(
    inputs: list[str],
    out: Path,
    task: str = "both",
    engine: str = "auto",
    model: str | None = None,
    quiet: bool = False,
    dpi: int = 200,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    skip_existing: bool = False,
    workers: int = 1,
    **engine_kwargs,
) -> int:
    """Exit code 0 when every input was read, 1 when any failed (the rest are written): an
    input that cannot be read, or whose outputs cannot be written, fails alone. An ``--out``
    that cannot be a folder is refused before the model loads."""
    created = not Path(out).exists()
    make_folder(out, "--out")
    if model and engine in ("tesseract", "pdf"):
        print(f"literate: note: --model {model} is not used by --engine {engine}", file=sys.stderr)
    try:
        reader = None  # workers load their own engines
        if workers == 1:
            reader = Reader.from_pretrained(model, engine, dpi=dpi, **engine_kwargs)
    except BaseException:
        if created:
            with suppress(OSError):
                Path(out).rmdir()  # made for nothing: an unloadable model writes no folder
        raise
    files, failures = plan_inputs(inputs)
    for failure in failures:
        print(f"literate: error: {failure}", file=sys.stderr)
    todo = [(p, s) for p, s in files if not (skip_existing and complete(out, s, formats, p))]
    skipped = len(files) - len(todo)
    if workers == 1:
        results = _in_process(reader, todo, out, task, formats, dpi)
    else:
        results = _in_workers(todo, workers, out, task, formats, dpi, model, engine, engine_kwargs)
    failed = list(failures)
    start, pages, done = time.perf_counter(), 0, 0
    progress = tqdm(
        total=len(todo), desc="reading", unit="file", disable=quiet or not sys.stderr.isatty()
    )
    try:
        for result in results:
            progress.update()
            if result.error:
                failed.append(result)
                print(f"literate: error: {result.error}", file=sys.stderr)
                continue
            done, pages = done + 1, pages + result.pages
            progress.set_postfix_str(f"{pages / (time.perf_counter() - start):.2f} pages/s")
            _report(result, out, quiet)
    finally:
        progress.close()
        manifest = write_failures(out, failed)
    total = len(files) + len(failures)  # inputs that named nothing readable count too
    _summary(done, total, pages, time.perf_counter() - start, skipped, manifest)
    return 1 if failed else 0


def _report(result: FileResult, out: Path, quiet: bool) -> None:
    for note in result.notes:
        print(f"literate: note: {note}", file=sys.stderr)
    where = Path(out) / f"{result.stem}.*"
    if quiet:
        if result.replaced:
            print(f"literate: note: {where}: replaced an earlier reading", file=sys.stderr)
        return
    again = " (replaced an earlier reading)" if result.replaced else ""
    print(f"==> {result.header} -> {where}{again}")
    print(result.body.rstrip() + "\n")


def _summary(
    done: int, total: int, pages: int, seconds: float, skipped: int, manifest: Path | None
) -> None:
    """One closing line for corpora (more than one input, or skips)."""
    if total <= 1 and not skipped:
        return
    parts = [f"read {done} of {total} inputs ({pages} pages) in {seconds:.1f} s"]
    if pages and seconds > 0:
        parts[0] += f", {pages / seconds:.2f} pages/s"
    if skipped:
        parts.append(f"{skipped} skipped (outputs complete)")
    if manifest is not None:
        parts.append(f"failures in {manifest}")
    print(f"literate: note: {'; '.join(parts)}", file=sys.stderr)
