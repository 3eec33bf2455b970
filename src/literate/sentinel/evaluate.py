"""Perplexity of a (sentinel or plain) LM streamed under a KV-cache policy.

Each document of the split is streamed on its own (its first ``max_tokens`` tokens). A model
trained with sentinels (it has ``sentinel_config.json``) reads ``<SR>``-augmented text under
``sentinel`` (bounded mask, budget) or ``paper`` (the paper's mask, no eviction); under
``full``, ``window`` and ``sinks`` every model reads the plain text. Perplexity is over the
original tokens only, so the numbers compare across models and policies.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from rich.progress import track

from literate.data.corpora import load_corpus
from literate.data.splits import get_split
from literate.data.tokenizer import load_tokenizer
from literate.errors import BadValueError
from literate.lm.train import load_model
from literate.sentinel.config import SentinelConfig
from literate.sentinel.stream import Policy, SentinelStream

SENTINEL_POLICIES = ("sentinel", "paper")


@dataclass
class StreamEval:
    corpus: str
    policy: str
    budget: int | None
    tokens: int
    loss: float
    perplexity: float
    tokens_per_s: float
    peak_cache_tokens: int
    texts: int = 1  # documents scored

    @property
    def text_tokens(self) -> int:
        """Mean length of a scored text in tokens (each text's first token is not scored)."""
        return round(self.tokens / max(1, self.texts)) + 1


def sentinel_config(model_dir: str) -> SentinelConfig | None:
    path = Path(model_dir) / "sentinel_config.json"
    return SentinelConfig(**json.loads(path.read_text())) if path.is_file() else None


def stream_perplexity(
    model_dir: str,
    corpus: str,
    policy: str,
    budget: int | None,
    split: str = "test",
    max_tokens: int = 2048,
    config: SentinelConfig | None = None,
    max_docs: int | None = None,
    min_tokens: int = 0,
    block: int = 1,
) -> StreamEval:
    """``min_tokens`` > 0 keeps only documents of at least that many tokens (long-text
    experiments score only texts long enough to overflow the budgets). ``block`` > 1 feeds
    that many tokens per pass under ``full`` and ``paper`` (same scores, faster; their
    ``tokens_per_s`` is then a prefill's, not a token-by-token stream's)."""
    docs = get_split(load_corpus(corpus), split)
    trained = sentinel_config(model_dir)
    if policy in SENTINEL_POLICIES and trained is None:
        raise BadValueError(
            f"model {model_dir} was not trained with <SR> sentinels (no sentinel_config.json): "
            f"policy {policy!r} needs one"
        )
    cfg = config or trained or SentinelConfig()
    Policy.make(policy, budget, cfg)  # a bad policy or budget fails before the model loads
    tok = load_tokenizer(model_dir)
    if min_tokens:
        docs = [d for d in docs if len(tok(d.text)["input_ids"]) >= min_tokens]
        if not docs:
            raise BadValueError(f"no {split} document of {corpus!r} has {min_tokens} tokens")
    docs = docs[:max_docs]
    model = load_model(model_dir)
    stream = SentinelStream(model, tok, policy, budget, cfg, block=block)
    nll, n, tokens_seen, seconds, peak = 0.0, 0, 0, 0.0, 0
    for doc in track(docs, description=f"{policy} @ {budget}", transient=True):
        score = stream.score(doc.text, max_tokens)
        nll, n = nll + score.nll, n + score.tokens
        tokens_seen, seconds = tokens_seen + score.sequence_tokens, seconds + score.seconds
        peak = max(peak, score.peak_cache_tokens)
    loss = nll / n
    return StreamEval(
        corpus, policy, budget, n, loss, math.exp(loss), tokens_seen / seconds, peak, len(docs)
    )
