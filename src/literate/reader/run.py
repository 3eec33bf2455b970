"""``literate read``: read the inputs, write the outputs, print the Markdown (or lines)."""

from __future__ import annotations

import sys
from contextlib import suppress
from pathlib import Path

from tqdm.auto import tqdm

from literate.errors import OutputError
from literate.io import make_folder
from literate.reader.outputs import output_paths, write_document
from literate.reader.reader import Reader


def read_command(
    inputs: list[str],
    out: Path,
    task: str = "both",
    engine: str = "auto",
    model: str | None = None,
    quiet: bool = False,
    dpi: int = 200,
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
        reader = Reader.from_pretrained(model, engine, dpi=dpi, **engine_kwargs)
    except BaseException:
        if created:
            with suppress(OSError):
                Path(out).rmdir()  # made for nothing: an unloadable model writes no folder
        raise
    failed = 0
    progress = tqdm(desc="reading", unit="doc", disable=quiet or not sys.stderr.isatty())
    for item in reader.iter_read(inputs, task):
        if isinstance(item, str):
            failed += 1
            print(f"literate: error: {item}", file=sys.stderr)
            continue
        progress.update()
        for note in item.loaded.notes:
            print(f"literate: note: {item.loaded.path}: {note}", file=sys.stderr)
        for page in item.document.pages:
            if page.note:
                print(
                    f"literate: note: {item.loaded.path}: page {page.page}: {page.note}",
                    file=sys.stderr,
                )
        paths = output_paths(out, item.stem)
        replaced = any(p.exists() for p in paths)
        try:
            write_document(item.document, item.loaded.pages[0], out, item.stem)
        except OutputError as e:
            failed += 1
            print(f"literate: error: {item.loaded.path}: not written: {e}", file=sys.stderr)
            continue
        where = paths[0].with_suffix(".*")
        again = " (replaced an earlier reading)" if replaced else ""
        if quiet:
            if replaced:
                print(f"literate: note: {where}: replaced an earlier reading", file=sys.stderr)
            continue
        doc = item.document
        body = doc.markdown() if task != "ocr" else "\n".join(p.text for p in doc.pages)
        print(f"==> {doc.source} ({doc.engine}: {doc.model}) -> {where}{again}")
        print(body.rstrip() + "\n")
    progress.close()
    return 1 if failed else 0
