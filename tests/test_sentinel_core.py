import pytest
import torch
from helpers import ordinary_index
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import LlamaForCausalLM

from literate.errors import BadValueError
from literate.lm.config import llama_config
from literate.sentinel import SentinelConfig, build_attention_mask, prepare_sentinels
from literate.sentinel.chunking import boundary_chars, chunk_text
from literate.sentinel.mask import additive, allowed_pairs
from literate.sentinel.prepare import IGNORE

SR = 3


def reference_allowed(chunk, sent, cfg):
    """The rules of DESIGN.md, one query and one key at a time (slow, obviously right)."""
    t = len(chunk)
    ordinal = ordinary_index(sent)
    out = torch.zeros(t, t, dtype=torch.bool)
    for q in range(t):
        for k in range(q + 1):
            if sent[q]:
                ok = chunk[k] == chunk[q]
            elif cfg.mode == "paper":
                ok = True
            else:
                local = not sent[k] and chunk[k] >= chunk[q] - cfg.local_chunks
                summary = sent[k] and chunk[k] < chunk[q]
                if cfg.max_sentinels is not None:
                    summary = summary and chunk[k] >= chunk[q] - cfg.max_sentinels
                sink = not sent[k] and ordinal[k] < cfg.sink_tokens
                ok = local or summary or sink
            out[q, k] = ok
    return out


layouts = st.lists(st.integers(0, 9), min_size=1, max_size=8).filter(lambda x: sum(x) > 0)
configs = st.builds(
    SentinelConfig,
    mode=st.sampled_from(["paper", "bounded"]),
    max_chunk_tokens=st.integers(1, 6),
    local_chunks=st.integers(0, 3),
    max_sentinels=st.one_of(st.none(), st.integers(0, 3)),
    sink_tokens=st.integers(0, 3),
    sr_position=st.sampled_from(["shared", "continue"]),
)


@settings(max_examples=60, deadline=None)
@given(layouts, configs)
def test_prepare_and_mask_follow_the_rules(lengths, cfg):
    ids = list(range(10, 10 + sum(lengths)))
    b = prepare_sentinels([ids], [lengths], SR, cfg)
    inp, lab = b.input_ids[0].tolist(), b.labels[0].tolist()
    # every chunk (empty ones dropped, long ones split) is followed by exactly one <SR>
    assert [x for x in inp if x != SR] == ids
    assert inp[-1] == SR and SR not in lab
    n_chunks = int(b.chunk_ids[0].max()) + 1
    assert inp.count(SR) == n_chunks
    assert max(torch.bincount(b.chunk_ids[0][~b.is_sentinel[0]])) <= cfg.max_chunk_tokens
    # HF shift: label[t+1] is what position t predicts; the targets are ids[1:], once each
    targets = [lab[t + 1] for t in range(len(inp) - 1) if lab[t + 1] != IGNORE]
    assert targets == ids[1:]
    predictors = [inp[t] for t in range(len(inp) - 1) if lab[t + 1] != IGNORE]
    assert SR not in predictors
    ordinary_pos = b.position_ids[0][~b.is_sentinel[0]].tolist()
    if cfg.sr_position == "shared":
        assert ordinary_pos == list(range(len(ids)))
    else:
        assert b.position_ids[0].tolist() == list(range(len(inp)))
    got = allowed_pairs(b.chunk_ids, b.is_sentinel, b.valid, cfg)[0]
    want = reference_allowed(b.chunk_ids[0].tolist(), b.is_sentinel[0].tolist(), cfg)
    assert torch.equal(got, want)


@settings(max_examples=60, deadline=None)
@given(st.lists(layouts, min_size=1, max_size=3), configs, st.integers(1, 7))
def test_fast_mask_equals_the_general_rule(batch, cfg, block_rows):
    """The banded builder (padding, several rows, any row block) is the general rule."""
    ids = [list(range(10, 10 + sum(lengths))) for lengths in batch]
    b = prepare_sentinels(ids, batch, SR, cfg)
    want = additive(allowed_pairs(b.chunk_ids, b.is_sentinel, b.valid, cfg))[:, None]
    got = build_attention_mask(b.chunk_ids, b.is_sentinel, b.valid, cfg, block_rows=block_rows)
    assert torch.equal(got, want)
    # chunk ids out of order take the general path and still agree
    shuffled = b.chunk_ids.flip(-1)
    want = additive(allowed_pairs(shuffled, b.is_sentinel, b.valid, cfg))[:, None]
    assert torch.equal(build_attention_mask(shuffled, b.is_sentinel, b.valid, cfg), want)


def test_padding_is_masked_and_rows_never_empty():
    cfg = SentinelConfig(mode="bounded")
    b = prepare_sentinels([[5, 6, 7, 8], [9]], [[2, 2], [1]], SR, cfg)
    assert b.valid.tolist() == [[True] * 6, [True, True] + [False] * 4]
    allowed = allowed_pairs(b.chunk_ids, b.is_sentinel, b.valid, cfg)
    assert not allowed[1, :2, 2:].any()  # real tokens never see padding
    assert allowed.any(dim=-1).all()


def test_float_mask_means_the_same_to_eager_and_sdpa_and_bool_does_not():
    torch.manual_seed(0)
    cfg = SentinelConfig(mode="bounded", local_chunks=1, sink_tokens=2)
    b = prepare_sentinels(
        [list(range(5, 25)), list(range(30, 42))], [[3, 5, 0, 7, 5], [4, 4, 4]], SR, cfg
    )
    mask = build_attention_mask(b.chunk_ids, b.is_sentinel, b.valid, cfg)
    logits = {}
    for impl in ("eager", "sdpa"):
        torch.manual_seed(0)
        model = LlamaForCausalLM(llama_config("nano", vocab_size=64)).eval()
        model.set_attn_implementation(impl)
        with torch.no_grad():
            for kind, m in (("float", mask), ("bool", mask == 0)):
                kw = dict(input_ids=b.input_ids, position_ids=b.position_ids, attention_mask=m)
                logits[impl, kind] = model(**kw).logits[b.valid]
    assert (logits["eager", "float"] - logits["sdpa", "float"]).abs().max() <= 1e-5
    assert (logits["sdpa", "bool"] - logits["sdpa", "float"]).abs().max() <= 1e-5
    # eager adds a boolean mask as 1.0/0.0: it silently masks nothing
    assert (logits["eager", "bool"] - logits["eager", "float"]).abs().max() > 1e-2


def test_masked_tokens_do_not_reach_the_query():
    torch.manual_seed(0)
    cfg = SentinelConfig(mode="bounded", local_chunks=0, sink_tokens=1)
    ids = list(range(10, 22))
    b = prepare_sentinels([ids], [[4, 4, 4]], SR, cfg)
    mask = build_attention_mask(b.chunk_ids, b.is_sentinel, b.valid, cfg)
    model = LlamaForCausalLM(llama_config("nano", vocab_size=64)).eval()
    changed = b.input_ids.clone()
    changed[0, 2] = 40  # an ordinary token of chunk 0 (not the sink): hidden from chunk 2
    with torch.no_grad():
        a = model(input_ids=b.input_ids, position_ids=b.position_ids, attention_mask=mask).logits
        c = model(input_ids=changed, position_ids=b.position_ids, attention_mask=mask).logits
    # layout: a0 a1 a2 a3 SR0 b0..b3 SR1 c0..c3 SR2 (positions 0-4, 5-9, 10-14)
    assert (a[0, 2:5] - c[0, 2:5]).abs().max() > 0  # chunk 0 itself sees the change
    assert (a[0, 5:9] - c[0, 5:9]).abs().max() > 0  # chunk 1 sees it through <SR> of chunk 0
    # two layers: the change needs one to reach <SR> of chunk 0 and one more to reach chunk 1,
    # so <SR> of chunk 1, which sees only its own chunk, is still untouched
    assert (a[0, 9] - c[0, 9]).abs().max() == 0


def test_chunking_keeps_the_plain_tokenization(nano_tokenizer):
    text = "To be, or not to be. That is the question!  Whether 'tis nobler?\n\nAy, there's the rub"
    cfg = SentinelConfig(max_chunk_tokens=64)
    ids, lengths = chunk_text(text, nano_tokenizer, cfg)
    assert ids == nano_tokenizer(text)["input_ids"]  # <s> + the same tokens as without sentinels
    assert sum(lengths) == len(ids) and len(lengths) == 4
    decoded, i = [], 0
    for n in lengths:
        decoded.append(nano_tokenizer.decode(ids[i : i + n], skip_special_tokens=True))
        i += n
    assert decoded[0] == "To be, or not to be." and decoded[1].strip() == "That is the question!"
    one = chunk_text(
        "no sentence boundary at all here " * 10, nano_tokenizer, SentinelConfig(max_chunk_tokens=7)
    )
    assert all(n <= 7 for n in one[1]) and sum(one[1]) == len(one[0])
    assert boundary_chars("a\nb\nc", "line") == [2, 4]
    assert boundary_chars("a. b.", "fixed") == []


def test_bad_sentinel_inputs(nano_tokenizer):
    with pytest.raises(BadValueError, match="empty text"):
        chunk_text("   ", nano_tokenizer, SentinelConfig())
    with pytest.raises(BadValueError, match="sum to"):
        prepare_sentinels([[5, 6]], [[3]], SR, SentinelConfig())
    with pytest.raises(BadValueError, match="already contains"):
        prepare_sentinels([[5, SR]], [[2]], SR, SentinelConfig())
    with pytest.raises(BadValueError, match="mode"):
        SentinelConfig(mode="fast")
    with pytest.raises(BadValueError, match="chunking"):
        SentinelConfig(chunking="paragraph")


def test_flex_block_mask_matches_the_dense_mask():
    import warnings

    from torch.nn.attention.flex_attention import flex_attention

    from literate.sentinel.mask import build_block_mask

    cfg = SentinelConfig(mode="bounded", local_chunks=1, sink_tokens=2, max_chunk_tokens=5)
    b = prepare_sentinels(
        [list(range(10, 150)), list(range(10, 90))], [[7] * 20, [9] * 8 + [8]], SR, cfg
    )
    block = build_block_mask(b.chunk_ids, b.is_sentinel, b.valid, cfg)
    dense = build_attention_mask(b.chunk_ids, b.is_sentinel, b.valid, cfg)
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 2, b.input_ids.shape[1], 16) for _ in range(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flex = flex_attention(q, k, v, block_mask=block)
    ref = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=dense)
    assert (flex - ref)[b.valid[:, None, :, None].expand_as(ref)].abs().max() <= 1e-5


def test_boundaries_at_the_edges_of_the_text():
    """A sentence end right after the first character starts a chunk; one at the very end
    of the text does not (no token would follow it); fixed chunking has no boundaries."""
    assert boundary_chars(". a", "sentence") == [1]
    assert boundary_chars("abc\n\n", "sentence") == []
    assert boundary_chars("ab. cd\n\n", "sentence") == [3]
    assert boundary_chars("a\nb", "fixed") == [] and boundary_chars("a\nb", "line") == [2]


def test_chunk_text_without_bos_and_its_error_line(nano_tokenizer):
    ids, lengths = chunk_text("One. Two.", nano_tokenizer, SentinelConfig(), add_bos=False)
    assert ids == nano_tokenizer("One. Two.", add_special_tokens=False)["input_ids"]
    assert sum(lengths) == len(ids) and ids[0] != nano_tokenizer.bos_token_id
    with pytest.raises(BadValueError) as e:
        chunk_text("\n", nano_tokenizer, SentinelConfig())
    assert str(e.value) == "empty text: nothing to chunk"


def test_ordered_rows_take_the_band_path_with_only_the_special_columns_by_rule(monkeypatch):
    """The fast builder never materialises the general [T, T] rule for ordered rows, and
    computes the rule only for the columns the band does not describe: ``<SR>`` keys,
    padding and (bounded mode) the sinks."""
    from literate.sentinel import mask as mask_module

    def refuse(*args, **kwargs):
        raise AssertionError("the general [T, T] path was taken for ordered chunk ids")

    columns = []
    real_rule = mask_module.sentinel_visible

    def spy(q_chunk, q_sentinel, k_chunk, *rest):
        columns.append(k_chunk.shape[-1])
        return real_rule(q_chunk, q_sentinel, k_chunk, *rest)

    for cfg, sinks in [
        (SentinelConfig(max_chunk_tokens=3, local_chunks=1, sink_tokens=2), 2),
        (SentinelConfig(max_chunk_tokens=3, local_chunks=1, sink_tokens=0), 0),
        (SentinelConfig(max_chunk_tokens=3, mode="paper", sink_tokens=2), 0),
    ]:
        b = prepare_sentinels([list(range(10, 22)), [5, 6, 7]], [[3, 3, 3, 3], [3]], SR, cfg)
        want = additive(allowed_pairs(b.chunk_ids, b.is_sentinel, b.valid, cfg))[:, None]
        monkeypatch.setattr(mask_module, "allowed_pairs", refuse)
        monkeypatch.setattr(mask_module, "sentinel_visible", spy)
        columns.clear()
        got = build_attention_mask(b.chunk_ids, b.is_sentinel, b.valid, cfg)
        monkeypatch.undo()
        assert torch.equal(got, want)
        special = b.is_sentinel | ~b.valid
        if sinks:
            ordinal = torch.cumsum((~b.is_sentinel).long(), -1) - 1
            special |= ~b.is_sentinel & (ordinal < sinks)
        assert columns == [int(special.any(0).sum())]


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_masks_in_half_precision_use_that_dtypes_minimum(dtype):
    cfg = SentinelConfig(max_chunk_tokens=3, local_chunks=1, sink_tokens=1)
    b = prepare_sentinels([list(range(10, 19)), [5, 6]], [[3, 3, 3], [2]], SR, cfg)
    allowed = allowed_pairs(b.chunk_ids, b.is_sentinel, b.valid, cfg)
    for chunk_ids in (b.chunk_ids, b.chunk_ids.flip(-1)):  # the band path and the general one
        allowed = allowed_pairs(chunk_ids, b.is_sentinel, b.valid, cfg)
        got = build_attention_mask(chunk_ids, b.is_sentinel, b.valid, cfg, dtype=dtype)
        assert got.dtype == dtype
        want = torch.where(allowed, 0.0, torch.finfo(dtype).min).to(dtype)[:, None]
        assert torch.equal(got, want)
    flat = additive(allowed, dtype)
    assert flat.dtype == dtype and flat.min() == torch.finfo(dtype).min


def test_the_general_rule_and_additive_stay_on_their_inputs_device():
    """On the meta device (no data): a tensor made on another device would fail to mix."""
    cfg = SentinelConfig(max_chunk_tokens=3)
    b = prepare_sentinels([[5, 6, 7, 8]], [[2, 2]], SR, cfg)
    meta = [t.to("meta") for t in (b.chunk_ids, b.is_sentinel, b.valid)]
    allowed = allowed_pairs(*meta, cfg)
    assert allowed.device.type == "meta" and allowed.shape == (1, 6, 6)
    assert additive(allowed).device.type == "meta"


def test_a_padding_query_sees_only_itself_even_after_an_ordinary_key():
    """Rows not made by prepare_sentinels (no <SR> before the padding, no sinks): the band
    must not reach the last real token from the first padding query."""
    cfg = SentinelConfig(max_chunk_tokens=4, local_chunks=1, sink_tokens=0)
    chunk_ids = torch.zeros(2, 3, dtype=torch.long)
    is_sentinel = torch.zeros(2, 3, dtype=torch.bool)
    valid = torch.tensor([[True, True, True], [True, True, False]])
    got = build_attention_mask(chunk_ids, is_sentinel, valid, cfg)
    want = additive(allowed_pairs(chunk_ids, is_sentinel, valid, cfg))[:, None]
    assert torch.equal(got, want)
    assert (got[1, 0, 2] == 0).tolist() == [False, False, True]
