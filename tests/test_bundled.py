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
        assert model(input_ids=ids).logits.shape == (1, ids.shape[1], len(tok))


def test_bundled_base_model_scores_its_known_loss():
    """The first 4 blocks of the Shakespeare test split (1,020 predicted tokens): the loss
    measured with this checkpoint; a changed model, tokenizer, split or scorer moves it."""
    from literate.lm.evaluate import perplexity

    r = perplexity(resolve_model("bundled"), "shakespeare", "test", block_size=256, max_blocks=4)
    assert r.tokens == 1020
    assert r.loss == pytest.approx(7.38973, abs=1e-3)


def test_long_context_base_model_loads_and_gains_from_context_where_lm_base_loses():
    """lm-long (lm-base continued on 4,096-token blocks of Debian documentation): the first
    2,048 tokens of the first Shakespeare test play (a text neither model trained on),
    scored under full attention and under attention windows. lm-long's loss falls as it
    sees more; lm-base, trained on 256-token blocks, gets worse beyond them."""
    from literate.data.corpora import load_corpus
    from literate.data.splits import get_split
    from literate.lm.context import long_documents, window_nll

    path = Path(resolve_model("lm-long"))
    assert (path / "model.safetensors").stat().st_size <= 25 * MB
    docs = get_split(load_corpus("shakespeare"), "test")
    loss = {}
    for name in ("lm-base", "lm-long"):
        model, tok = load_model(resolve_model(name)), load_tokenizer(resolve_model(name))
        ids = long_documents(docs, tok, 2048, max_docs=1)[0]
        loss[name] = {w: window_nll(model, ids, w) / 2047 for w in (None, 256, 64)}
    assert load_model(path).config.max_position_embeddings >= 4096
    assert loss["lm-long"][None] == pytest.approx(7.1930, abs=2e-3)  # this checkpoint's
    assert loss["lm-long"][None] < loss["lm-long"][256] < loss["lm-long"][64] - 0.02
    assert loss["lm-base"][None] > loss["lm-base"][256] + 0.1


@pytest.mark.slow
def test_bundled_base_model_reproduces_its_recorded_perplexity():
    """The whole Shakespeare test split, against benchmarks/results/lm_base_perplexity.json."""
    import json

    from literate.lm.evaluate import perplexity

    results = Path(__file__).parents[1] / "benchmarks" / "results" / "lm_base_perplexity.json"
    want = next(r for r in json.loads(results.read_text())["rows"] if r["corpus"] == "shakespeare")
    r = perplexity(resolve_model("bundled"), "shakespeare", "test", block_size=256)
    assert r.tokens == want["tokens"]
    assert r.loss == pytest.approx(want["loss"], abs=1e-4)


def test_bundled_reproduction_record_is_there():
    summary = Path(resolve_model("bundled")) / "train_summary.json"
    assert summary.is_file()


@pytest.mark.slow
def test_demo_runs(capsys, monkeypatch):
    from helpers import DEMO_SCORES, printed_scores

    from literate.demo import run_demo

    # rich sizes its tables to COLUMNS; a narrow terminal would wrap cells the parser reads
    monkeypatch.setenv("COLUMNS", "160")
    run_demo()
    out = capsys.readouterr().out
    assert printed_scores(out) == DEMO_SCORES
    assert "what else literate offers" in out


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
