"""What a reader returns: lines with boxes (``literate.lines``) and Markdown per page, per
document.

``to_json`` gives the contract of DESIGN.md: boxes are integer pixels of the original page,
``x0 < x1`` and ``y0 < y1``, inside the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from literate.lines import Line


@dataclass
class Page:
    page: int  # 1-based
    width: int
    height: int
    lines: list[Line] = field(default_factory=list)
    markdown: str | None = None
    dropped: int = 0  # malformed or repeated pieces of the model output left out
    read_by: str | None = None  # "text-layer" or the OCR engine's name
    note: str | None = None  # why a page was read as it was (e.g. its text layer was unusable)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def to_json(self) -> dict:
        return {
            "page": self.page,
            "width": self.width,
            "height": self.height,
            "read_by": self.read_by,
            "lines": [{"text": ln.text, "bbox": list(ln.bbox)} for ln in self.lines],
            "markdown": self.markdown,
            "dropped": self.dropped,
            **({"note": self.note} if self.note else {}),
        }


@dataclass
class Document:
    source: str
    engine: str
    model: str
    pages: list[Page]

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "engine": self.engine,
            "model": self.model,
            "pages": [p.to_json() for p in self.pages],
        }

    def markdown(self) -> str:
        """The pages' Markdown (or their text lines where there is none), page-marked when
        there is more than one page."""
        parts = [p.markdown if p.markdown is not None else p.text for p in self.pages]
        if len(parts) == 1:
            return parts[0]
        return "\n\n".join(
            f"<!-- page {p.page} -->\n\n{t}" for p, t in zip(self.pages, parts, strict=True)
        )
