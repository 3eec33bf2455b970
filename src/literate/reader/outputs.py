"""Per-document outputs: ``<stem>.json``, ``<stem>.md``, ``<stem>.boxes.png`` (page 1 with
its lines drawn), all written atomically."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from literate.io import atomic_output, check_output_file, write_json_atomic, write_text_atomic
from literate.lines import Line
from literate.reader.page import Document


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


def save_image_atomic(image: Image.Image, path: Path) -> None:
    """A PNG written atomically, with the same mode as the JSON and Markdown beside it."""
    with atomic_output(path) as tmp:
        image.save(tmp, format="PNG")


def output_paths(out_dir: Path, stem: str) -> list[Path]:
    """The three files ``write_document`` writes for ``stem``."""
    base = Path(out_dir) / stem
    return [Path(f"{base}.json"), Path(f"{base}.md"), Path(f"{base}.boxes.png")]


def write_document(doc: Document, first_page: Image.Image, out_dir: Path, stem: str) -> list[Path]:
    """Write the three outputs under ``out_dir`` (``stem`` may hold sub-folders). Raises
    ``OutputError`` naming the path that cannot be written, before writing any of the three
    when a folder (or a file where a folder should be) is in the way."""
    paths = output_paths(out_dir, stem)
    for path in paths:
        check_output_file(path)
    write_json_atomic(paths[0], doc.to_json())
    write_text_atomic(paths[1], doc.markdown() + "\n")
    lines = doc.pages[0].lines if doc.pages else []
    save_image_atomic(draw_boxes(first_page, lines), paths[2])
    return paths
