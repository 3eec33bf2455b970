"""The output formats of ``literate read`` and ``literate serve``, one module each:

========  ==================  ===========================================================
format    file                what it holds
========  ==================  ===========================================================
json      ``<stem>.json``     the DESIGN.md contract: pages, lines with boxes, Markdown
md        ``<stem>.md``       the Markdown (or the lines), page-marked
txt       ``<stem>.txt``      the lines, pages separated by form feeds
hocr      ``<stem>.hocr``     hOCR 1.2: pages, lines and words with boxes
alto      ``<stem>.alto.xml`` ALTO 4.4: pages, lines and words with boxes
pdf       ``<stem>.pdf``      searchable PDF: the page images under an invisible text layer
boxes     ``<stem>.boxes.png`` page 1 with the line boxes drawn
========  ==================  ===========================================================

Every file is written atomically; a format that cannot be written for one input fails that
output alone (``write_document`` writes the others, then raises naming it).
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from literate.errors import BadValueError, OutputError
from literate.io import check_output_file, write_bytes_atomic
from literate.reader.page import Document

FORMATS = ("json", "md", "txt", "hocr", "alto", "pdf", "boxes")
DEFAULT_FORMATS = ("json", "md", "boxes")
SUFFIXES = {
    "json": ".json",
    "md": ".md",
    "txt": ".txt",
    "hocr": ".hocr",
    "alto": ".alto.xml",
    "pdf": ".pdf",
    "boxes": ".boxes.png",
}
MEDIA_TYPES = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "hocr": "application/xhtml+xml",
    "alto": "application/xml",
    "pdf": "application/pdf",
    "boxes": "image/png",
}


def parse_formats(spec: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``"json,md,pdf"`` → ``("json", "md", "pdf")``, in the given order, each once.
    Raises ``BadValueError`` naming an unknown format."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for item in (s.strip().lower() for s in items):
        if not item:
            continue
        if item not in FORMATS:
            raise BadValueError(f"--format {item}: choose from {','.join(FORMATS)}")
        if item not in out:
            out.append(item)
    if not out:
        raise BadValueError(f"--format: name at least one of {','.join(FORMATS)}")
    return tuple(out)


def render(fmt: str, doc: Document, images: list[Image.Image], dpi: float = 200) -> bytes:
    """One format's bytes for ``doc`` (``images``: its page images, in order; ``dpi``: the
    resolution they were rasterised at, for the PDF's page size where an image records none).
    Raises ``OutputError`` when the format cannot hold this document."""
    if fmt == "json":
        return (json.dumps(doc.to_json(), indent=2, default=str) + "\n").encode()
    if fmt == "md":
        return (doc.markdown() + "\n").encode()
    if fmt == "txt":
        from literate.reader.formats.text import to_text

        return to_text(doc).encode()
    if fmt == "hocr":
        from literate.reader.formats.hocr import to_hocr

        return to_hocr(doc).encode()
    if fmt == "alto":
        from literate.reader.formats.alto import to_alto

        return to_alto(doc).encode()
    if fmt == "pdf":
        from literate.reader.formats.pdf import to_pdf

        return to_pdf(doc, images, dpi)
    if fmt == "boxes":
        from literate.reader.formats.boxes import draw_boxes, to_png

        if not images:
            raise OutputError("boxes: the document has no page image")
        lines = doc.pages[0].lines if doc.pages else []
        return to_png(draw_boxes(images[0], lines))
    raise BadValueError(f"--format {fmt}: choose from {','.join(FORMATS)}")


def output_paths(
    out_dir: Path, stem: str, formats: tuple[str, ...] = DEFAULT_FORMATS
) -> dict[str, Path]:
    """``{format: path}`` of the files ``write_document`` writes for ``stem``."""
    base = Path(out_dir) / stem
    return {fmt: Path(f"{base}{SUFFIXES[fmt]}") for fmt in formats}


def complete(out_dir: Path, stem: str, formats: tuple[str, ...], source: Path) -> bool:
    """Whether every output of ``stem`` exists and is no older than ``source``: since each
    is written atomically, an existing file is a whole one (``--skip-existing``)."""
    try:
        since = Path(source).stat().st_mtime
        paths = output_paths(out_dir, stem, formats).values()
        return all(p.stat().st_mtime >= since for p in paths)
    except OSError:
        return False


def write_document(
    doc: Document,
    images: list[Image.Image],
    out_dir: Path,
    stem: str,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    dpi: float = 200,
) -> list[Path]:
    """Write ``formats`` of ``doc`` under ``out_dir`` (``stem`` may hold sub-folders) and
    return their paths. Raises ``OutputError`` naming the path before writing any of them
    when a folder (or a file where a folder should be) is in the way; a format that cannot
    hold this document (or cannot be written) fails alone: the others are written first,
    then one ``OutputError`` names what is missing and why."""
    paths = output_paths(out_dir, stem, formats)
    for path in paths.values():
        check_output_file(path)
    written, failed = [], []
    for fmt, path in paths.items():
        try:
            write_bytes_atomic(path, render(fmt, doc, images, dpi))
        except OutputError as e:
            failed.append(f"{path.name}: {e}" if str(path) not in str(e) else str(e))
            continue
        written.append(path)
    if failed:
        error = OutputError("; ".join(failed))
        error.written = written  # type: ignore[attr-defined]
        raise error
    return written
