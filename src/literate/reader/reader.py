"""``Reader``: documents in, ``Document``s (pages of lines and Markdown) out.

Inputs are read one document at a time and their pages pooled into batches of the
engine's ``batch_size``, so a folder of single-page scans still fills a batch. A file that
cannot be read is reported in one line and skipped; the others are read.
"""

from __future__ import annotations

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
        per input that failed."""
        if task not in READ_TASKS:
            raise BadValueError(f"--task {task}: choose one of {', '.join(READ_TASKS)}")
        files, errors = collect_inputs(inputs)
        yield from errors
        pending: list[tuple[LoadedDocument, str]] = []
        used: set[str] = set()
        for path, base in files:
            try:
                loaded = load_document(path, self.dpi, self.max_pixels)
            except DocumentError as e:
                yield str(e)
                continue
            pending.append((loaded, _stem(path, base, used)))
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


def _stem(path: Path, base: Path, used: set[str]) -> str:
    """Output stem mirroring the input tree; the suffix is kept on a clash (a.png, a.pdf)."""
    rel = path.relative_to(base) if path.is_relative_to(base) else Path(path.name)
    stem = str(rel.with_suffix(""))
    if stem in used:
        stem = str(rel)
    n = 2
    while stem in used:
        stem, n = f"{rel}-{n}", n + 1
    used.add(stem)
    return stem
