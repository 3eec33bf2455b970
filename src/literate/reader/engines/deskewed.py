"""Any OCR engine, reading each page upright on white paper: a scan's paper is flattened
(``layout.flatten``: grey, uneven or shadowed paper made white), a page on its side or
upside down is turned (``layout.orientation``, confirmed by Tesseract's orientation
detector where it is installed), its skew is estimated from its ink (``layout.deskew``) and
levelled, the page is read, and the boxes are mapped back to the input's pixels. Pages
within ``min_degrees`` of level are read as they are (the estimate errs by up to ≈ 1° on
some level pages with few or short lines, and OCR engines take a small skew in their
stride); every flattening, turn or deskew is noted on the page."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from literate.lines import Line
from literate.reader.engines.tesseract import tesseract_env
from literate.reader.layout.deskew import estimate_skew, level, unrotate_box
from literate.reader.layout.flatten import flatten
from literate.reader.layout.orientation import (
    doubtful,
    quarter_turns,
    sideways,
    turn_back_box,
)
from literate.reader.layout.segment import ink_mask
from literate.reader.page import Page


def _tesseract(image: Image.Image, *args: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        image.save(path)
        proc = subprocess.run(
            ["tesseract", str(path), "-", *args],
            capture_output=True,
            text=True,
            env=tesseract_env(),
        )
    return proc.stdout


def confident_words(image: Image.Image, min_conf: float = 70) -> int:
    """Words Tesseract reads with confidence ≥ ``min_conf`` (``--psm 3`` TSV): many on a
    page read the right way up, few on one read upside down or on its side."""
    n = 0
    for row in _tesseract(image, "--psm", "3", "tsv").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) == 12 and cols[11].strip() and float(cols[10]) >= min_conf:
            n += 1
    return n


MIN_CONFIDENCE = 1.5  # below it the detector's answer is ignored


def detector_answer(small: Image.Image) -> tuple[int, float]:
    """Tesseract's orientation detector (``--psm 0``) on ``small``: (counter-clockwise
    quarter turns it proposes, its confidence); (0, 0.0) when it gives no answer."""
    out = _tesseract(small, "--psm", "0")
    found = re.search(r"Rotate: (\d+)", out)
    conf = re.search(r"Orientation confidence: ([\d.]+)", out)
    if not found or not conf:
        return 0, 0.0
    return (4 - int(found.group(1)) // 90) % 4, float(conf.group(1))  # "Rotate: 90" = ↻ 90°


def checked(turns: int, small: Image.Image, ink) -> int:
    """The detector's ``turns`` where the page bears them out, else 0: a quarter turn only
    where the ink runs vertically, a half turn only where the turned page reads more
    confident words (both ways up have the same profiles, so only reading tells)."""
    if turns % 2:
        return turns if sideways(ink, ratio=1.0) else 0
    if turns and confident_words(small.rotate(180)) <= confident_words(small):
        return 0
    return turns


def shrunk(image: Image.Image, width: int = 1000) -> Image.Image:
    """The greyscale page at most ``width`` wide, as the orientation tests see it."""
    small = image.convert("L")
    if small.width > width:
        small = small.resize((width, max(1, round(small.height * width / small.width))))
    return small


def detect_turns(image: Image.Image, width: int = 1000) -> int:
    """Counter-clockwise quarter turns that make ``image`` upright: Tesseract's orientation
    detector when the ink leaves doubt, its answer ``checked``, else 0; the ink alone where
    Tesseract is not installed. Unchecked, the detector turned 10 of 93 upright scans and 3
    of 93 clean pages of the real-page validation split (confidence up to 10.1), which
    every engine then read as nothing (``research/orientation_check.py``)."""
    small = shrunk(image, width)
    ink = ink_mask(small)
    if not doubtful(ink):
        return 0
    if shutil.which("tesseract") is None:
        return quarter_turns(ink)
    turns, confidence = detector_answer(small)
    return checked(turns, small, ink) if confidence >= MIN_CONFIDENCE else 0


class Deskewed:
    def __init__(
        self, engine, min_degrees: float = 1.0, max_degrees: float = 5.0, flat: bool = True
    ):
        self.engine, self.min_degrees, self.max_degrees = engine, min_degrees, max_degrees
        self.flat = flat
        self.name, self.model_name = engine.name, engine.model_name
        self.batch_size = getattr(engine, "batch_size", 1)

    def __getattr__(self, name: str):
        """Everything else is the wrapped engine's (its processor, tiling, device…)."""
        return getattr(self.__dict__["engine"], name)

    def read(self, images: list[Image.Image], task: str) -> list[Page]:
        flattened = [flatten(im) if self.flat else im for im in images]
        turns = [detect_turns(im) for im in flattened]
        turned = [
            im.rotate(90 * t, expand=True) if t else im
            for im, t in zip(flattened, turns, strict=True)
        ]
        skews = [estimate_skew(im, self.max_degrees) for im in turned]
        upright = [
            level(im, s) if abs(s) >= self.min_degrees else im
            for im, s in zip(turned, skews, strict=True)
        ]
        pages = self.engine.read(upright, task)
        for page, image, im_f, im_t, t, skew in zip(
            pages, images, flattened, turned, turns, skews, strict=True
        ):
            notes = ["paper flattened"] if im_f is not image else []
            if t:
                notes.append(f"turned upright by {90 * t}° counter-clockwise")
            if abs(skew) >= self.min_degrees:
                notes.append(f"deskewed by {skew:+.1f}°")
            if not notes:
                continue
            lines = []
            for ln in page.lines:
                box = ln.bbox
                if abs(skew) >= self.min_degrees:
                    box = unrotate_box(box, skew, im_t.size)
                if t:
                    box = turn_back_box(box, t, image.size)
                if box[0] < box[2] and box[1] < box[3]:
                    lines.append(Line(ln.text, box))
            page.lines, page.width, page.height = lines, image.width, image.height
            page.note = "; ".join(notes)
        return pages
