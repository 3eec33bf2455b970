"""The KV policies of ``literate.sentinel.stream`` on their own, without a model: which key
each query sees (``Policy.visible``) and which cached keys a later query may still need
(``Policy.needed``), against the definitions written out in ``helpers.policy_allowed``;
``Policy.make``'s budgets and refusals; ``evict`` on a real ``DynamicCache``. Fast, so
that mutation testing (``make mutate``) can run them for every mutant."""

import pytest
import torch
from helpers import layout, policy_allowed
from transformers import DynamicCache

from literate.errors import BadValueError
from literate.sentinel import SentinelConfig
from literate.sentinel.stream import Policy, TokenMeta, evict

LAYOUTS = [
    ("full", None, dict(max_chunk_tokens=4, local_chunks=1, sink_tokens=3), [4] * 6),
    ("paper", None, dict(max_chunk_tokens=3, local_chunks=1, sink_tokens=2), [3, 1, 3, 2] * 2),
    ("window", 9, dict(max_chunk_tokens=4, local_chunks=1, sink_tokens=3), [4] * 8),
    ("window", 1, dict(max_chunk_tokens=4, local_chunks=1, sink_tokens=3), [4] * 3),
    ("sinks", 10, dict(max_chunk_tokens=4, local_chunks=1, sink_tokens=3), [4] * 8),
    ("sinks", 6, dict(max_chunk_tokens=4, local_chunks=1, sink_tokens=1), [3, 5, 2, 4, 4, 6]),
    ("sinks", 4, dict(max_chunk_tokens=4, local_chunks=1, sink_tokens=3), [4] * 4),
    ("sentinel", 11, dict(max_chunk_tokens=3, local_chunks=1, sink_tokens=2), [3] * 10),
    ("sentinel", 9, dict(max_chunk_tokens=2, local_chunks=0, sink_tokens=1), [2, 1, 2] * 4),
    ("sentinel", 17, dict(max_chunk_tokens=3, local_chunks=2, sink_tokens=3), [3, 2] * 6),
    ("sentinel", 12, dict(max_chunk_tokens=3, local_chunks=1, sink_tokens=4), [3, 3, 1] * 4),
    ("sentinel", 7, dict(max_chunk_tokens=3, local_chunks=1, sink_tokens=0), [3] * 6),
]
IDS = [f"{n}-{b}-{i}" for i, (n, b, _, _) in enumerate(LAYOUTS)]


def paper_allowed(cfg, chunk, sent, rows=None):
    """The paper's mode: an ordinary token sees every earlier token; an ``<SR>`` its chunk."""
    t = len(chunk)
    out = torch.zeros(t, t, dtype=torch.bool)
    for q in range(t) if rows is None else rows:
        for k in range(q + 1):
            out[q, k] = chunk[k] == chunk[q] if sent[q] else True
    return out


def definition(name, budget, cfg, chunk, sent, rows=None):
    if name == "paper":
        return paper_allowed(cfg, chunk, sent, rows)
    return policy_allowed(name, budget, cfg, chunk, sent, rows)


@pytest.mark.parametrize("name, budget, options, lengths", LAYOUTS, ids=IDS)
def test_visible_is_the_policys_definition(name, budget, options, lengths):
    cfg = SentinelConfig(**options)
    _, _, chunk, sent = layout(lengths, cfg)
    meta = TokenMeta.of(chunk, sent)
    got = Policy.make(name, budget, cfg).visible(meta, meta)
    assert torch.equal(got, definition(name, budget, cfg, chunk.tolist(), sent.tolist()))


@pytest.mark.parametrize("name, budget, options, lengths", LAYOUTS, ids=IDS)
def test_needed_keeps_exactly_the_keys_a_later_query_sees(name, budget, options, lengths):
    """Before token i, a cached key is needed iff a query at i or later may see it: the
    definition over the same text continued by six more full chunks (so every kind of
    later query is there) decides, one position at a time. ``needed`` is not told whether
    token i is an ``<SR>``: before one it keeps what an ordinary token of that chunk would
    see (one step of a slightly fuller cache, never a key evicted too early)."""
    cfg = SentinelConfig(**options)
    _, _, chunk, sent = layout(lengths + [cfg.max_chunk_tokens] * 6, cfg)
    allowed = definition(name, budget, cfg, chunk.tolist(), sent.tolist())
    policy = Policy.make(name, budget, cfg)
    meta = TokenMeta.of(chunk, sent)
    n = len(layout(lengths, cfg)[2])
    for i in range(1, n + 1):
        keys = meta.select(torch.arange(len(chunk)) < i)
        needed = policy.needed(keys, i, int(chunk[i]))
        assert needed.dtype == torch.bool
        want = allowed[i:, :i].any(0)
        if sent[i]:
            as_ordinary = sent.clone()
            as_ordinary[i] = False
            want |= definition(name, budget, cfg, chunk.tolist(), as_ordinary.tolist(), [i])[i, :i]
        assert torch.equal(needed, want), i


def test_make_sets_each_policys_budget_and_refuses_what_cannot_work():
    cfg = SentinelConfig(max_chunk_tokens=16, local_chunks=1, sink_tokens=4)
    assert Policy.make("full", None, cfg) == Policy("full")
    paper = Policy.make("paper", 7, cfg)
    assert paper.name == "paper" and paper.budget is None and paper.sentinel.mode == "paper"
    assert Policy.make("window", 1, cfg) == Policy("window", 1)
    assert Policy.make("sinks", 5, cfg) == Policy("sinks", 5, 4)
    window = 2 * 16 + 1  # the own and one local chunk, and the chunk's <SR>
    tight = Policy.make("sentinel", 4 + window, cfg)  # no spare: no earlier <SR>
    assert (tight.name, tight.budget, tight.sinks) == ("sentinel", 4 + window, 4)
    assert tight.sentinel.mode == "bounded" and tight.sentinel.max_sentinels == 0
    assert Policy.make("sentinel", 4 + window + 5, cfg).sentinel.max_sentinels == 5
    from dataclasses import replace

    bounded = Policy.make("sentinel", 4 + window, replace(cfg, mode="paper")).sentinel
    assert bounded.mode == "bounded"  # a KV budget means bounded mode, whatever the config says
    refusals = [
        ("lru", 30, "unknown policy 'lru': use one of full, window, sinks, sentinel, paper"),
        ("window", None, "policy 'window' needs a KV budget ≥ 1 (--budget)"),
        ("window", 0, "policy 'window' needs a KV budget ≥ 1 (--budget)"),
        ("sinks", 4, "budget 4 leaves no window after 4 sinks"),
        ("sentinel", 4 + window - 1, "budget 36 is smaller than 4 sinks + 2 chunks of 16 "
         "tokens + <SR>"),
    ]  # fmt: skip
    for name, budget, message in refusals:
        with pytest.raises(BadValueError) as e:
            Policy.make(name, budget, cfg)
        assert str(e.value).startswith(message), str(e.value)


def test_evict_keeps_the_chosen_positions_in_every_layer():
    cache = DynamicCache()
    keys = [torch.arange(2 * 3 * 5 * 4, dtype=torch.float32).reshape(2, 3, 5, 4) + 100 * n
            for n in range(2)]  # fmt: skip
    for n, k in enumerate(keys):
        cache.update(k, -k, n)
    keep = torch.tensor([True, False, True, True, False])
    evict(cache, keep)
    for n, k in enumerate(keys):
        assert torch.equal(cache.layers[n].keys, k[:, :, [0, 2, 3]])
        assert torch.equal(cache.layers[n].values, -k[:, :, [0, 2, 3]])
    before = cache.layers[0].keys
    evict(cache, torch.ones(3, dtype=torch.bool))
    assert cache.layers[0].keys is before


def test_token_meta_of_select_and_cat():
    chunk = torch.tensor([0, 0, 0, 1, 1])
    sent = torch.tensor([False, False, True, False, True])
    meta = TokenMeta.of(chunk, sent)
    assert meta.index.tolist() == [0, 1, 2, 3, 4] and meta.ordinal.tolist() == [0, 1, 1, 2, 2]
    head = meta.select(torch.tensor([True, False, True, False, False]))
    tail = meta.select(torch.tensor([False, False, False, True, True]))
    both = head.cat(tail)
    assert [f.tolist() for f in both.fields()] == [
        [0, 2, 3, 4],
        [0, 0, 1, 1],
        [False, True, False, True],
        [0, 1, 2, 2],
    ]
