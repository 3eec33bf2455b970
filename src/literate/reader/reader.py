"""``Reader``: documents in, ``Document``s (pages of lines and Markdown) out.

Inputs are read one document at a time and their pages pooled into batches of the
engine's ``batch_size``, so a folder of single-page scans still fills a batch. A file that
cannot be read is reported in one line and skipped; the others are read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from literate.errors import BadValueError
from literate.reader.documents import (
    MAX_PIXELS,
    DocumentError,
    LoadedDocument,
    collect_inputs,
    load_document,
)
from literate.reader.engines import READ_TASKS, Engine, make_engine
from literate.reader.page import Document, Page


class Failure(str):
    """One input that failed: its one-line message (``path: reason``) as a ``str``, and
    the path it names, for ``failures.jsonl``."""

    path: str

    def __new__(cls, message: str, path: str | Path | None = None) -> Failure:
        self = super().__new__(cls, message)
        self.path = str(path) if path is not None else message.split(": ", 1)[0]
        return self


@dataclass
class ReadResult:
    document: Document
    loaded: LoadedDocument
    stem: str  # output path stem, relative to the output folder


@dataclass
class ReadRun:
    results: list[ReadResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Reader:
    def __init__(self, engine: Engine, dpi: int = 200, max_pixels: int = MAX_PIXELS):
        self.engine, self.dpi, self.max_pixels = engine, dpi, max_pixels

    @classmethod
    def from_pretrained(
        cls,
        model: str | None = "bundled",
        engine: str = "kosmos",
        dpi: int = 200,
        max_pixels: int = MAX_PIXELS,
        **engine_kwargs,
    ) -> Reader:
        """``model``: ``"bundled"``, a hub id such as ``microsoft/kosmos-2.5`` or a local
        directory in that layout (kosmos engine); ``engine_kwargs``: ``device``, ``dtype``,
        ``max_patches``, ``batch_size``, ``max_new_tokens``, ``tiling``, ``num_beams`` (kosmos)
        or ``lang``, ``psm``."""
        return cls(make_engine(engine, model, **engine_kwargs), dpi, max_pixels)

    @property
    def batch_size(self) -> int:
        return getattr(self.engine, "batch_size", 1)

    def read_images(self, images: list[Image.Image], task: str = "both") -> list[Page]:
        if task not in READ_TASKS:
            raise BadValueError(f"--task {task}: choose one of {', '.join(READ_TASKS)}")
        return self.engine.read(images, task)

    def iter_read(self, inputs: list[str | Path], task: str = "both") -> Iterator[ReadResult | str]:
        """Yield a ``ReadResult`` per readable document (in input order) and an error line
        (a ``Failure``) per input that failed."""
        if task not in READ_TASKS:
            raise BadValueError(f"--task {task}: choose one of {', '.join(READ_TASKS)}")
        files, errors = plan_inputs(inputs)
        yield from errors
        yield from self.iter_files(files, task)

    def iter_files(
        self, files: list[tuple[Path, str]], task: str = "both"
    ) -> Iterator[ReadResult | Failure]:
        """``iter_read`` for planned ``(file, stem)`` pairs: documents are loaded one at a
        time and their pages pooled into the engine's batches."""
        if task not in READ_TASKS:
            raise BadValueError(f"--task {task}: choose one of {', '.join(READ_TASKS)}")
        pending: list[tuple[LoadedDocument, str]] = []
        for path, stem in files:
            try:
                loaded = load_document(path, self.dpi, self.max_pixels)
            except DocumentError as e:
                yield Failure(str(e), path)
                continue
            pending.append((loaded, stem))
            if sum(len(d.pages) for d, _ in pending) >= self.batch_size:
                yield from self._flush(pending, task)
                pending = []
        if pending:
            yield from self._flush(pending, task)

    def read(self, inputs: list[str | Path], task: str = "both") -> ReadRun:
        run = ReadRun()
        for item in self.iter_read(inputs, task):
            if isinstance(item, str):
                run.errors.append(item)
            else:
                run.results.append(item)
                run.notes += [f"{item.loaded.path}: {n}" for n in item.loaded.notes]
                run.notes += [
                    f"{item.loaded.path}: page {p.page}: {p.note}"
                    for p in item.document.pages
                    if p.note
                ]
        return run

    def _flush(self, pending: list[tuple[LoadedDocument, str]], task: str) -> Iterator[ReadResult]:
        images = [im for d, _ in pending for im in d.pages]
        if getattr(self.engine, "uses_text_layers", False):
            layers = [
                d.layers[n] if n < len(d.layers) else None
                for d, _ in pending
                for n in range(len(d.pages))
            ]
            pages = self.engine.read(images, task, layers=layers)
        else:
            pages = self.read_images(images, task)
        i = 0
        for loaded, stem in pending:
            own = pages[i : i + len(loaded.pages)]
            i += len(loaded.pages)
            for n, page in enumerate(own, 1):
                page.page = n
                page.read_by = page.read_by or self.engine.name
                if not page.lines and not (page.markdown or "").strip() and not page.note:
                    page.note = "no text found"
            doc = Document(str(loaded.path), self.engine.name, self.engine.model_name, own)
            yield ReadResult(doc, loaded, stem)


def plan_inputs(inputs: list[str | Path]) -> tuple[list[tuple[Path, str]], list[Failure]]:
    """The files ``inputs`` name, each with its output stem, and one ``Failure`` per input
    that names nothing readable (missing, not a file, a folder without images)."""
    files, errors = collect_inputs(inputs)
    stems = output_stems(files)
    return [(p, s) for (p, _), s in zip(files, stems, strict=True)], [Failure(e) for e in errors]


def output_stems(files: list[tuple[Path, Path]]) -> list[str]:
    """Output stems (relative to the output folder) mirroring the input tree. Inputs that
    share a stem (``a.png``, ``a.pdf``) all keep their suffix (``a.png.json``,
    ``a.pdf.json``), whatever their order; a name given twice gets ``-2``, ``-3``…"""
    rels = [p.relative_to(b) if p.is_relative_to(b) else Path(p.name) for p, b in files]
    bare = [str(r.with_suffix("")) for r in rels]
    shared = {s for s, n in Counter(bare).items() if n > 1}
    used: set[str] = set()
    stems = []
    for rel, stem in zip(rels, bare, strict=True):
        if stem in shared:
            stem = str(rel)
        candidate, n = stem, 2
        while candidate in used:
            candidate, n = f"{stem}-{n}", n + 1
        used.add(candidate)
        stems.append(candidate)
    return stems
