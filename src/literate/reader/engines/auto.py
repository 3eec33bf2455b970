"""``--engine auto`` (the default): each page from its PDF text layer where that layer is
usable, else by the OCR engine that scores best on the real-page benchmark.

Today that OCR engine is Tesseract (docs/reader.md, "Which engine reads what"): on real
PDF pages it scores word F1 0.933 against the bundled reader's 0.566, 0.914 against 0.329
on scan-like pages. An invisible text layer (an OCR layer someone added) is trusted only
when it agrees with our own OCR of the page (word F1 ≥ ``agree``): else the OCR is kept and
a note says the layer disagreed. Decided page by page; ``read_by`` records which.
"""

from __future__ import annotations

from PIL import Image

from literate.data.pdftext import TextLayer
from literate.reader.engines.pdf import layer_problem, page_from_layer
from literate.reader.metrics import ocr_scores
from literate.reader.page import Page


class AutoEngine:
    name = "auto"
    uses_text_layers = True

    def __init__(self, ocr, agree: float = 0.8):
        self.ocr, self.agree = ocr, agree
        self.model_name = f"text-layer + {ocr.name}"
        self.batch_size = getattr(ocr, "batch_size", 1)

    def read(
        self, images: list[Image.Image], task: str, layers: list[TextLayer | None] | None = None
    ) -> list[Page]:
        layers = layers or [None] * len(images)
        pages: list[Page | None] = [None] * len(images)
        notes: dict[int, str] = {}
        for i, (image, layer) in enumerate(zip(images, layers, strict=True)):
            if layer is None:
                continue
            problem = layer_problem(layer, image)
            if problem is None:
                pages[i] = page_from_layer(layer, image, "both")
            else:
                notes[i] = f"text layer not used: {problem}"
        plain = [i for i, p in enumerate(pages) if p is None]
        check = [i for i, p in enumerate(pages) if p is not None and layers[i].invisible]
        for todo, ocr_task in ((plain, task), (check, "both")):
            if not todo:
                continue
            read = self.ocr.read([images[i] for i in todo], ocr_task)
            for i, ocr_page in zip(todo, read, strict=True):
                ocr_page.read_by = self.ocr.name
                if pages[i] is not None:  # an invisible layer: keep it if it agrees
                    score = ocr_scores(ocr_page.lines, pages[i].lines).word_f1
                    if score >= self.agree:
                        continue
                    notes[i] = f"invisible text layer disagrees with the ink (word F1 {score:.2f})"
                pages[i] = ocr_page
        for i, page in enumerate(pages):
            if task == "md":
                page.lines = []
            elif task == "ocr":
                page.markdown = None
            page.note = notes.get(i)
        return pages
