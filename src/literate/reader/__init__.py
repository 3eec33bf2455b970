"""Kosmos-2.5 reading: text-rich images and PDFs → text lines with boxes and Markdown."""

from literate.reader.reader import Reader
from literate.reader.types import Document, Line, Page

__all__ = ["Document", "Line", "Page", "Reader"]
