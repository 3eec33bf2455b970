import pytest
import torch
from transformers import LlamaForCausalLM

from literate.data.corpora import TextDocument
from literate.errors import BadValueError
from literate.lm.config import llama_config
from literate.lm.context import context_perplexity, long_documents, window_mask, window_nll
from literate.sentinel import SentinelConfig
from literate.sentinel.stream import Policy, stream_logits


def tiny_llama():
    torch.manual_seed(0)
    return LlamaForCausalLM(llama_config("nano", vocab_size=64)).eval()


def test_window_mask_is_causal_and_banded():
    m = window_mask(6, 3)[0, 0]
    allowed = m == 0
    for q in range(6):
        assert [k for k in range(6) if allowed[q, k]] == list(range(max(0, q - 2), q + 1))
    assert (window_mask(6, None)[0, 0] == 0).sum() == 21  # lower triangle
    with pytest.raises(BadValueError):
        window_mask(4, 0)


def test_full_mask_equals_no_mask():
    model = tiny_llama()
    ids = torch.randint(4, 64, (1, 40))
    with torch.no_grad():
        a = model(input_ids=ids).logits
        b = model(input_ids=ids, attention_mask=window_mask(40, None)).logits
    torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


def test_banded_forward_equals_a_streamed_window_cache():
    """The one-pass banded mask scores exactly what a sliding-window KV cache of w tokens
    would (keys computed when their token arrived, positions kept)."""
    model = tiny_llama()
    n, w = 48, 8
    ids = torch.randint(4, 64, (n,))
    streamed = stream_logits(
        model,
        ids,
        torch.arange(n),
        torch.arange(n),  # one chunk per token: chunks do not matter to a window
        torch.zeros(n, dtype=torch.bool),
        Policy.make("window", w, SentinelConfig()),
    )
    with torch.no_grad():
        banded = model(input_ids=ids[None], attention_mask=window_mask(n, w)).logits[0]
    torch.testing.assert_close(streamed.logits, banded, atol=1e-4, rtol=0)
    assert streamed.peak_cache_tokens <= w


def test_a_window_as_long_as_the_text_is_full_attention():
    model = tiny_llama()
    ids = torch.randint(4, 64, (30,))
    assert window_nll(model, ids, 30) == pytest.approx(window_nll(model, ids, None), rel=1e-6)
    assert window_nll(model, ids, 4) != pytest.approx(window_nll(model, ids, None), rel=1e-6)


def test_long_documents_keeps_only_long_ones_and_their_head(nano_tokenizer):
    docs = [
        TextDocument("short", "a few words", "t"),
        TextDocument("long", "word " * 400, "t"),
        TextDocument("long2", "other text " * 400, "t"),
    ]
    got = long_documents(docs, nano_tokenizer, 64)
    assert len(got) == 2 and all(t.numel() == 64 for t in got)
    assert got[0].tolist() == nano_tokenizer(docs[1].text)["input_ids"][:64]
    assert len(long_documents(docs, nano_tokenizer, 64, max_docs=1)) == 1


def test_context_perplexity_rows():
    model = tiny_llama()
    docs = [torch.randint(4, 64, (32,)) for _ in range(2)]
    rows = context_perplexity(model, docs, [None, 8])
    assert [r.window for r in rows] == [None, 8]
    assert all(r.docs == 2 and r.text_tokens == 32 and r.ppl > 1 for r in rows)
    with pytest.raises(BadValueError, match="long enough"):
        context_perplexity(model, [], [None])
