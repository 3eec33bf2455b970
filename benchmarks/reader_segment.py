"""How well ``--tiling lines`` finds the lines of the held-out pages, before any model reads
them: the X–Y cut's line boxes against the PDF text layer's, per source kind (line F1 at
IoU ≥ 0.5 and mean IoU of the matches, as `eval reader` scores a reader's lines), whether
consecutive text-layer lines come out in the same order, and the pieces a reader is handed.
"Perfect reading" puts the text layer's own words in each piece (``data.pieces_truth``) and
joins the pieces as the engine does (a ruled table's cells merged by its grid): the word F1
and the Markdown NED/NTED a reader that makes no mistake would reach with this cut and the
tiled-page Markdown rule — their ceiling.

    python benchmarks/reader_segment.py [--pages DIR] [--n 100]

DIR defaults to the pages `literate bench reader` writes (rendered there if missing).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from literate.io import write_result


def in_order(matched: list[tuple[float, int, int]], n_true: int) -> tuple[int, int]:
    """Reading order: of the text layer's consecutive line pairs that both matched a found
    line (``match_pairs``), how many come out in the same order."""
    at = {j: i for _, i, j in matched}
    both = [(at[j], at[j + 1]) for j in range(n_true - 1) if j in at and j + 1 in at]
    return sum(a < b for a, b in both), len(both)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", default="runs/bench-reader/held-out-pages")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--piece-width", type=float, default=None, help="default: the engine's")
    ap.add_argument("--json", default="benchmarks/results/reader_segment.json")
    a = ap.parse_args()

    from PIL import Image

    from literate.data.pages import write_dataset
    from literate.lines import Line, lines_from_json
    from literate.reader.evaluate import load_truth, score_pages
    from literate.reader.layout.markdown import markdown_from_page_lines
    from literate.reader.layout.segment import (
        PIECE_WIDTH,
        ink_and_rules,
        join_pieces,
        line_height,
        ruled_grids,
        segment_page,
        xy_cut,
    )
    from literate.reader.metrics import f1, match_pairs
    from literate.reader.page import Page
    from literate.reader.train.data import page_words, pieces_truth

    a.piece_width = a.piece_width or PIECE_WIDTH
    folder = Path(a.pages)
    write_dataset(folder, a.n, 0, "test", 150, False, workers=2)  # as bench reader; resumes
    sums: dict[str, dict] = defaultdict(lambda: defaultdict(float))
    perfect_pairs: dict[str, list] = defaultdict(list)
    for png in sorted(folder.glob("*.png"))[: a.n]:
        truth = json.loads(png.with_suffix(".json").read_text())
        source = truth["source"].split(":")
        kind = source[1] if source[0] == "generated" else source[0]
        true = lines_from_json(truth["pages"][0])
        ink, rules = ink_and_rules(Image.open(png))
        found = [Line("", box) for box in xy_cut(ink, line_height(ink), rules.vertical)]
        pairs_found = match_pairs(found, true)
        matched = [v for v, _, _ in pairs_found]
        ordered, pairs = in_order(pairs_found, len(true))
        pieces = segment_page(ink, max_width=a.piece_width, rules=rules)
        words = page_words(truth)
        perfect = join_pieces(pieces, pieces_truth(words, [p.box for p in pieces]))
        md = markdown_from_page_lines(perfect, grids=ruled_grids(rules))
        page = Page(1, *ink.shape[::-1], perfect, md)
        perfect_pairs[kind].append((page, load_truth(png)[0]))
        perfect_pairs["all"].append(perfect_pairs[kind][-1])
        for s in (sums[kind], sums["all"]):
            s["pages"] += 1
            s["text_layer_lines"] += len(true)
            s["lines_found"] += len(found)
            s["matched"] += len(matched)
            s["iou_sum"] += sum(matched)
            s["pieces"] += len(pieces)
            s["ordered"] += ordered
            s["pairs"] += pairs
    rows = []
    for kind, s in sorted(sums.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        perfect = score_pages(perfect_pairs[kind], "both")
        p = s["matched"] / max(1, s["lines_found"])
        r = s["matched"] / max(1, s["text_layer_lines"])
        rows.append(
            {
                "kind": kind,
                "pages": int(s["pages"]),
                "text_layer_lines": int(s["text_layer_lines"]),
                "lines_found": int(s["lines_found"]),
                "line_f1_iou50": round(f1(p, r), 4),
                "mean_iou": round(s["iou_sum"] / max(1, s["matched"]), 4),
                "in_order": round(s["ordered"] / max(1, s["pairs"]), 4),
                "pieces": int(s["pieces"]),
                "perfect_reading_word_f1": round(perfect.get("word_f1", 0.0), 4),
                "perfect_reading_md_ned": round(perfect.get("ned", 0.0), 4),
                "perfect_reading_md_nted": round(perfect.get("nted", 0.0), 4),
            }
        )
    write_result(a.json, {"pages": str(folder), "piece_width": a.piece_width, "rows": rows})
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()
