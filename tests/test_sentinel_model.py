import json
import math

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import (
    LlamaForCausalLM,
    MistralConfig,
    MistralForCausalLM,
    PreTrainedTokenizerFast,
)

from literate.errors import BadValueError
from literate.lm.config import llama_config
from literate.sentinel import SentinelConfig
from literate.sentinel.chunking import chunk_text
from literate.sentinel.collator import SentinelCollator
from literate.sentinel.model import check_mask_support, ensure_sr_token


def test_sr_token_is_added_once_with_a_mean_embedding():
    tok = Tokenizer(models.WordLevel({"<unk>": 0, "a": 1, "b": 2, "c": 3}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    hf = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>")
    model = LlamaForCausalLM(llama_config("nano", vocab_size=4, tie_word_embeddings=False))
    mean_in = model.get_input_embeddings().weight.mean(0).clone()
    sr = ensure_sr_token(model, hf)
    assert sr == 4 and hf("a <SR> b")["input_ids"] == [1, 4, 2]
    emb = model.get_input_embeddings().weight
    assert emb.shape[0] == 5 and torch.allclose(emb[4], mean_in)
    assert ensure_sr_token(model, hf) == 4 and model.get_input_embeddings().weight.shape[0] == 5


def test_our_tokenizer_already_has_it(nano_tokenizer):
    model = LlamaForCausalLM(llama_config("nano", vocab_size=len(nano_tokenizer)))
    before = model.get_input_embeddings().weight.clone()
    assert ensure_sr_token(model, nano_tokenizer) == 3
    assert torch.equal(model.get_input_embeddings().weight, before)


def test_mask_support_probe():
    torch.manual_seed(0)
    check_mask_support(LlamaForCausalLM(llama_config("nano", vocab_size=32)))
    mistral = MistralForCausalLM(
        MistralConfig(
            vocab_size=32,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=4,
            num_key_value_heads=2,
            sliding_window=None,
        )
    )
    check_mask_support(mistral)

    class IgnoresMasks(torch.nn.Module):
        device = torch.device("cpu")

        def __init__(self):
            super().__init__()
            self.inner = LlamaForCausalLM(llama_config("nano", vocab_size=32))

        def get_input_embeddings(self):
            return self.inner.get_input_embeddings()

        def forward(self, input_ids, attention_mask=None, position_ids=None):
            return self.inner(input_ids=input_ids)  # drops the mask

    with pytest.raises(BadValueError, match="ignores custom 4D attention masks"):
        check_mask_support(IgnoresMasks())


def test_collator_batches_train_a_model(nano_tokenizer):
    cfg = SentinelConfig(max_chunk_tokens=12, local_chunks=1, sink_tokens=2)
    texts = [
        "To be, or not to be. That is the question.",
        "Ay, there's the rub! For in that sleep.",
    ]
    examples = []
    for text in texts:
        ids, lengths = chunk_text(text, nano_tokenizer, cfg)
        examples.append({"input_ids": ids, "chunk_lengths": lengths})
    batch = SentinelCollator(sr_id=3, config=cfg)(examples)
    t = batch["input_ids"].shape[1]
    assert batch["attention_mask"].shape == (2, 1, t, t)
    torch.manual_seed(0)
    model = LlamaForCausalLM(llama_config("nano", vocab_size=len(nano_tokenizer)))
    loss = model(**batch).loss
    n_targets = sum(len(e["input_ids"]) - 1 for e in examples)
    assert (batch["labels"][:, 1:] != -100).sum() == n_targets
    loss.backward()
    assert torch.isfinite(loss) and model.get_input_embeddings().weight.grad[3].abs().sum() > 0


def test_sentinel_blocks_keep_every_token_and_chunk(nano_tokenizer, plays):
    from literate.sentinel.data import chunked_stream, sentinel_blocks

    cfg = SentinelConfig(max_chunk_tokens=16)
    docs = plays[:2]
    docs = [type(d)(d.id, d.text[:3000], d.source) for d in docs]
    ids, lengths = chunked_stream(docs, nano_tokenizer, cfg)
    blocks = sentinel_blocks(docs, nano_tokenizer, cfg, block_size=64)
    assert all(len(b["input_ids"]) == 64 == sum(b["chunk_lengths"]) for b in blocks)
    assert [i for b in blocks for i in b["input_ids"]] == ids[: 64 * len(blocks)]
    assert max(n for b in blocks for n in b["chunk_lengths"]) <= 16


@pytest.fixture
def nano_run(tmp_path, corpus_dir, nano_tokenizer):
    """``nano_run(out, **overrides)``: a nano LM training config on the test corpus."""
    from literate.lm.train import LMTrainConfig

    tok_dir = tmp_path / "tok"
    nano_tokenizer.save_pretrained(str(tok_dir))
    common = dict(corpus=str(corpus_dir), preset="nano", tokenizer=str(tok_dir), block_size=48)
    common.update(batch_size=4, lr=3e-3, warmup_steps=2, eval_blocks=8)

    def make(out: str, **kw) -> LMTrainConfig:
        return LMTrainConfig(out=str(tmp_path / out), **{**common, **kw})

    return make


def test_train_lm_with_sentinels(tmp_path, nano_run):
    from literate.lm.train import train_lm
    from literate.sentinel.training import SentinelFormat

    cfg = nano_run("run", max_steps=20, eval_steps=10, save_steps=10)
    sentinel = SentinelConfig(max_chunk_tokens=16, sink_tokens=2)
    summary = train_lm(cfg, fmt=SentinelFormat(sentinel))
    curve = [c["eval_loss"] for c in summary["eval_curve"]]
    assert curve[-1] < curve[0] - 0.3
    saved = json.loads((tmp_path / "run" / "sentinel_config.json").read_text())
    assert SentinelConfig(**saved) == sentinel
    assert summary["config"]["sentinel"] == saved


def test_an_interrupted_sentinel_fine_tune_resumes_to_the_same_weights(tmp_path, nano_run):
    """``bench sentinel --long`` fine-tunes for hours: a resumed run ends where an
    uninterrupted one does (the sentinel collator's masks and the data order included)."""
    from helpers import Interrupt
    from safetensors.torch import load_file

    from literate.lm.train import train_lm
    from literate.sentinel.training import SentinelFormat

    steps = dict(max_steps=8, eval_steps=4, save_steps=4, eval_blocks=4, seed=5)
    fmt = SentinelFormat(SentinelConfig(max_chunk_tokens=8, local_chunks=1, sink_tokens=2))
    straight = train_lm(nano_run("straight", **steps), fmt=fmt)
    with pytest.raises(KeyboardInterrupt):
        train_lm(nano_run("broken", **steps), callbacks=[Interrupt(at=6)], fmt=fmt)
    resumed = train_lm(nano_run("broken", resume=True, **steps), fmt=fmt)
    assert resumed["resumed_from"] == "checkpoint-4"
    assert resumed["global_step"] == straight["global_step"] == 8
    a = load_file(str(tmp_path / "straight" / "model.safetensors"))
    b = load_file(str(tmp_path / "broken" / "model.safetensors"))
    assert a.keys() == b.keys()
    assert max((a[k] - b[k]).abs().max().item() for k in a) <= 1e-5


def test_streamed_eval_of_a_sentinel_model(tmp_path, corpus_dir, nano_run):
    from literate.lm.train import train_lm
    from literate.sentinel.bench import ROW_KEYS, perplexity_row
    from literate.sentinel.evaluate import stream_perplexity
    from literate.sentinel.training import SentinelFormat

    steps = dict(max_steps=4, eval_steps=4, save_steps=4, eval_blocks=4)
    cfg = SentinelConfig(max_chunk_tokens=8, local_chunks=1, sink_tokens=2)
    train_lm(nano_run("sr", **steps), fmt=SentinelFormat(cfg))
    train_lm(nano_run("plain", **steps))
    sr, plain = str(tmp_path / "sr"), str(tmp_path / "plain")
    rows = {
        p: stream_perplexity(sr, str(corpus_dir), p, b, max_tokens=60)
        for p, b in (("sentinel", 24), ("paper", None), ("full", None))
    }
    assert rows["sentinel"].peak_cache_tokens <= 24
    assert rows["sentinel"].tokens == rows["full"].tokens == rows["paper"].tokens  # same targets
    row = perplexity_row("sentinel", rows["sentinel"])  # the bench's JSON row (issue 22)
    assert set(ROW_KEYS) <= row.keys() and row["text_tokens"] == 60
    assert row["texts"] * 59 == row["tokens"] == rows["sentinel"].tokens
    window = stream_perplexity(plain, str(corpus_dir), "window", 16, max_tokens=60)
    assert window.peak_cache_tokens <= 16 and math.isfinite(window.perplexity)
    with pytest.raises(BadValueError, match="not trained with <SR> sentinels"):
        stream_perplexity(plain, str(corpus_dir), "sentinel", 24)
    # long-text runs score only documents long enough (here: none of 10**6 tokens)
    short = stream_perplexity(plain, str(corpus_dir), "full", None, max_tokens=60, min_tokens=60)
    assert short.tokens == window.tokens
    with pytest.raises(BadValueError, match="has 1000000 tokens"):
        stream_perplexity(plain, str(corpus_dir), "full", None, min_tokens=10**6)
