import pytest
import torch
from helpers import SR, layout, policy_allowed
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

from literate.errors import BadValueError
from literate.lm.config import llama_config
from literate.sentinel import SentinelConfig, prepare_sentinels
from literate.sentinel.stream import Policy, masked_logits, stream_logits


def tiny_llama():
    torch.manual_seed(0)
    return LlamaForCausalLM(llama_config("nano", vocab_size=64)).eval()


def tiny_qwen2():
    torch.manual_seed(0)
    cfg = Qwen2Config(
        vocab_size=64,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
    )
    return Qwen2ForCausalLM(cfg).eval()


MODELS = {"llama": tiny_llama(), "qwen2": tiny_qwen2()}


def reference_logits(model, input_ids, position_ids, allowed):
    """One forward pass under ``allowed`` (bool [T, T]) as an additive float mask."""
    mask = torch.zeros(allowed.shape).masked_fill(~allowed, torch.finfo(torch.float32).min)
    with torch.no_grad():
        out = model(
            input_ids=input_ids[None],
            position_ids=position_ids[None],
            attention_mask=mask[None, None],
        )
    return out.logits[0].float()


@pytest.mark.parametrize("arch", list(MODELS))
@pytest.mark.parametrize(
    "name, budget",
    [("full", None), ("window", 9), ("sinks", 10), ("sentinel", 24), ("sentinel", 40)],
)
@settings(max_examples=6, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 9), min_size=1, max_size=7).filter(lambda x: sum(x) > 0),
    max_chunk=st.integers(1, 5),
    local=st.integers(0, 2),
    sinks=st.integers(0, 3),
)
def test_streaming_with_eviction_equals_the_masked_forward(
    arch, name, budget, lengths, max_chunk, local, sinks
):
    cfg = SentinelConfig(max_chunk_tokens=max_chunk, local_chunks=local, sink_tokens=sinks)
    try:
        policy = Policy.make(name, budget, cfg)
    except BadValueError:
        return  # a budget too small for this layout's chunk size: refused, tested below
    inputs = layout(lengths, cfg)
    model = MODELS[arch]
    streamed = stream_logits(model, *inputs, policy)
    allowed = policy_allowed(name, budget, cfg, inputs[2].tolist(), inputs[3].tolist())
    reference = reference_logits(model, inputs[0], inputs[1], allowed)
    assert (streamed.logits - reference).abs().max() <= 1e-4
    assert (masked_logits(model, *inputs, policy) - reference).abs().max() <= 1e-4
    if budget is not None:
        assert streamed.peak_cache_tokens <= budget


# Layouts long enough that every boundary of each policy is crossed: the oldest sink leaves
# a window, the last <SR> the budget holds is still needed while an older one is not.
EXACT = [
    ("window", 9, dict(max_chunk_tokens=4, local_chunks=1, sink_tokens=3), [4] * 8),
    ("sinks", 10, dict(max_chunk_tokens=4, local_chunks=1, sink_tokens=3), [4] * 8),
    ("sinks", 6, dict(max_chunk_tokens=4, local_chunks=1, sink_tokens=1), [3, 5, 2, 4, 4, 6]),
    # sinks 2 + 2 chunks of 3 + <SR> = 9: a budget of 11 holds the last 2 earlier <SR>
    ("sentinel", 11, dict(max_chunk_tokens=3, local_chunks=1, sink_tokens=2), [3] * 10),
    ("sentinel", 9, dict(max_chunk_tokens=2, local_chunks=0, sink_tokens=1), [2, 1, 2] * 4),
    ("sentinel", 17, dict(max_chunk_tokens=3, local_chunks=2, sink_tokens=3), [3, 2] * 6),
]


@pytest.mark.parametrize("name, budget, options, lengths", EXACT)
def test_each_policy_streams_as_its_definition_says(name, budget, options, lengths):
    """Deterministic boundary cases against the definition written out above: catches a
    sink too few, a window one short, or an ``<SR>`` evicted (or masked) one chunk early,
    in the policy and in the mask rule it shares with training alike."""
    cfg = SentinelConfig(**options)
    policy = Policy.make(name, budget, cfg)
    inputs = layout(lengths, cfg)
    chunk, sent = inputs[2].tolist(), inputs[3].tolist()
    allowed = policy_allowed(name, budget, cfg, chunk, sent)
    model = MODELS["llama"]
    streamed = stream_logits(model, *inputs, policy)
    reference = reference_logits(model, inputs[0], inputs[1], allowed)
    assert (streamed.logits - reference).abs().max() <= 1e-4
    if name == "sentinel":
        assert streamed.peak_cache_tokens <= budget
    else:  # window and sinks fill their budget exactly once the text is longer
        assert streamed.peak_cache_tokens == min(budget, len(chunk))


@pytest.mark.parametrize("name, budget", [("full", None), ("paper", None), ("sentinel", 11)])
def test_block_feeding_gives_the_token_by_token_logits(name, budget):
    """Prefilling in blocks (``block`` > 1) is only a speed-up: under the policies that
    evict nothing the logits and the cache are those of one token at a time, and a bounded
    policy ignores it so its cache stays within budget."""
    cfg = SentinelConfig(max_chunk_tokens=3, local_chunks=1, sink_tokens=2)
    policy = Policy.make(name, budget, cfg)
    inputs = layout([3, 2, 3, 1, 3, 3, 2, 3], cfg)
    model = MODELS["llama"]
    single = stream_logits(model, *inputs, policy)
    blocked = stream_logits(model, *inputs, policy, block=5)
    assert (single.logits - blocked.logits).abs().max() <= 1e-4
    assert single.peak_cache_tokens == blocked.peak_cache_tokens
    if budget is not None:
        assert blocked.peak_cache_tokens <= budget


def test_block_prefill_keeps_recall_scores(nano_tokenizer):
    """``SentinelStream(block=...)`` prefills a prompt in blocks under every policy
    (evicting before each block) and continues from the state token by token would reach:
    the continuation's NLL is the same; scoring a text keeps bounded policies unblocked."""
    from literate.sentinel import SentinelStream

    torch.manual_seed(0)
    model = LlamaForCausalLM(llama_config("nano", vocab_size=len(nano_tokenizer))).eval()
    cfg = SentinelConfig(max_chunk_tokens=6, local_chunks=1, sink_tokens=2)
    prompt = "To be, or not to be. That is the question. Whether tis nobler in the mind"
    cont = nano_tokenizer.encode(" to suffer", add_special_tokens=False)
    for policy, budget in (("full", None), ("window", 9), ("sinks", 10)):
        recall, text = [], []
        for block in (1, 7):
            stream = SentinelStream(model, nano_tokenizer, policy, budget, cfg, block=block)
            recall.append(stream.continuation_nll(stream.prefill(prompt), cont))
            text.append(stream.score(prompt))
        assert recall[0] == pytest.approx(recall[1], abs=1e-4)
        assert text[0].nll == pytest.approx(text[1].nll, abs=1e-4)
        assert text[0].peak_cache_tokens == text[1].peak_cache_tokens  # scoring: no blocks


def test_cache_stays_flat_as_the_text_grows():
    cfg = SentinelConfig(max_chunk_tokens=4, local_chunks=1, sink_tokens=2)
    policy = Policy.make("sentinel", 20, cfg)
    peaks = []
    for n_chunks in (10, 40):
        inputs = layout([4] * n_chunks, cfg)
        peaks.append(
            stream_logits(MODELS["llama"], *inputs, policy, keep_logits=False).peak_cache_tokens
        )
    assert peaks[0] == peaks[1] <= 20


def test_bad_policies():
    cfg = SentinelConfig(max_chunk_tokens=16, local_chunks=1, sink_tokens=4)
    with pytest.raises(BadValueError, match="smaller than 4 sinks"):
        Policy.make("sentinel", 30, cfg)
    with pytest.raises(BadValueError, match="unknown policy"):
        Policy.make("lru", 30, cfg)
    with pytest.raises(BadValueError, match="needs a KV budget"):
        Policy.make("window", None, cfg)
    with pytest.raises(BadValueError, match="no window"):
        Policy.make("sinks", 4, cfg)


def test_stream_score_equals_the_masked_loss():
    from literate.sentinel.stream import stream_score

    cfg = SentinelConfig(max_chunk_tokens=4, local_chunks=1, sink_tokens=2)
    ids = [4 + (5 * i) % 60 for i in range(30)]
    b = prepare_sentinels([ids], [[3, 4, 0, 6, 5, 4, 8]], SR, cfg)
    row = b.row()
    policy = Policy.make("sentinel", 16, cfg)
    score = stream_score(MODELS["llama"], *row, policy)
    logits = masked_logits(MODELS["llama"], row[0], row[2], row[3], row[4], policy)
    ref = torch.nn.functional.cross_entropy(
        logits[:-1], row[1][1:], ignore_index=-100, reduction="sum"
    )
    assert score.tokens == len(ids) - 1
    assert score.nll == pytest.approx(float(ref), rel=1e-4)


def test_sentinel_stream_scores_text(nano_tokenizer):
    from literate.sentinel import SentinelStream

    torch.manual_seed(0)
    model = LlamaForCausalLM(llama_config("nano", vocab_size=len(nano_tokenizer))).eval()
    text = "To be, or not to be. That is the question. Whether 'tis nobler in the mind. " * 4
    cfg = SentinelConfig(max_chunk_tokens=8, local_chunks=1, sink_tokens=2)
    bounded = SentinelStream(model, nano_tokenizer, "sentinel", 24, cfg).score(text, max_tokens=50)
    plain = SentinelStream(model, nano_tokenizer, "full", None, cfg).score(text, max_tokens=50)
    assert bounded.tokens == plain.tokens == 49 and bounded.peak_cache_tokens <= 24
    assert plain.sequence_tokens == 50 < bounded.sequence_tokens  # <SR> inserted only when asked


@pytest.mark.slow
def test_bench_sentinel_quick(tmp_path):
    from literate.sentinel.bench import run_bench

    out = run_bench(True, str(tmp_path / "s.json"), str(tmp_path / "runs"))
    assert out["stream_vs_masked_max_abs_diff"] <= 1e-4
    assert all(r["peak_cache_tokens"] <= (r["budget"] or 10**9) for r in out["rows"])
    assert (tmp_path / "s.png").is_file()


def test_generation_streams_with_a_bounded_cache(nano_tokenizer, monkeypatch):
    """Greedy generation under the sentinel policy is, token by token, the choice one masked
    forward pass over the same sequence makes (the policy's definition written out above):
    each token is predicted by the ordinary token before it, never by an ``<SR>``, which
    predicts nothing in training either."""
    from literate.sentinel import SentinelStream
    from literate.sentinel.chunking import chunk_text
    from literate.sentinel.stream import Streamer

    torch.manual_seed(0)
    model = LlamaForCausalLM(llama_config("nano", vocab_size=len(nano_tokenizer))).eval()
    cfg = SentinelConfig(max_chunk_tokens=6, local_chunks=1, sink_tokens=2)
    prompt = "To be, or not to be. That is"
    fed, feed_block = [], Streamer.feed_block

    def recorded(self, tokens, positions, chunks, sentinels):  # prefill and single feeds
        cols = (t.tolist() for t in (tokens, positions, chunks, sentinels))
        fed.extend(zip(*cols, strict=True))
        return feed_block(self, tokens, positions, chunks, sentinels)

    monkeypatch.setattr(Streamer, "feed_block", recorded)
    stream = SentinelStream(model, nano_tokenizer, "sentinel", 24, cfg)
    out = stream.generate(prompt, max_new_tokens=40)
    monkeypatch.undo()
    assert stream.last_peak_cache <= 24
    ids, pos, chunk, sent = (torch.tensor(col) for col in zip(*fed, strict=True))
    sr_id = nano_tokenizer.convert_tokens_to_ids("<SR>")
    assert (ids == sr_id).tolist() == sent.tolist()
    ordinary = (~sent).nonzero().flatten().tolist()
    n_prompt = len(chunk_text(prompt, nano_tokenizer, cfg)[0])
    generated = ordinary[n_prompt:]
    assert len(generated) == 40  # this model never emits </s> here
    assert out == nano_tokenizer.decode(ids[generated].tolist(), skip_special_tokens=True)
    # every <SR> closes its chunk at the chunk's last position; chunks stay within the limit
    for i in sent.nonzero().flatten().tolist():
        assert chunk[i] == chunk[i - 1] and pos[i] == pos[i - 1]
        assert i + 1 == len(fed) or chunk[i + 1] == chunk[i] + 1
    assert torch.bincount(chunk[~sent]).max() <= cfg.max_chunk_tokens
    assert int(sent[generated[0] :].sum()) >= 3  # several generated chunks were closed
    assert pos[~sent].tolist() == list(range(len(ordinary)))
    allowed = policy_allowed("sentinel", 24, cfg, chunk.tolist(), sent.tolist())
    logits = reference_logits(model, ids, pos, allowed)
    logits[:, sr_id] = float("-inf")  # <SR> is inserted by the policy, never generated
    for i in generated:
        before = max(j for j in ordinary if j < i)
        assert int(logits[before].argmax()) == int(ids[i]), i
    # greedy generation under "full" equals Hugging Face's own greedy decoding
    plain = SentinelStream(model, nano_tokenizer, "full", None, cfg)
    ids = nano_tokenizer(prompt, return_tensors="pt")["input_ids"]
    ref = model.generate(ids, max_new_tokens=12, do_sample=False, pad_token_id=0)
    assert plain.generate(prompt, max_new_tokens=12) == nano_tokenizer.decode(
        ref[0, ids.shape[1] :], skip_special_tokens=True
    )


def test_generation_never_emits_an_sr_even_where_the_model_prefers_it(nano_tokenizer):
    """A model whose every prediction is ``<SR>`` (a hook on its head): generation still
    writes ordinary tokens, and ``<SR>`` appears only where the policy closes a chunk."""
    from literate.sentinel import SentinelStream
    from literate.sentinel.stream import Streamer

    torch.manual_seed(0)
    model = LlamaForCausalLM(llama_config("nano", vocab_size=len(nano_tokenizer))).eval()
    sr_id = nano_tokenizer.convert_tokens_to_ids("<SR>")

    def prefer_sr(module, inputs, output):
        output[..., sr_id] += 1e4
        return output

    model.lm_head.register_forward_hook(prefer_sr)
    cfg = SentinelConfig(max_chunk_tokens=6, local_chunks=1, sink_tokens=2)
    fed, feed = [], Streamer.feed

    def recorded(self, token, position, chunk, sentinel):
        fed.append((token, sentinel))
        return feed(self, token, position, chunk, sentinel)

    Streamer.feed = recorded
    try:
        out = SentinelStream(model, nano_tokenizer, "sentinel", 24, cfg).generate(
            "To be, or not to be.", max_new_tokens=10
        )
    finally:
        Streamer.feed = feed
    assert [t == sr_id for t, _ in fed] == [s for _, s in fed]
    assert "<SR>" not in out and len(out) > 0


def test_bench_keeps_each_finished_measurement(tmp_path):
    """The long plan takes hours: a rerun reuses what a run of the same plan finished and
    recomputes what another plan measured."""
    from literate.sentinel.bench import _cached, plan

    calls = []

    def compute():
        calls.append(1)
        return {"ppl": 1.5}

    quick, full = plan(True), plan(False)
    assert _cached(tmp_path, "ppl-x", quick, compute) == {"ppl": 1.5}
    assert _cached(tmp_path, "ppl-x", quick, compute) == {"ppl": 1.5} and len(calls) == 1
    _cached(tmp_path, "ppl-x", full, compute)
    assert len(calls) == 2


def test_from_start_is_the_long_plan_from_the_short_base():
    """Issue 22's fallback: the same texts, budgets and steps as ``--long``, but both models
    start from ``lm-base`` (no long context, no ``<SR>`` yet) at blocks as long as the texts."""
    from literate.sentinel.bench import plan

    long, start = plan(False, long=True), plan(False, long=True, from_start=True)
    assert start.base == "lm-base" and long.base == "lm-long"
    assert start.block_size >= start.tokens_per_doc and start.steps == long.steps
    for same in ("docs", "tokens_per_doc", "budgets", "corpus", "min_doc_tokens", "recall_budget"):
        assert getattr(start, same) == getattr(long, same), same
    assert max(start.recall_distances) > start.recall_budget  # beyond every window's reach
    with pytest.raises(ValueError):
        plan(False, from_start=True)
