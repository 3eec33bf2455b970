"""ALTO 4.4 XML: one ``Page`` per page, a ``TextBlock`` of ``TextLine``s of ``String``s with
``SP`` between them, measured in the page image's pixels (``MeasurementUnit`` pixel), as
digitisation libraries and ALTO viewers expect."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from literate import __version__
from literate.lines import Box
from literate.reader.formats.words import word_boxes
from literate.reader.page import Document

NS = "http://www.loc.gov/standards/alto/ns-v4#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = f"{NS} http://www.loc.gov/alto/v4/alto-4-4.xsd"


def _geometry(box: Box) -> dict[str, str]:
    x0, y0, x1, y1 = box
    return {"HPOS": str(x0), "VPOS": str(y0), "WIDTH": str(x1 - x0), "HEIGHT": str(y1 - y0)}


def _union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def to_alto(doc: Document) -> str:
    ET.register_namespace("", NS)
    ET.register_namespace("xsi", XSI)
    alto = ET.Element(f"{{{NS}}}alto", {f"{{{XSI}}}schemaLocation": SCHEMA})
    desc = ET.SubElement(alto, f"{{{NS}}}Description")
    ET.SubElement(desc, f"{{{NS}}}MeasurementUnit").text = "pixel"
    info = ET.SubElement(desc, f"{{{NS}}}sourceImageInformation")
    ET.SubElement(info, f"{{{NS}}}fileName").text = doc.source
    processing = ET.SubElement(desc, f"{{{NS}}}Processing", {"ID": "read"})
    step = ET.SubElement(processing, f"{{{NS}}}processingSoftware")
    ET.SubElement(step, f"{{{NS}}}softwareName").text = "literate"
    ET.SubElement(step, f"{{{NS}}}softwareVersion").text = __version__
    ET.SubElement(step, f"{{{NS}}}applicationDescription").text = f"{doc.engine}: {doc.model}"
    layout = ET.SubElement(alto, f"{{{NS}}}Layout")
    for page in doc.pages:
        n = page.page
        el = ET.SubElement(layout, f"{{{NS}}}Page", {"ID": f"page_{n}"})
        el.attrib.update(
            {"PHYSICAL_IMG_NR": str(n), "WIDTH": str(page.width), "HEIGHT": str(page.height)}
        )
        space = ET.SubElement(el, f"{{{NS}}}PrintSpace", _geometry((0, 0, page.width, page.height)))
        if not page.lines:
            continue
        block = ET.SubElement(space, f"{{{NS}}}TextBlock", {"ID": f"block_{n}"})
        block.attrib.update(_geometry(_union([ln.bbox for ln in page.lines])))
        for i, line in enumerate(page.lines, 1):
            tl = ET.SubElement(block, f"{{{NS}}}TextLine", {"ID": f"line_{n}_{i}"})
            tl.attrib.update(_geometry(line.bbox))
            words = word_boxes(line)
            for j, (word, box) in enumerate(words, 1):
                if j > 1:
                    prev = words[j - 2][1]
                    gap = {"WIDTH": str(max(0, box[0] - prev[2])), "HPOS": str(prev[2])}
                    ET.SubElement(tl, f"{{{NS}}}SP", {**gap, "VPOS": str(box[1])})
                string = ET.SubElement(tl, f"{{{NS}}}String", {"ID": f"string_{n}_{i}_{j}"})
                string.attrib.update({"CONTENT": word, **_geometry(box)})
    ET.indent(alto, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(alto, encoding="unicode") + "\n"
