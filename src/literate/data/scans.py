"""A scan simulator: a clean page image becomes what a scanner or a phone gives, and its
boxes move with it, so degraded pages keep exact truth (for training and for the degraded
half of the real-page benchmark).

What a scan does to a page, each drawn from ``ScanConfig``'s ranges: resampling to 100–300
dpi, rotation up to ±3°, a slight perspective, grey or uneven paper with a shadow at one
edge, bleed-through of the other side, blur, sensor noise, sometimes binarisation, and JPEG.
Geometry is one projective map ``forward`` (page → scan); a box's four corners go through
it and the box is their bounding box, clipped to the scan.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import asdict, dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from literate.errors import BadValueError
from literate.lines import Box, Line


@dataclass(frozen=True)
class ScanConfig:
    """Ranges the simulator draws from (uniform unless said)."""

    dpi: tuple[int, int] = (100, 300)
    source_dpi: int = 150  # the clean page's resolution
    max_rotation: float = 3.0  # degrees, either way
    max_perspective: float = 0.015  # corner shift, as a share of the page's size
    paper: tuple[float, float] = (0.72, 1.0)  # paper brightness
    uneven: float = 0.12  # brightness falloff across the page, at most
    shadow: float = 0.35  # probability of a shadow at one edge
    bleed: float = 0.3  # probability of bleed-through
    blur: tuple[float, float] = (0.0, 1.2)  # Gaussian radius, pixels
    noise: tuple[float, float] = (2.0, 12.0)  # sensor noise σ, grey levels
    binarise: float = 0.15  # probability of a 1-bit scan
    jpeg: tuple[int, int] = (30, 90)  # quality

    def __post_init__(self) -> None:
        """Checked here, not in each caller: any draw from a bad range is garbage."""
        lo, hi = self.blur
        if not 0.0 <= lo <= hi <= 5.0:
            raise BadValueError(f"--blur {lo} {hi}: give 0 <= MIN <= MAX <= 5")
        if not 0.0 <= self.binarise <= 1.0:
            raise BadValueError(f"--binarise {self.binarise}: give a share from 0 to 1")


@dataclass(frozen=True)
class Scan:
    """What was drawn for one page, recorded with it."""

    dpi: int
    rotation: float
    perspective: tuple[float, ...]
    paper: float
    uneven: float
    shadow: bool
    bleed: bool
    blur: float
    noise: float
    binarised: bool
    jpeg: int


def draw(rng: random.Random, cfg: ScanConfig = ScanConfig()) -> Scan:
    p = cfg.max_perspective
    return Scan(
        dpi=rng.randint(*cfg.dpi),
        rotation=rng.uniform(-cfg.max_rotation, cfg.max_rotation),
        perspective=tuple(rng.uniform(-p, p) for _ in range(8)),
        paper=rng.uniform(*cfg.paper),
        uneven=rng.uniform(0, cfg.uneven),
        shadow=rng.random() < cfg.shadow,
        bleed=rng.random() < cfg.bleed,
        blur=rng.uniform(*cfg.blur),
        noise=rng.uniform(*cfg.noise),
        binarised=rng.random() < cfg.binarise,
        jpeg=rng.randint(*cfg.jpeg),
    )


def forward(scan: Scan, size: tuple[int, int], scale: float) -> np.ndarray:
    """The 3×3 projective map from clean-page pixels to scan pixels: scale to the scan's
    dpi, rotate about the centre, move the corners by the drawn perspective shifts."""
    w, h = size[0] * scale, size[1] * scale
    a = math.radians(scan.rotation)
    cx, cy = w / 2, h / 2
    rot = np.array(
        [
            [math.cos(a), -math.sin(a), cx - cx * math.cos(a) + cy * math.sin(a)],
            [math.sin(a), math.cos(a), cy - cx * math.sin(a) - cy * math.cos(a)],
            [0, 0, 1],
        ]
    )
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=float)
    d = np.array(scan.perspective).reshape(4, 2) * [w, h]
    persp = homography(src, src + d)
    return persp @ rot @ np.diag([scale, scale, 1.0])


def geometry(
    scan: Scan, size: tuple[int, int], source_dpi: int = 150
) -> tuple[np.ndarray, tuple[int, int]]:
    """The page → scan map and the scan's size in pixels."""
    scale = scan.dpi / source_dpi
    out = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))
    return forward(scan, size, scale), out


def homography(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The projective map taking four points ``src`` to ``dst``."""
    rows = []
    for (x, y), (u, v) in zip(src, dst, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, -u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, -v])
    _, _, vt = np.linalg.svd(np.array(rows))
    m = vt[-1].reshape(3, 3)
    return m / m[2, 2]


def move_box(box: Box, m: np.ndarray, size: tuple[int, int]) -> Box | None:
    """A box's four corners through ``m``, as their bounding box clipped to ``size``."""
    x0, y0, x1, y1 = box
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], dtype=float) @ m.T
    xs, ys = pts[:, 0] / pts[:, 2], pts[:, 1] / pts[:, 2]
    out = (
        max(0, math.floor(xs.min())),
        max(0, math.floor(ys.min())),
        min(size[0], math.ceil(xs.max())),
        min(size[1], math.ceil(ys.max())),
    )
    return out if out[0] < out[2] and out[1] < out[3] else None


def simulate(
    image: Image.Image, lines: list[Line], scan: Scan, source_dpi: int = 150
) -> tuple[Image.Image, list[Line]]:
    """The page as ``scan`` gives it, and its lines' boxes in the scan's pixels (a line
    pushed off the page is dropped)."""
    m, size = geometry(scan, image.size, source_dpi)
    inv = np.linalg.inv(m)
    inv = inv / inv[2, 2]
    grey = ImageOps.grayscale(image)
    if scan.bleed:  # the other side's print, mirrored and faint
        back = ImageOps.mirror(grey).filter(ImageFilter.GaussianBlur(2))
        grey = Image.blend(grey, Image.eval(back, lambda v: 255 - (255 - v) // 6), 0.5)
    warped = grey.transform(
        size, Image.PERSPECTIVE, tuple(inv.flatten()[:8]), Image.BICUBIC, fillcolor=255
    )
    px = np.asarray(warped, dtype=np.float32) / 255.0
    rng = np.random.default_rng(int(abs(scan.rotation) * 1e6) % (2**32))
    yy, xx = np.mgrid[0 : size[1], 0 : size[0]]
    light = scan.paper * (1 - scan.uneven * (xx / size[0] * 0.6 + yy / size[1] * 0.4))
    if scan.shadow:
        light = light * (1 - 0.45 * np.exp(-xx / (0.04 * size[0])))
    px = px * light
    out = Image.fromarray(np.clip(px * 255, 0, 255).astype(np.uint8))
    if scan.blur > 0.05:
        out = out.filter(ImageFilter.GaussianBlur(scan.blur))
    arr = np.asarray(out, dtype=np.float32) + rng.normal(0, scan.noise, (size[1], size[0]))
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if scan.binarised:
        level = float(np.asarray(out).mean()) * 0.8
        out = out.point(lambda v: 255 if v > level else 0).convert("1").convert("L")
    buf = io.BytesIO()
    out.convert("RGB").save(buf, "JPEG", quality=scan.jpeg)
    buf.seek(0)
    moved = []
    for ln in lines:
        box = move_box(ln.bbox, m, size)
        if box is not None:
            moved.append(Line(ln.text, box))
    return Image.open(buf).convert("RGB"), moved


def scan_record(scan: Scan) -> dict:
    return asdict(scan)
