"""How often does Tesseract's orientation detector turn an upright real page, and does the
pipeline's check of its answer stop that? Every page of a real-page folder (all upright:
the scan simulator tilts by at most 3°), clean and degraded, through ``detect_turns``,
recording the detector's own answer beside the checked one.

    python research/orientation_check.py runs/real-pages/validation
"""

from __future__ import annotations

import argparse
from pathlib import Path

from literate.io import write_result


def main() -> None:
    from PIL import Image

    from literate.reader.engines.deskewed import (
        MIN_CONFIDENCE,
        checked,
        detector_answer,
        shrunk,
    )
    from literate.reader.layout.orientation import doubtful
    from literate.reader.layout.segment import ink_mask

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", type=Path, help="a `literate data real-pages` folder")
    ap.add_argument("--json", default="research/results/orientation_check.json")
    args = ap.parse_args()
    rows, turned = [], []
    for part in ("clean", "degraded"):
        names = sorted(p.name for p in (args.folder / part).glob("*.png"))
        n_unchecked = n_checked = 0
        for name in names:  # the steps of ``detect_turns``, keeping the detector's answer
            small = shrunk(Image.open(args.folder / part / name))
            ink = ink_mask(small)
            if not doubtful(ink):
                continue
            turns, confidence = detector_answer(small)
            if not turns or confidence < MIN_CONFIDENCE:
                continue
            kept = checked(turns, small, ink)
            n_unchecked, n_checked = n_unchecked + 1, n_checked + bool(kept)
            turned.append({"set": part, "page": name, "unchecked": turns, "checked": kept,
                           "confidence": confidence})  # fmt: skip
        rows.append({"set": part, "pages": len(names), "turned_unchecked": n_unchecked,
                     "turned_checked": n_checked})  # fmt: skip
        print(f"{part}: {len(names)} upright pages, turned {n_unchecked} unchecked, "
              f"{n_checked} checked")  # fmt: skip
    write_result(args.json, {"rows": rows, "turned": turned})


if __name__ == "__main__":
    main()
