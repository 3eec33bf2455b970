"""Reading engines behind one interface: ``read(images, task) -> list[Page]`` plus the
``name`` and ``model_name`` recorded in every output."""

from __future__ import annotations

from typing import Protocol

from PIL import Image

from literate.errors import BadValueError
from literate.reader.page import Page

ENGINES = ("auto", "pdf", "kosmos", "tesseract")
READ_TASKS = ("ocr", "md", "both")


class Engine(Protocol):
    name: str
    model_name: str

    def read(self, images: list[Image.Image], task: str) -> list[Page]: ...


def make_engine(
    engine: str = "auto", model: str | None = None, deskew: bool = True, **kwargs
) -> Engine:
    """``auto``: text layers, else OCR by Tesseract (the OCR engine that measures best on
    real pages, docs/reader.md) or by the Kosmos-2.5 ``model`` when one is named; ``pdf``:
    text layers only; ``kosmos`` (``model`` default: the bundled reader); ``tesseract``.
    OCR engines read each page upright (``deskewed.py``) unless ``deskew`` is False."""
    tesseract_kwargs = {k: v for k, v in kwargs.items() if k in ("lang", "psm")}
    if engine == "auto":
        from literate.reader.engines.auto import AutoEngine

        ocr = make_engine("kosmos" if model else "tesseract", model, deskew, **kwargs)
        return AutoEngine(ocr)
    if engine == "pdf":
        from literate.reader.engines.pdf import PdfEngine

        return PdfEngine()
    if engine == "kosmos":
        from literate.reader.engines.kosmos import KosmosEngine

        return _upright(KosmosEngine.from_pretrained(model or "bundled", **kwargs), deskew)
    if engine == "tesseract":
        from literate.reader.engines.tesseract import TesseractEngine

        return _upright(TesseractEngine(**tesseract_kwargs), deskew)
    raise BadValueError(f"--engine {engine}: choose one of {', '.join(ENGINES)}")


def _upright(engine: Engine, deskew: bool) -> Engine:
    from literate.reader.engines.deskewed import Deskewed

    return Deskewed(engine) if deskew else engine
