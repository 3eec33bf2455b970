"""Does sharpening a blurred scan before reading pay? Per-page word F1 on real validation
scans as given (the pipeline flattens the paper) and through an unsharp mask, by the
bundled reader and by Tesseract, with each page's edge steepness, the statistic a gate
would use to sharpen only blurred pages.

``scan_factors.py`` found blur above 1 px the costliest degradation for both readers
(bundled 0.714 -> 0.393 on 5 pages, Tesseract 0.877 -> 0.647). Edge steepness is the
99.9th percentile of the page's absolute pixel differences over its ink-to-paper contrast,
after flattening: a sharp edge steps by most of the contrast in one pixel, a blurred one
by a fraction. The clean pages' steepness is printed too, so a gate can be set that never
fires on them. The validation split only; never the test split.

    python research/sharpen_probe.py runs/real-pages/validation --every 4
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from literate.io import write_result
from literate.reader.layout.flatten import flatten

sys.path.insert(0, str(Path(__file__).parent))
from scan_factors import BUCKETS, page_scores, probe_args, sampled_scans  # noqa: E402

MASKS = {  # name: (radius px, percent, threshold)
    "unsharp r1": (1.0, 150, 2),
    "unsharp r2": (2.0, 200, 2),
}


def steepness(image: Image.Image) -> float:
    """Edge steepness of a page (see the module docstring): ≈ 1 sharp, lower blurred."""
    g = np.asarray(flatten(image).convert("L"), dtype=np.float32)
    contrast = max(float(np.percentile(g, 99) - np.percentile(g, 1)), 1.0)
    steps = np.concatenate([np.abs(np.diff(g, axis=1)).ravel(), np.abs(np.diff(g, axis=0)).ravel()])
    return float(np.percentile(steps, 99.9)) / contrast


def sharpened_copies(files: list[Path], mask: tuple[float, int, int], dest: Path) -> list[Path]:
    """Each page flattened, then through the unsharp mask (so the mask sharpens ink, not
    uneven paper), written beside a copy of its truth."""
    radius, percent, threshold = mask
    out = []
    for f in files:
        im = flatten(Image.open(f).convert("RGB"))
        im.filter(ImageFilter.UnsharpMask(radius, percent, threshold)).save(dest / f.name)
        shutil.copy(f.with_suffix(".json"), dest / f.with_suffix(".json").name)
        out.append(dest / f.name)
    return out


def main() -> None:
    import torch

    from literate.reader.reader import Reader

    ap = probe_args(__doc__, "research/results/sharpen_probe.json")
    ap.add_argument("--engines", default="kosmos,tesseract")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    names, scans = sampled_scans(args.folder, args.every)
    given = [args.folder / "degraded" / n for n in names]
    steep = [steepness(Image.open(f).convert("RGB")) for f in given]
    clean_steep = [steepness(Image.open(args.folder / "clean" / n).convert("RGB")) for n in names]
    print(f"steepness: scans {min(steep):.2f}–{max(steep):.2f}, "
          f"clean {min(clean_steep):.2f}–{max(clean_steep):.2f}")  # fmt: skip
    scores = {}
    with tempfile.TemporaryDirectory() as tmp:
        arms = {"given": given}
        for name, mask in MASKS.items():
            (Path(tmp) / name).mkdir()
            arms[name] = sharpened_copies(given, mask, Path(tmp) / name)
        for engine in args.engines.split(","):
            reader = Reader.from_pretrained(
                args.model if engine == "kosmos" else None, engine=engine, dpi=150
            )
            for arm, files in arms.items():
                key = f"{engine}/{arm}"
                scores[key] = page_scores(reader, files)
                print(f"{key}: mean page word F1 {statistics.mean(scores[key]):.3f}", flush=True)
    buckets = (("all", lambda s, st: True),
               ("steepness < 0.82", lambda s, st: st < 0.82),
               ("steepness >= 0.82", lambda s, st: st >= 0.82),
               *((n, lambda s, st, t=t: t(s)) for n, t in BUCKETS))  # fmt: skip
    rows = []
    for name, test in buckets:
        idx = [i for i, (s, st) in enumerate(zip(scans, steep, strict=True)) if test(s, st)]
        if idx:
            means = {k: statistics.mean(v[i] for i in idx) for k, v in scores.items()}
            rows.append({"bucket": name, "n": len(idx), **means})
            print(f"{name:18} n={len(idx):2}  " + "  ".join(
                f"{k} {rows[-1][k]:.3f}" for k in scores))  # fmt: skip
    drawn = zip(names, scans, steep, clean_steep, strict=True)
    pages = [{"page": n, "scan": s, "steepness": st, "clean_steepness": cs,
              **{k: v[i] for k, v in scores.items()}}
             for i, (n, s, st, cs) in enumerate(drawn)]  # fmt: skip
    cmd = f"python research/sharpen_probe.py {args.folder} --every {args.every}"
    write_result(args.json, {"model": args.model, "every": args.every, "masks": MASKS,
                             "rows": rows, "pages": pages}, cmd)  # fmt: skip


if __name__ == "__main__":
    main()
