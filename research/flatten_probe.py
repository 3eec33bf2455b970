"""Does flattening a scan's paper (``layout.flatten``) before reading pay? Per-page word F1
on real validation scans, read with the pipeline's flattening step off and on
(``Deskewed.flat``), by the bundled reader and by Tesseract, with the scan simulator's
buckets of ``scan_factors.py``.

Clean pages whose paper is white are left as they are by ``flatten``; the probe counts how
many clean pages it would change. The validation split only; never the test split.

    python research/flatten_probe.py runs/real-pages/validation --every 4
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from literate.io import write_result
from literate.reader.layout.flatten import flatten

sys.path.insert(0, str(Path(__file__).parent))
from scan_factors import BUCKETS, page_scores, probe_args, sampled_scans  # noqa: E402


def changed(files: list[Path]) -> int:
    """How many of ``files`` ``flatten`` changes."""
    from PIL import Image

    return sum(flatten(im) is not im for im in (Image.open(f).convert("RGB") for f in files))


def main() -> None:
    import torch

    from literate.reader.reader import Reader

    ap = probe_args(__doc__, "research/results/flatten_probe.json")
    ap.add_argument("--engines", default="kosmos,tesseract")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    names, scans = sampled_scans(args.folder, args.every)
    given = [args.folder / "degraded" / n for n in names]
    clean = [args.folder / "clean" / n for n in names]
    n_scans, n_clean = changed(given), changed(clean)
    print(f"flatten changes {n_scans}/{len(names)} scans, {n_clean} clean pages")
    scores = {}
    for engine in args.engines.split(","):
        reader = Reader.from_pretrained(
            args.model if engine == "kosmos" else None, engine=engine, dpi=150
        )
        for part, flat in (("given", False), ("flattened", True)):
            reader.engine.flat = flat  # the Deskewed wrapper's own step, on or off
            key = f"{engine}/{part}"
            scores[key] = page_scores(reader, given)
            print(f"{key}: mean page word F1 {statistics.mean(scores[key]):.3f}", flush=True)
    rows = []
    for name, test in (("all", lambda s: True), *BUCKETS):
        idx = [i for i, s in enumerate(scans) if test(s)]
        if idx:
            means = {k: statistics.mean(v[i] for i in idx) for k, v in scores.items()}
            rows.append({"bucket": name, "n": len(idx), **means})
            print(f"{name:18} n={len(idx):2}  " + "  ".join(
                f"{k} {rows[-1][k]:.3f}" for k in scores))  # fmt: skip
    pages = [{"page": n, "scan": s, **{k: v[i] for k, v in scores.items()}}
             for i, (n, s) in enumerate(zip(names, scans, strict=True))]  # fmt: skip
    write_result(args.json, {"model": args.model, "every": args.every,
                             "scans_changed": n_scans, "clean_changed": n_clean,
                             "rows": rows, "pages": pages})  # fmt: skip


if __name__ == "__main__":
    main()
