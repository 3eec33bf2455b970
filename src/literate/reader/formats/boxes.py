"""``<stem>.boxes.png``: page 1 with every line's box and its reading-order number, the
quickest way to see what a reader found and where."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from literate.lines import Line


def draw_boxes(image: Image.Image, lines: list[Line]) -> Image.Image:
    """The page with every line's box and its reading-order number."""
    out = image.convert("RGB").copy()
    draw = ImageDraw.Draw(out)
    font = ImageFont.load_default(size=max(10, out.height // 90))
    for i, line in enumerate(lines, 1):
        color = (220, 30, 30) if i % 2 else (30, 90, 220)
        draw.rectangle(line.bbox, outline=color, width=max(1, out.width // 600))
        draw.text((line.bbox[0], max(0, line.bbox[1] - font.size)), str(i), fill=color, font=font)
    return out


def to_png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
