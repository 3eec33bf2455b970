"""Long-range recall: a fact stated once early in a long text, asked for at its end.

A pass key (a number) is stated in one sentence, ``distance`` tokens of real text follow,
then the question. The model answers by ranking: the true key and ``n_candidates - 1``
distractor keys are scored as continuations of the question under a KV policy, and the
case counts as recalled when the true key has the lowest NLL. Chance is
``1 / n_candidates``, so a window that cannot reach the fact sits at chance, and a memory
that carries it rises above. The distractors take as many tokens as the key: a BPE
tokenizer splits numbers unevenly (" 48213" may be four tokens, " 50000" two), and a summed
NLL favours the shorter candidate by a token's worth of loss whatever the model remembers.
Ranking, not free generation, because a model of a few million parameters rarely copies
five digits verbatim even from its own context, yet its likelihood still shows whether the
digits reached it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from literate.sentinel.config import SentinelConfig
from literate.sentinel.stream import SentinelStream

FACT = "The pass key is {key}. Remember it, the pass key is {key}. "
QUESTION = " What is the pass key? The pass key is"


@dataclass(frozen=True)
class RecallCase:
    prompt: str  # fact, filler, question
    key: str
    candidates: tuple[str, ...]  # the key among distractors, in a random order
    distance: int  # filler tokens between the fact and the question


def make_case(
    filler: list[int], tokenizer, distance: int, rng: random.Random, n_candidates: int = 8
) -> RecallCase:
    """One case: ``distance`` tokens of ``filler`` (token ids of real text; a random
    stretch of it) between the fact and the question."""
    if len(filler) < distance:
        raise ValueError(f"filler of {len(filler)} tokens is shorter than distance {distance}")
    key = str(rng.randrange(10_000, 100_000))
    candidates = [key]
    length = _n_tokens(tokenizer, key)
    tries = 0
    while len(candidates) < n_candidates:  # distinct distractors as long as the key (seeded)
        if (tries := tries + 1) > 100_000:
            raise ValueError(f"too few keys of {length} tokens for {n_candidates} candidates")
        draw = str(rng.randrange(10_000, 100_000))
        if draw not in candidates and _n_tokens(tokenizer, draw) == length:
            candidates.append(draw)
    rng.shuffle(candidates)
    start = rng.randrange(0, len(filler) - distance + 1)
    middle = tokenizer.decode(filler[start : start + distance], skip_special_tokens=True)
    prompt = FACT.format(key=key) + middle + QUESTION
    return RecallCase(prompt, key, tuple(candidates), distance)


def _n_tokens(tokenizer, key: str) -> int:
    """Tokens of the key as an answer (after the question's last word, so with a space)."""
    return len(tokenizer.encode(" " + key, add_special_tokens=False))


def recalled(stream: SentinelStream, case: RecallCase) -> bool:
    """Whether the true key is the most likely candidate after the prompt."""
    nll = candidate_nlls(stream, stream.prefill(case.prompt), case.candidates)
    return min(nll, key=nll.get) == case.key


def candidate_nlls(stream: SentinelStream, state, candidates) -> dict[str, float]:
    """Each candidate's summed NLL as the answer after a prefilled prompt."""
    tok = stream.tokenizer
    return {
        c: stream.continuation_nll(state, tok.encode(" " + c, add_special_tokens=False))
        for c in candidates
    }


def recall_rows(
    model,
    tokenizer,
    model_name: str,
    cases: list[tuple[str, int | None]],
    distances: list[int],
    filler: list[int],
    n: int,
    config: SentinelConfig,
    seed: int = 0,
    n_candidates: int = 8,
    block: int = 1,
) -> list[dict]:
    """``{"model", "policy", "budget", "distance", "accuracy", "n", "chance"}`` per policy
    (``cases``: ``(policy, budget)``) and distance; the same ``n`` cases at each distance for
    every policy (seeded), so policies differ only in what they remember. ``block``: tokens per
    forward pass in the prompt's prefill (``SentinelStream``: the same answers, faster)."""
    rows = []
    for distance in distances:
        rng = random.Random(f"{seed}-{distance}")
        probes = [make_case(filler, tokenizer, distance, rng, n_candidates) for _ in range(n)]
        for policy, budget in cases:
            stream = SentinelStream(model, tokenizer, policy, budget, config, block=block)
            hits = sum(recalled(stream, case) for case in probes)
            rows.append(
                {
                    "model": model_name,
                    "policy": policy,
                    "budget": budget,
                    "distance": distance,
                    "accuracy": hits / n,
                    "n": n,
                    "chance": 1 / n_candidates,
                }
            )
    return rows
