import json

import pytest

from literate.reader.bench import run_bench
from literate.reader.model.tiny import build_reader


def test_bench_reader_rows_on_held_out_sets(tmp_path):
    model = tmp_path / "tiny"
    build_reader(model, size="tiny", coordinate_bins=256)
    out = tmp_path / "r.json"
    payload = run_bench(True, str(out), str(tmp_path / "work"), 2, str(model), 2, 4, num_beams=2)
    assert json.loads(out.read_text())["n_pages"] == 2
    assert "--num-beams 2" in payload["command"]
    got = {(r["engine"], r["set"], r["task"]) for r in payload["rows"]}
    for engine in ("tesseract", "kosmos"):
        assert {
            (engine, "pages", "ocr"),
            (engine, "pages", "md"),
            (engine, "snippets", "ocr"),
        } <= got
    tess = next(r for r in payload["rows"] if r["engine"] == "tesseract" and r["set"] == "snippets")
    assert tess["word_f1"] > 0.5
    assert set(payload["image_gap"]) >= {"loss_right", "loss_mismatched", "image_gap"}
    # each row's time a page against Tesseract's on the same set, measured in this run
    for r in payload["rows"]:
        tess_rate = next(
            t["pages_per_s"]
            for t in payload["rows"]
            if t["engine"] == "tesseract" and t["set"] == r["set"]
        )
        assert r["pages_per_s"] > 0
        assert r["time_per_page_vs_tesseract"] == pytest.approx(tess_rate / r["pages_per_s"])
    kosmos = [r for r in payload["rows"] if r["engine"] == "kosmos"]
    assert kosmos and all(r["time_per_page_vs_tesseract"] != 1.0 for r in kosmos)
    page_set = payload["page_set"]  # what the pages were made of, to compare runs
    assert sum(page_set["sources"].values()) == 2 and len(page_set["truth_sha1"]) == 40


def test_a_page_limit_spreads_over_the_sorted_pages():
    from literate.reader.bench_real import spread

    names = [f"doc{d:02}-p{p}" for d in range(40) for p in range(3)]
    picked = spread(names, 64)
    assert len(set(picked)) == 64 and picked == sorted(picked)
    assert len({n.split("-")[0] for n in picked}) == 40  # every document, not the first 21
    assert spread(names, None) == names and spread(names, 500) == names
