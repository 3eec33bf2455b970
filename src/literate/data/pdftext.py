"""A PDF's own text layer: lines and words with boxes, in pixels of the page rendered at a dpi.

One reader for two jobs, so they agree exactly: the data engine takes its ground truth from
it (as Kosmos-2.5 took its OCR truth from PDFs), and ``--engine pdf`` reads born-digital
pages with it. Poppler's ``pdftotext -bbox-layout`` does the layout analysis (reading order,
columns, words); boxes are points × dpi/72, clipped to the page.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from literate.errors import LiterateError
from literate.lines import Line

NS = {"h": "http://www.w3.org/1999/xhtml"}


@dataclass
class TextLayer:
    """One page's text layer at ``dpi``: ``lines`` carry their ``words`` as ``Line``s too."""

    width: int
    height: int
    lines: list[Line] = field(default_factory=list)
    words: list[list[Line]] = field(default_factory=list)  # words[i]: the words of lines[i]
    invisible: bool = False  # every text object is drawn invisibly (an added OCR layer)

    @property
    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines)

    def unmapped_share(self) -> float:
        """Share of characters that carry no Unicode meaning (private use, control,
        unassigned, U+FFFD): glyphs a font did not map, so the text says nothing."""
        chars = [c for ln in self.lines for c in ln.text if not c.isspace()]
        if not chars:
            return 0.0
        bad = sum(c == "\ufffd" or unicodedata.category(c) in ("Co", "Cc", "Cn") for c in chars)
        return bad / len(chars)

    def scaled(self, width: int, height: int) -> TextLayer:
        """The layer for the same page rendered at ``width`` × ``height`` pixels."""
        kx, ky = width / max(1, self.width), height / max(1, self.height)

        def move(ln: Line) -> Line:
            x0, y0, x1, y1 = ln.bbox
            box = (
                max(0, math.floor(x0 * kx)),
                max(0, math.floor(y0 * ky)),
                min(width, math.ceil(x1 * kx)),
                min(height, math.ceil(y1 * ky)),
            )
            return Line(ln.text, box)

        lines = [move(ln) for ln in self.lines]
        words = [[move(w) for w in ws] for ws in self.words]
        return TextLayer(width, height, lines, words, self.invisible)


def text_layers(
    pdf: str | Path, dpi: int, first: int | None = None, last: int | None = None
) -> list[TextLayer]:
    """Every page's text layer (or pages ``first``…``last``, 1-based), at ``dpi``."""
    if shutil.which("pdftotext") is None:
        raise LiterateError("pdftotext is not installed (Debian: poppler-utils; `make`)")
    cmd = ["pdftotext", "-bbox-layout", "-q"]
    if first:
        cmd += ["-f", str(first)]
    if last:
        cmd += ["-l", str(last)]
    proc = subprocess.run([*cmd, str(pdf), "-"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise LiterateError(f"{pdf}: pdftotext failed: {proc.stderr.strip()[:200]}")
    return parse_bbox_layout(proc.stdout, dpi)


def parse_bbox_layout(xhtml: str, dpi: int) -> list[TextLayer]:
    """``pdftotext -bbox-layout`` output → one ``TextLayer`` per page. Control characters
    (glyphs a font maps to nothing readable) become U+FFFD, so ``unmapped_share`` sees them
    and the XML stays well-formed."""
    xhtml = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", xhtml)
    try:
        root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", xhtml))
    except ET.ParseError as e:
        raise LiterateError(f"unreadable text layer ({e})") from None
    k = dpi / 72
    layers = []
    for page in root.iterfind(".//h:page", NS):
        width = math.ceil(float(page.get("width")) * k)
        height = math.ceil(float(page.get("height")) * k)

        def box(el, width=width, height=height) -> tuple[int, int, int, int]:
            x0, y0 = math.floor(float(el.get("xMin")) * k), math.floor(float(el.get("yMin")) * k)
            x1, y1 = math.ceil(float(el.get("xMax")) * k), math.ceil(float(el.get("yMax")) * k)
            return (max(0, x0), max(0, y0), min(width, x1), min(height, y1))

        layer = TextLayer(width, height)
        for line in page.iterfind(".//h:line", NS):
            words = [
                Line(w.text.strip(), box(w))
                for w in line.iterfind("h:word", NS)
                if w.text and w.text.strip()
            ]
            words = [w for w in words if w.bbox[0] < w.bbox[2] and w.bbox[1] < w.bbox[3]]
            if words:
                bb = (
                    min(w.bbox[0] for w in words),
                    min(w.bbox[1] for w in words),
                    max(w.bbox[2] for w in words),
                    max(w.bbox[3] for w in words),
                )
                layer.lines.append(Line(" ".join(w.text for w in words), bb))
                layer.words.append(words)
        layers.append(layer)
    return layers


def ink_mask(image: Image.Image) -> np.ndarray:
    """Dark pixels: below Otsu's threshold of the page's grey levels (and below 200, so a
    blank page has none)."""
    grey = np.asarray(ImageOps.grayscale(image))
    if grey.size == 0 or grey.min() > 199:
        return np.zeros(grey.shape, dtype=bool)
    hist = np.bincount(grey.ravel(), minlength=256).astype(float)
    levels = np.arange(256)
    w0, m0 = np.cumsum(hist), np.cumsum(hist * levels)
    total, mean = w0[-1], m0[-1]
    w1 = total - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean * w0 / total - m0) ** 2 / (w0 * w1)
    threshold = int(np.nanargmax(between[:-1])) if total else 0
    return grey <= min(threshold, 199)


@dataclass(frozen=True)
class LayerChecks:
    """When a text layer is trusted (chosen on rendered and real pages: see docs/reader.md)."""

    max_unmapped: float = 0.05  # share of characters without a Unicode meaning
    min_ink_covered: float = 0.35  # share of the page's ink inside (padded) text boxes
    min_lines_on_ink: float = 0.8  # share of text lines with ink under them
    line_ink: float = 0.02  # ink share of a box that counts as "ink under it"


def layer_problem(layer: TextLayer | None, image: Image.Image, checks=LayerChecks()) -> str | None:
    """Why ``layer`` cannot be trusted for ``image`` (one phrase), or None if it can."""
    if layer is None or not layer.lines:
        return "no text layer"
    unmapped = layer.unmapped_share()
    if unmapped > checks.max_unmapped:
        return f"{unmapped:.0%} of its characters have no Unicode mapping"
    if image.size != (layer.width, layer.height):
        layer = layer.scaled(*image.size)
    ink = ink_mask(image)
    total = int(ink.sum())
    if total == 0:
        return "text layer over a page without ink"
    covered = np.zeros_like(ink)
    on_ink = 0
    for line in layer.lines:
        x0, y0, x1, y1 = line.bbox
        pad = max(2, (y1 - y0) // 3)
        covered[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad] = True
        on_ink += ink[y0:y1, x0:x1].mean() >= checks.line_ink if y1 > y0 and x1 > x0 else 0
    share_covered = float((ink & covered).sum()) / total
    if share_covered < checks.min_ink_covered:
        return f"its text covers only {share_covered:.0%} of the page's ink"
    share_on_ink = on_ink / len(layer.lines)
    if share_on_ink < checks.min_lines_on_ink:
        return f"{1 - share_on_ink:.0%} of its lines lie where the page has no ink"
    return None
