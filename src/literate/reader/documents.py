"""Files → RGB page images: PNG, JPEG, TIFF (every frame), WebP, PDF (every page).

Every page leaves here as 8-bit RGB the right way up: EXIF orientation applied, grayscale,
palette, 16-bit, CMYK and alpha (over white) converted. Pages above ``max_pixels`` are
downscaled, not refused; only files too large to decode safely (``decode_limit``) are.
Each failure is one line naming the file; the other inputs are still read.
"""

from __future__ import annotations

import errno
import math
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError

from literate.data.pdftext import TextLayer, text_layers
from literate.errors import DocumentError, LiterateError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"}
SUFFIXES = IMAGE_SUFFIXES | {".pdf"}
MAX_PIXELS = 24_000_000  # ≈ A4 at 600 dpi; larger pages are downscaled to this
DECODE_LIMIT = 1_200_000_000  # refuse to decode more pixels than this (memory)


@dataclass
class LoadedDocument:
    path: Path
    pages: list[Image.Image]
    notes: list[str] = field(default_factory=list)  # e.g. "page 1 downscaled from …"
    layers: list[TextLayer | None] = field(default_factory=list)  # PDF pages' text layers


def collect_inputs(inputs: list[str | Path]) -> tuple[list[tuple[Path, Path]], list[str]]:
    """Paths (files or directories, read recursively) → ``(file, base)`` pairs, where
    ``base`` is the folder relative to which outputs mirror the input tree; plus one error
    line per path that is missing, unreadable (a file or a sub-folder without permission)
    or not a file (a FIFO, a device, a socket). Directories contribute only files with a
    known suffix."""
    found, errors = [], []
    for raw in inputs:
        p = Path(raw)
        try:
            mode = p.stat().st_mode
        except OSError as e:
            missing = e.errno in (errno.ENOENT, errno.ENOTDIR)
            errors.append(f"{p}: no such file or folder" if missing else _cannot_read(p, e))
            continue
        if stat.S_ISDIR(mode):
            files, trouble = _walk(p)
            if not files and not trouble:
                trouble.append(f"{p}: no images or PDFs in this folder")
            errors += trouble
            found += [(f, p) for f in files]
        elif stat.S_ISREG(mode):
            found.append((p, p.parent))
        else:
            errors.append(f"{p}: {_kind(mode)}, not a file or folder")
    return found, errors


def _walk(folder: Path) -> tuple[list[Path], list[str]]:
    """Every file with a known suffix under ``folder`` (sorted; symlinked folders are not
    followed), and one error line per sub-folder that cannot be listed and per entry with
    a known suffix that is not a file."""
    files, trouble = [], []

    def unreadable(e: OSError) -> None:
        where = Path(e.filename) if e.filename else folder
        trouble.append(_cannot_read(where, e, "folder"))

    for root, _, names in os.walk(folder, onerror=unreadable):
        for name in names:
            f = Path(root) / name
            if f.suffix.lower() not in SUFFIXES:
                continue
            try:
                mode = f.stat().st_mode
            except OSError as e:
                if e.errno != errno.ENOENT:  # a dangling link is not an input
                    trouble.append(_cannot_read(f, e))
                continue
            if stat.S_ISREG(mode):
                files.append(f)
            else:
                trouble.append(f"{f}: {_kind(mode)}, not a file")
    return sorted(files), sorted(trouble)


def _kind(mode: int) -> str:
    """What a path that is neither a file nor a folder is, for an error line."""
    for test, name in (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return f"is {name}"
    return "is a special file"


def _cannot_read(path: Path, e: OSError, what: str = "") -> str:
    reason = (e.strerror or e.__class__.__name__).lower()
    return f"{path}: cannot read{' this ' + what if what else ''} ({reason})"


def load_document(
    path: Path, dpi: int = 200, max_pixels: int = MAX_PIXELS, decode_limit: int = DECODE_LIMIT
) -> LoadedDocument:
    """Read every page of ``path``; raise ``DocumentError`` with a one-line reason."""
    path = Path(path)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise DocumentError(f"{path}: {_kind(st.st_mode)}, not a file")
        if st.st_size == 0:
            raise DocumentError(f"{path}: empty file")
        if not os.access(path, os.R_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        with open(path, "rb") as f:
            head = f.read(5)
    except OSError as e:
        raise DocumentError(_cannot_read(path, e)) from None
    if head == b"%PDF-" or path.suffix.lower() == ".pdf":
        if head != b"%PDF-":
            raise DocumentError(f"{path}: not a PDF (no %PDF header)")
        doc = LoadedDocument(path, [], [])
        invisible = []
        for i, (page, hidden) in enumerate(_pdf_pages(path, dpi), 1):
            _page(page, max_pixels, doc, i)
            invisible.append(hidden)
        doc.layers = _text_layers(path, dpi, doc, invisible)
        return doc
    return _load_image(path, max_pixels, decode_limit)


def _pdf_pages(path: Path, dpi: int) -> Iterator[Image.Image]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        if _poppler_page_count(path) == 0:  # PDFium refuses page-less files outright
            raise DocumentError(f"{path}: the PDF has no pages") from None
        raise DocumentError(f"{path}: corrupt or unreadable PDF ({e})") from None
    try:
        if len(pdf) == 0:
            raise DocumentError(f"{path}: the PDF has no pages")
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                yield page.render(scale=dpi / 72).to_pil().convert("RGB"), _invisible(page)
            finally:
                page.close()
    finally:
        pdf.close()


def _invisible(page) -> bool:
    """Whether every text object of a PDFium page is drawn invisibly (render mode 3): the
    mark of an OCR layer added over a scan."""
    import pypdfium2.raw as pdfium_c

    modes = [
        pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw)
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=4)
    ]
    return bool(modes) and all(m == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE for m in modes)


def _text_layers(
    path: Path, dpi: int, doc: LoadedDocument, invisible: list[bool]
) -> list[TextLayer | None]:
    """Each page's text layer at its image's size (None where there is none to read)."""
    try:
        layers: list[TextLayer | None] = list(text_layers(path, dpi))
    except LiterateError as e:
        doc.notes.append(f"text layer not read ({e})")
        return [None] * len(doc.pages)
    if len(layers) != len(doc.pages):
        doc.notes.append("text layer not read (pdftotext and PDFium disagree on the pages)")
        return [None] * len(doc.pages)
    out: list[TextLayer | None] = []
    for layer, image, hidden in zip(layers, doc.pages, invisible, strict=True):
        if layer is not None and image.size != (layer.width, layer.height):
            layer = layer.scaled(*image.size)
        if layer is not None:
            layer.invisible = hidden
        out.append(layer)
    return out


def _poppler_page_count(path: Path) -> int | None:
    """Page count by poppler's ``pdfinfo`` (None if unknown or not installed)."""
    import re
    import shutil
    import subprocess

    if shutil.which("pdfinfo") is None:
        return None
    proc = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
    found = re.search(r"^Pages:\s+(\d+)", proc.stdout, re.M) or re.search(
        r"Invalid page count (\d+)", proc.stderr
    )
    return int(found.group(1)) if found else None


def _load_image(path: Path, max_pixels: int, decode_limit: int) -> LoadedDocument:
    old_limit, old_truncated = Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES
    Image.MAX_IMAGE_PIXELS = None  # we check the size ourselves, before decoding
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # a library may have set it (weasyprint does)
    try:
        try:
            img = Image.open(path)
        except UnidentifiedImageError:
            raise DocumentError(f"{path}: not an image or PDF this reader knows") from None
        with img:
            w, h = img.size
            if w * h > decode_limit:
                raise DocumentError(
                    f"{path}: {w}×{h} pixels is above the decode limit of "
                    f"{decode_limit / 1e6:,.0f} MP; downscale it first"
                )
            doc = LoadedDocument(path, [], [])
            for i, frame in enumerate(ImageSequence.Iterator(img), 1):
                _page(frame, max_pixels, doc, i)
            return doc
    except (OSError, SyntaxError, ValueError) as e:
        if isinstance(e, DocumentError):
            raise
        if isinstance(e, OSError) and e.errno is not None:  # the file, not its content
            raise DocumentError(_cannot_read(path, e)) from None
        raise DocumentError(f"{path}: truncated or corrupt image ({e})") from None
    finally:
        Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = old_limit, old_truncated


def to_rgb(img: Image.Image, max_pixels: int | None = None) -> Image.Image:
    """Any PIL mode → 8-bit RGB, upright, alpha composited over white. A frame far above
    ``max_pixels`` is first reduced by an integer factor in its own mode (cheaper than
    converting the full frame)."""
    orientation = img.getexif().get(0x0112, 1)
    if orientation != 1:
        img = ImageOps.exif_transpose(img)
    if max_pixels and img.width * img.height > 4 * max_pixels:
        factor = math.floor(math.sqrt(img.width * img.height / max_pixels))
        img = _reduce(img, factor)
    if img.mode.startswith("I") or img.mode == "F":
        import numpy as np

        a = np.asarray(img, dtype=np.float64)
        top = 65535.0 if a.max() > 255 else 255.0
        img = Image.fromarray((a / top * 255).clip(0, 255).astype(np.uint8), "L")
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in {"RGBA", "LA", "PA"}:
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")


REDUCIBLE = {"L", "RGB", "RGBA", "I", "F", "CMYK", "LA"}  # the modes Image.reduce takes
BAND_PIXELS = 4_000_000  # pixels per band when a frame is widened band by band


def _reduce(img: Image.Image, factor: int) -> Image.Image:
    """``img.reduce(factor)`` for any mode. A mode ``reduce`` does not take (1-bit, palette,
    16-bit) is widened band by band, so a 1-bit scan never exists whole as 8-bit grey or
    32-bit RGBA: a 20000×20000 one costs its own 400 MB, not 2 GB more."""
    if img.mode in REDUCIBLE:
        return img.reduce(factor)
    wide = "L" if img.mode == "1" else "I" if img.mode.startswith("I;16") else "RGBA"
    w, h = img.size
    out = Image.new(wide, (math.ceil(w / factor), math.ceil(h / factor)))
    rows = factor * max(1, BAND_PIXELS // (w * factor))  # a whole number of output rows
    for top in range(0, h, rows):
        band = img.crop((0, top, w, min(h, top + rows))).convert(wide).reduce(factor)
        out.paste(band, (0, top // factor))
    return out


def fit(img: Image.Image, max_pixels: int) -> Image.Image:
    """Downscale (keeping the aspect ratio) to at most ``max_pixels``."""
    w, h = img.size
    if w * h <= max_pixels:
        return img
    s = math.sqrt(max_pixels / (w * h))
    return img.resize((max(1, int(w * s)), max(1, int(h * s))), Image.Resampling.LANCZOS)


def _page(img: Image.Image, max_pixels: int, doc: LoadedDocument, number: int) -> None:
    w, h = img.size
    page = fit(to_rgb(img, max_pixels), max_pixels)
    if page.width * page.height < w * h:
        doc.notes.append(
            f"page {number} downscaled from {w}×{h} to {page.width}×{page.height} pixels"
        )
    doc.pages.append(page)
