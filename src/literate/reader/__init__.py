"""Kosmos-2.5 reading: text-rich images and PDFs → text lines with boxes and Markdown."""

from literate.lines import Line
from literate.reader.page import Document, Page
from literate.reader.reader import Reader

__all__ = ["Document", "Line", "Page", "Reader"]
