"""Reading engines behind one interface: ``read(images, task) -> list[Page]`` plus the
``name`` and ``model_name`` recorded in every output."""

from __future__ import annotations

from typing import Protocol

from PIL import Image

from literate.errors import BadValueError
from literate.reader.types import Page

ENGINES = ("kosmos", "tesseract")
TASKS = ("ocr", "md", "both")


class Engine(Protocol):
    name: str
    model_name: str

    def read(self, images: list[Image.Image], task: str) -> list[Page]: ...


def make_engine(engine: str = "kosmos", model: str = "bundled", **kwargs) -> Engine:
    if engine == "kosmos":
        from literate.reader.engines.kosmos import KosmosEngine

        return KosmosEngine.from_pretrained(model, **kwargs)
    if engine == "tesseract":
        from literate.reader.engines.tesseract import TesseractEngine

        return TesseractEngine(**{k: v for k, v in kwargs.items() if k in ("lang", "psm")})
    raise BadValueError(f"--engine {engine}: choose one of {', '.join(ENGINES)}")
