"""How often does Tesseract's orientation detector turn an upright real page, and does the
pipeline's check of its answer stop that? Every page of a real-page folder (all upright:
the scan simulator tilts by at most 3°), clean and degraded, through ``detect_turns``,
recording the detector's own answer beside the checked one.

    python research/orientation_check.py runs/real-pages/validation
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from literate.io import write_result


def main() -> None:
    from PIL import Image

    from literate.reader.engines import deskewed

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", type=Path, help="a `literate data real-pages` folder")
    ap.add_argument("--json", default="research/results/orientation_check.json")
    args = ap.parse_args()
    seen: dict[str, str] = {}
    real = deskewed._tesseract

    def spy(image, *a):  # keeps the detector's answer that ``detect_turns`` checks
        out = real(image, *a)
        if a == ("--psm", "0"):
            seen["osd"] = out
        return out

    deskewed._tesseract = spy
    rows, turned = [], []
    for part in ("clean", "degraded"):
        names = sorted(p.name for p in (args.folder / part).glob("*.png"))
        n_unchecked = n_checked = 0
        for name in names:
            seen.clear()
            checked = deskewed.detect_turns(Image.open(args.folder / part / name))
            osd = seen.get("osd", "")
            rot = re.search(r"Rotate: (\d+)", osd)
            conf = re.search(r"Orientation confidence: ([\d.]+)", osd)
            ok = rot and conf and float(conf.group(1)) >= 1.5
            unchecked = (4 - int(rot.group(1)) // 90) % 4 if ok else 0
            n_unchecked, n_checked = n_unchecked + bool(unchecked), n_checked + bool(checked)
            if unchecked or checked:
                turned.append({"set": part, "page": name, "unchecked": unchecked,
                               "checked": checked, "confidence": float(conf.group(1))})  # fmt: skip
        rows.append({"set": part, "pages": len(names), "turned_unchecked": n_unchecked,
                     "turned_checked": n_checked})  # fmt: skip
        print(f"{part}: {len(names)} upright pages, turned {n_unchecked} unchecked, "
              f"{n_checked} checked")  # fmt: skip
    write_result(args.json, {"rows": rows, "turned": turned})


if __name__ == "__main__":
    main()
