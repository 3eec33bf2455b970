"""An upload checked before it is queued, and decoded once it is its turn.

``probe`` reads only headers (PDF page count, image size and frame count), so a hostile
upload (a decompression bomb, a 10,000-page PDF, an encrypted PDF, a text file) is refused
at once with a one-line reason, before it costs a page of memory. ``load`` decodes it with
``load_document``, the same limits as ``literate read``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from literate.errors import DocumentError
from literate.reader.documents import DECODE_LIMIT, MAX_PIXELS, LoadedDocument, load_document
from literate.serve.uploads import Refused

# PDFium is not thread-safe, and load_document swaps PIL's global decoding limits while it
# decodes: every PDFium call and every image decode in the server holds this lock.
DECODING = threading.Lock()
IMAGE_FORMATS = ["PNG", "JPEG", "MPO", "TIFF", "WEBP"]  # what DESIGN.md says `read` accepts


def probe(path: Path, name: str, max_pages: int, decode_limit: int = DECODE_LIMIT) -> int:
    """The upload's page count; raises ``Refused`` (400 unreadable, 413 too many pages)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(5)
    except OSError as e:  # pragma: no cover - the server wrote the file itself
        raise Refused(500, f"{name}: the upload could not be read back ({e.strerror})") from None
    if size == 0:
        raise Refused(400, f"{name}: empty file")
    if head == b"%PDF-" or path.suffix.lower() == ".pdf":
        if head != b"%PDF-":
            raise Refused(400, f"{name}: not a PDF (no %PDF header)")
        pages = _pdf_pages(path, name)
    else:
        pages = _image_frames(path, name, decode_limit)
    if pages > max_pages:
        raise Refused(413, f"{name}: {pages} pages is above this server's limit of {max_pages}")
    return pages


def _pdf_pages(path: Path, name: str) -> int:
    import pypdfium2 as pdfium

    with DECODING:
        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as e:
            if "password" in str(e).lower():
                raise Refused(
                    400, f"{name}: the PDF is encrypted (password-protected); remove the password"
                ) from None
            error = _load_error(path, name)  # load_document's words: "no pages", "corrupt…"
            raise Refused(400, error or f"{name}: corrupt or unreadable PDF ({e})") from None
        try:
            return len(pdf)
        finally:
            pdf.close()


def _image_frames(path: Path, name: str, decode_limit: int) -> int:
    with DECODING:
        old = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None  # the decode limit below is ours, as in load_document
        try:
            Image.init()  # registers every plugin, so each of IMAGE_FORMATS can be named
            formats = [f for f in IMAGE_FORMATS if f in Image.OPEN]
            with Image.open(path, formats=formats) as img:
                w, h = img.size
                if w * h > decode_limit:
                    raise Refused(
                        400,
                        f"{name}: {w}×{h} pixels is above the decode limit of "
                        f"{decode_limit / 1e6:,.0f} MP; downscale it first",
                    )
                return int(getattr(img, "n_frames", 1))
        except UnidentifiedImageError:
            raise Refused(
                400, f"{name}: not an image or PDF this reader knows (PNG, JPEG, TIFF, WebP, PDF)"
            ) from None
        except (OSError, SyntaxError, ValueError) as e:
            raise Refused(400, f"{name}: truncated or corrupt image ({e})") from None
        finally:
            Image.MAX_IMAGE_PIXELS = old


def _load_error(path: Path, name: str) -> str | None:
    try:
        load_document(path, 72)
    except DocumentError as e:
        return str(e).replace(str(path), name)
    return None


def load(
    path: Path,
    name: str,
    dpi: int,
    max_pixels: int = MAX_PIXELS,
    decode_limit: int = DECODE_LIMIT,
) -> LoadedDocument:
    """Every page of the upload, as ``literate read`` decodes it; raises ``Refused`` (400)
    with ``load_document``'s one-line reason, naming the upload, not the temporary file."""
    with DECODING:
        try:
            return load_document(path, dpi, max_pixels, decode_limit)
        except DocumentError as e:
            raise Refused(400, str(e).replace(str(path), name)) from None
