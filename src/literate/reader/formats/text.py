"""Plain text: the read lines of each page, pages separated by a form feed as
``pdftotext`` separates them, so tools that split on ``\\f`` find the pages."""

from __future__ import annotations

from literate.reader.page import Document


def to_text(doc: Document) -> str:
    return "\f".join(page.text + "\n" if page.lines else "" for page in doc.pages)
