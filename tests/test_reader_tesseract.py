import random

from literate.data.render import render_blocks, sample_blocks
from literate.reader.engines.tesseract import TesseractEngine
from literate.reader.metrics import ocr_scores

PROSE = """
Now is the winter of our discontent made glorious summer by this sun of York, and all the
clouds that lowered upon our house in the deep bosom of the ocean buried. Now are our brows
bound with victorious wreaths, our bruised arms hung up for monuments, our stern alarums
changed to merry meetings, our dreadful marches to delightful measures. Grim-visaged war hath
smoothed his wrinkled front, and now, instead of mounting barded steeds to fright the souls of
fearful adversaries, he capers nimbly in a lady's chamber to the lascivious pleasing of a lute.
"""


def test_tesseract_reads_a_rendered_page():
    page = render_blocks(sample_blocks(PROSE, random.Random(1)), "dejavu-sans", size=26)
    got = TesseractEngine().read([page.image], "both")[0]
    scores = ocr_scores(got.lines, page.lines)
    assert scores.word_f1 >= 0.95, scores
    assert scores.line_f1_iou50 >= 0.9, scores
    assert got.markdown.startswith("# ")  # the large first line becomes a heading


def test_tesseract_runs_on_this_process_cores_unless_told(monkeypatch):
    import os

    from literate.reader.engines.tesseract import tesseract_env

    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert tesseract_env()["OMP_THREAD_LIMIT"] == str(cores)
    monkeypatch.setenv("OMP_THREAD_LIMIT", "7")
    assert tesseract_env()["OMP_THREAD_LIMIT"] == "7"
