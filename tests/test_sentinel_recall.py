"""The long-range recall probe: cases are seeded and hold the fact at the distance asked,
a continuation's NLL under a policy is that of one forward pass over prompt + answer, and a
window that cannot reach the fact cannot tell the true key from another."""

from __future__ import annotations

import random

import pytest
import torch
from transformers import LlamaForCausalLM

from literate.lm.config import llama_config
from literate.sentinel import SentinelConfig
from literate.sentinel.chunking import chunk_text
from literate.sentinel.recall import FACT, QUESTION, make_case, recall_rows, recalled
from literate.sentinel.stream import SentinelStream

CFG = SentinelConfig(max_chunk_tokens=12, local_chunks=1, sink_tokens=2, mode="bounded")


@pytest.fixture(scope="module")
def model(nano_tokenizer):
    torch.manual_seed(0)
    return LlamaForCausalLM(llama_config("nano", vocab_size=len(nano_tokenizer))).eval()


@pytest.fixture(scope="module")
def filler(nano_tokenizer, plays):
    return nano_tokenizer.encode(plays[0].text[:6_000], add_special_tokens=False)


def test_cases_are_seeded_and_hold_the_fact_at_the_distance(nano_tokenizer, filler):
    a = make_case(filler, nano_tokenizer, 120, random.Random(3))
    b = make_case(filler, nano_tokenizer, 120, random.Random(3))
    assert a == b and a.distance == 120
    assert len(set(a.candidates)) == 8 and a.key in a.candidates
    assert all(len(c) == 5 and c.isdigit() for c in a.candidates)
    lengths = {len(nano_tokenizer.encode(" " + c, add_special_tokens=False)) for c in a.candidates}
    assert len(lengths) == 1  # a summed NLL cannot favour a shorter distractor
    assert a.prompt.startswith(FACT.format(key=a.key)) and a.prompt.endswith(QUESTION)
    middle = a.prompt[len(FACT.format(key=a.key)) : -len(QUESTION)]
    assert abs(len(nano_tokenizer.encode(middle, add_special_tokens=False)) - 120) <= 2
    with pytest.raises(ValueError, match="shorter than distance"):
        make_case(filler[:10], nano_tokenizer, 120, random.Random(0))


def test_a_continuation_scores_as_one_forward_pass(model, nano_tokenizer):
    stream = SentinelStream(model, nano_tokenizer, "full", None, CFG)
    prompt, answer = "To be, or not to be, that is the question", " whether"
    state = stream.prefill(prompt)
    tokens = nano_tokenizer.encode(answer, add_special_tokens=False)
    got = stream.continuation_nll(state, tokens)
    assert stream.continuation_nll(state, tokens) == pytest.approx(got, abs=1e-6)  # unchanged
    ids = chunk_text(prompt, nano_tokenizer, CFG)[0] + tokens  # the prompt as it streamed
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].float()
    logp = torch.log_softmax(logits, -1)
    n = len(ids) - len(tokens)
    want = -sum(float(logp[n - 1 + k, t]) for k, t in enumerate(tokens))
    assert got == pytest.approx(want, abs=1e-4)


def test_a_window_that_cannot_reach_the_fact_cannot_tell_the_keys_apart(
    model, nano_tokenizer, filler
):
    case = make_case(filler, nano_tokenizer, 160, random.Random(1), n_candidates=4)
    other = case.candidates[0] if case.candidates[0] != case.key else case.candidates[1]
    swapped = case.prompt.replace(case.key, other)

    def scores(policy, budget, prompt):
        stream = SentinelStream(model, nano_tokenizer, policy, budget, CFG)
        state = stream.prefill(prompt)
        enc = [nano_tokenizer.encode(" " + c, add_special_tokens=False) for c in case.candidates]
        return [stream.continuation_nll(state, e) for e in enc]

    assert scores("window", 64, case.prompt) == pytest.approx(
        scores("window", 64, swapped), abs=1e-4
    )
    assert scores("full", None, case.prompt) != pytest.approx(scores("full", None, swapped))


def test_recall_rows_follow_the_schema(model, nano_tokenizer, filler):
    rows = recall_rows(model, nano_tokenizer, "tiny", [("full", None), ("window", 32)],
                       [40, 80], filler, 2, CFG, n_candidates=4)  # fmt: skip
    assert [(r["policy"], r["distance"]) for r in rows] == [
        ("full", 40),
        ("window", 40),
        ("full", 80),
        ("window", 80),
    ]
    for r in rows:
        assert set(r) == {"model", "policy", "budget", "distance", "accuracy", "n", "chance"}
        assert r["n"] == 2 and r["chance"] == 0.25 and 0 <= r["accuracy"] <= 1
    case = make_case(filler, nano_tokenizer, 40, random.Random(0), n_candidates=4)
    assert isinstance(
        recalled(SentinelStream(model, nano_tokenizer, "full", None, CFG), case), bool
    )
