"""hOCR 1.2 (XHTML): ``ocr_page`` > ``ocr_line`` > ``ocrx_word``, boxes in the page image's
pixels, the form Tesseract and ocrmypdf read and hOCR viewers open."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from literate import __version__
from literate.lines import Box
from literate.reader.formats.words import word_boxes
from literate.reader.page import Document

XHTML = "http://www.w3.org/1999/xhtml"
CAPABILITIES = "ocr_page ocr_line ocrx_word ocrp_wconf"
DOCTYPE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
)


def _bbox(box: Box) -> str:
    return "bbox {} {} {} {}".format(*box)


def to_hocr(doc: Document) -> str:
    ET.register_namespace("", XHTML)
    html = ET.Element(f"{{{XHTML}}}html", {"xml:lang": "en", "lang": "en"})
    head = ET.SubElement(html, f"{{{XHTML}}}head")
    ET.SubElement(head, f"{{{XHTML}}}title").text = doc.source
    meta = {"ocr-system": f"literate {__version__} ({doc.engine}: {doc.model})"}
    meta["ocr-capabilities"] = CAPABILITIES
    meta["ocr-number-of-pages"] = str(len(doc.pages))
    ET.SubElement(head, f"{{{XHTML}}}meta", {"http-equiv": "Content-Type"}).set(
        "content", "text/html;charset=utf-8"
    )
    for name, content in meta.items():
        ET.SubElement(head, f"{{{XHTML}}}meta", {"name": name, "content": content})
    body = ET.SubElement(html, f"{{{XHTML}}}body")
    source = doc.source.replace('"', "'")
    for page in doc.pages:
        n = page.page
        title = f'image "{source}"; {_bbox((0, 0, page.width, page.height))}; ppageno {n - 1}'
        div = ET.SubElement(body, f"{{{XHTML}}}div", {"class": "ocr_page", "id": f"page_{n}"})
        div.set("title", title)
        for i, line in enumerate(page.lines, 1):
            span = ET.SubElement(div, f"{{{XHTML}}}span", {"class": "ocr_line"})
            span.set("id", f"line_{n}_{i}")
            span.set("title", _bbox(line.bbox))
            for j, (word, box) in enumerate(word_boxes(line), 1):
                w = ET.SubElement(span, f"{{{XHTML}}}span", {"class": "ocrx_word"})
                w.set("id", f"word_{n}_{i}_{j}")
                w.set("title", _bbox(box))
                w.text = word
                w.tail = " "
            if len(span):
                span[-1].tail = None
    ET.indent(html, space=" ")
    body_text = ET.tostring(html, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{DOCTYPE}\n{body_text}\n'
