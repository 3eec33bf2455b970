"""The committed base model: loadable, small enough, with the reserved special tokens."""

from pathlib import Path

import pytest
import torch

from literate.data.tokenizer import load_tokenizer
from literate.lm.train import load_model
from literate.paths import resolve_model

MB = 1024 * 1024


def test_bundled_base_model_is_small_and_loads():
    path = Path(resolve_model("bundled"))
    weights = path / "model.safetensors"
    assert weights.is_file() and weights.stat().st_size <= 25 * MB
    tok = load_tokenizer(path)
    assert tok.convert_ids_to_tokens([0, 1, 2, 3]) == ["<pad>", "<s>", "</s>", "<SR>"]
    model = load_model(path)
    assert 5e6 <= sum(p.numel() for p in model.parameters()) <= 15e6
    assert model.config.vocab_size == len(tok)
    ids = tok("pip install literate", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        logits = model(input_ids=ids).logits
    assert torch.isfinite(logits).all()


def test_bundled_reproduction_record_is_there():
    summary = Path(resolve_model("bundled")) / "train_summary.json"
    assert summary.is_file()


@pytest.mark.slow
def test_demo_runs(capsys):
    from literate.demo import run_demo

    run_demo()
    out = capsys.readouterr().out
    assert "against its ground truth" in out and "what else literate offers" in out


def test_bundled_reader_is_small_loads_and_reads_line_pieces():
    from PIL import Image

    from literate.demo import SAMPLE_DIR
    from literate.paths import resolve_reader
    from literate.reader import Reader

    path = Path(resolve_reader("bundled"))
    assert (path / "model.safetensors").stat().st_size <= 25 * MB
    for name in ("processor_config.json", "tokenizer.json", "train_summary.json"):
        assert (path / name).is_file(), name
    reader = Reader.from_pretrained("bundled", max_new_tokens=32)
    assert reader.engine.tiling == "lines" and reader.engine.max_patches == 128
    blank = reader.read_images([Image.new("RGB", (600, 900), "white")], "both")[0]
    assert (blank.width, blank.height, blank.lines) == (600, 900, [])
    sample = Image.open(SAMPLE_DIR / "page.png").convert("RGB")
    page = reader.read_images([sample.crop((0, 0, sample.width, sample.height // 4))], "ocr")[0]
    assert page.lines and all(
        0 <= ln.bbox[0] < ln.bbox[2] <= sample.width and ln.text.strip() for ln in page.lines
    )
