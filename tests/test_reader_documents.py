import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from literate.reader.documents import DocumentError, collect_inputs, load_document, to_rgb


def page(w=120, h=80, color=(10, 20, 30)):
    return Image.new("RGB", (w, h), color)


def test_formats_and_multipage(tmp_path):
    page().save(tmp_path / "a.png")
    page().save(tmp_path / "b.jpg")
    page().save(tmp_path / "c.webp")
    page().save(tmp_path / "d.tif", save_all=True, append_images=[page(60, 40), page(30, 20)])
    page().save(tmp_path / "e.pdf", save_all=True, append_images=[page()])
    counts = {p.name: len(load_document(p, dpi=72).pages) for p in sorted(tmp_path.iterdir())}
    assert counts == {"a.png": 1, "b.jpg": 1, "c.webp": 1, "d.tif": 3, "e.pdf": 2}
    tif = load_document(tmp_path / "d.tif")
    assert [p.size for p in tif.pages] == [(120, 80), (60, 40), (30, 20)]
    assert all(p.mode == "RGB" for p in tif.pages)


def test_modes_are_normalised_to_rgb():
    rgba = Image.new("RGBA", (4, 4), (255, 0, 0, 0))  # fully transparent red → white
    assert to_rgb(rgba).getpixel((0, 0)) == (255, 255, 255)
    assert to_rgb(Image.new("L", (4, 4), 128)).getpixel((0, 0)) == (128, 128, 128)
    cmyk = to_rgb(Image.new("CMYK", (4, 4), (0, 0, 0, 0)))
    assert cmyk.mode == "RGB" and cmyk.getpixel((0, 0)) == (255, 255, 255)
    deep = Image.fromarray(np.full((4, 4), 65535, dtype=np.uint16))
    assert deep.mode.startswith("I")
    assert to_rgb(deep).getpixel((0, 0)) == (255, 255, 255)
    assert to_rgb(Image.new("P", (4, 4), 0)).mode == "RGB"


def test_exif_orientation_is_applied(tmp_path):
    img = page(120, 80)
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    img.save(tmp_path / "r.jpg", exif=exif)
    assert load_document(tmp_path / "r.jpg").pages[0].size == (80, 120)


def test_large_pages_are_downscaled_not_refused(tmp_path):
    page(3000, 2000).save(tmp_path / "big.png")
    doc = load_document(tmp_path / "big.png", max_pixels=1_500_000)
    w, h = doc.pages[0].size
    assert w * h <= 1_500_000 and abs(w / h - 1.5) < 0.01
    assert "downscaled from 3000×2000" in doc.notes[0]


def _white_png(path, w, h, depth=8):
    """A valid grayscale PNG (8-bit, or 1-bit with ``depth=1``) of any size, written
    without holding it in memory."""
    comp, row, parts = zlib.compressobj(1), b"\x00" + b"\xff" * ((w * depth + 7) // 8), []
    for _ in range(0, h, 1000):
        parts.append(comp.compress(row * min(1000, h)))
    parts.append(comp.flush())
    data = b"".join(parts)

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", w, h, depth, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def test_huge_image_is_downscaled(tmp_path):
    _white_png(tmp_path / "huge.png", 30000, 30000)
    doc = load_document(tmp_path / "huge.png")
    w, h = doc.pages[0].size
    assert w == h and w * h <= 24_000_000
    assert "30000×30000" in doc.notes[0]
    with pytest.raises(DocumentError, match="decode limit"):
        load_document(tmp_path / "huge.png", decode_limit=100_000_000)


PEAK_RSS = """
import resource, sys
from literate.reader.documents import load_document
doc = load_document(sys.argv[1])
print(doc.pages[0].size, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def test_a_huge_1_bit_scan_is_downscaled_in_little_memory(tmp_path):
    """A 1-bit page is widened to grey band by band, never whole (it once took 6.6× the
    memory of a grey page of the same size: 8 GB at 30000×30000)."""
    import subprocess
    import sys

    _white_png(tmp_path / "bw.png", 20000, 20000, depth=1)
    assert (tmp_path / "bw.png").read_bytes()[24] == 1  # IHDR bit depth: 1-bit
    proc = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(tmp_path / "bw.png")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    size, peak = proc.stdout.rsplit(maxsplit=1)
    assert size == "(4898, 4898)"
    assert int(peak) < 2e9, f"peak RSS {int(peak) / 1e9:.2f} GB"


@pytest.mark.parametrize("mode", ["1", "P", "I;16"])
def test_reducing_band_by_band_equals_reducing_whole(mode):
    from literate.reader.documents import BAND_PIXELS, _reduce

    rng = np.random.default_rng(0)
    grey = Image.fromarray(rng.integers(0, 256, (203, 157), dtype=np.uint8), "L")
    img = grey.convert("1") if mode == "1" else grey.quantize(16) if mode == "P" else None
    if img is None:
        img = Image.fromarray(rng.integers(0, 65536, (203, 157), dtype=np.uint16))
        assert img.mode == "I;16"
    wide = {"1": "L", "P": "RGBA", "I;16": "I"}[mode]
    whole = img.convert(wide).reduce(3)
    import literate.reader.documents as documents

    old, documents.BAND_PIXELS = BAND_PIXELS, 157 * 7  # bands of 6 rows here
    try:
        banded = _reduce(img, 3)
    finally:
        documents.BAND_PIXELS = old
    assert banded.mode == whole.mode and banded.size == whole.size == (53, 68)
    assert np.array_equal(np.asarray(banded), np.asarray(whole))


def test_bad_inputs_each_get_one_line(tmp_path):
    import pypdfium2 as pdfium

    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.png").write_text("not an image\n")
    page(200, 200).save(tmp_path / "ok.png")
    data = (tmp_path / "ok.png").read_bytes()
    (tmp_path / "truncated.png").write_bytes(data[: len(data) // 2])
    pdfium.PdfDocument.new().save(str(tmp_path / "zero.pdf"))
    (tmp_path / "fake.pdf").write_text("%PDF-1.4 nothing else")
    expected = {
        "empty.png": "empty file",
        "text.png": "not an image",
        "truncated.png": "truncated or corrupt",
        "zero.pdf": "no pages",
        "fake.pdf": "corrupt or unreadable PDF",
    }
    for name, reason in expected.items():
        with pytest.raises(DocumentError) as e:
            load_document(tmp_path / name)
        message = str(e.value)
        assert reason in message and name in message and "\n" not in message


def test_collect_inputs_recurses_and_reports_missing(tmp_path):
    (tmp_path / "sub").mkdir()
    page().save(tmp_path / "sub" / "x.png")
    page().save(tmp_path / "y.pdf")
    (tmp_path / "y.json").write_text("{}")  # ground truth next to a page is not an input
    found, errors = collect_inputs([tmp_path, tmp_path / "nope.png"])
    assert [f.relative_to(tmp_path).as_posix() for f, _ in found] == ["sub/x.png", "y.pdf"]
    assert errors == [f"{tmp_path / 'nope.png'}: no such file or folder"]


def test_fifos_and_devices_say_what_they_are(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.png")
    page().save(tmp_path / "ok.png")
    found, errors = collect_inputs([tmp_path / "pipe.png", "/dev/null", tmp_path])
    assert [f.name for f, _ in found] == ["ok.png"]
    assert errors == [
        f"{tmp_path / 'pipe.png'}: is a named pipe (FIFO), not a file or folder",
        "/dev/null: is a character device, not a file or folder",
        f"{tmp_path / 'pipe.png'}: is a named pipe (FIFO), not a file",
    ]
    with pytest.raises(DocumentError, match="/dev/null: is a character device, not a file"):
        load_document("/dev/null")


def locked(monkeypatch, path):
    """Make ``path`` unreadable as without read permission (we may run as root, where
    chmod 000 does not stop reads): ``os.access`` says no and ``open`` raises."""
    import builtins
    import os

    real_open, real_access = builtins.open, os.access

    def fake_open(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    def fake_access(file, mode, *args, **kwargs):
        return False if str(file) == str(path) else real_access(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "access", fake_access)
    return real_access


def test_a_file_without_read_permission_is_one_line(tmp_path, monkeypatch):
    import os

    page().save(tmp_path / "locked.png")
    page().save(tmp_path / "locked.pdf")
    for name in ("locked.png", "locked.pdf"):
        with monkeypatch.context() as m:
            locked(m, tmp_path / name)
            with pytest.raises(DocumentError) as e:
                load_document(tmp_path / name)
        assert str(e.value) == f"{tmp_path / name}: cannot read (permission denied)"
    # open refusing where os.access said yes (ACLs, network file systems) is the same line
    with monkeypatch.context() as m:
        real_access = locked(m, tmp_path / "locked.png")
        m.setattr(os, "access", real_access)
        with pytest.raises(DocumentError, match=r"locked.png: cannot read \(permission denied\)"):
            load_document(tmp_path / "locked.png")
    assert load_document(tmp_path / "locked.png").pages  # readable again


def test_an_unreadable_sub_folder_is_one_line_and_the_rest_are_found(tmp_path, monkeypatch):
    import os

    for sub in ("a", "b", "c"):
        (tmp_path / sub).mkdir()
        page().save(tmp_path / sub / "x.png")
    real_scandir = os.scandir

    def fake_scandir(path="."):
        if str(path) == str(tmp_path / "b"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", fake_scandir)
    found, errors = collect_inputs([tmp_path])
    assert [f.parent.name for f, _ in found] == ["a", "c"]
    assert errors == [f"{tmp_path / 'b'}: cannot read this folder (permission denied)"]
    found, errors = collect_inputs([tmp_path / "b"])
    assert found == [] and errors == [
        f"{tmp_path / 'b'}: cannot read this folder (permission denied)"
    ]
