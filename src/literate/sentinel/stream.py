"""Streaming over arbitrarily long text with a bounded KV cache.

Policies, each at a KV budget of ``N`` tokens:
- ``full``: keep everything (no budget); ``paper``: keep everything, the paper's mask;
- ``window``: the last ``N`` tokens;
- ``sinks``: the first ``S`` tokens plus the last ``N - S`` (StreamingLLM);
- ``sentinel``: bounded mode: ``S`` sinks, the ordinary tokens of the current and the
  previous ``local_chunks`` chunks, and the ``<SR>`` of as many earlier chunks as the rest of
  the budget holds.

Tokens go through the model one at a time with explicit ``position_ids`` (the cache length
is no longer the position) and a 4D mask over the cache. Before each token, every cached key
that no query from this one on may see is evicted, so the cache never holds more than the
budget, and the logits equal those of one forward pass with the equivalent mask.

``block`` > 1 feeds that many tokens per forward pass (``Streamer.feed_block``: the same
logits). Scoring uses it only under ``full`` and ``paper``, which evict nothing, so every
policy's cache stays within its budget token by token; a prompt's prefill uses it under
every policy (chunked prefill, as servers do: the cache may hold up to ``block - 1`` tokens
over the budget while a block passes, and is back within it before the next token).
"""

from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass, replace

import torch
from transformers import DynamicCache, PreTrainedModel

from literate.errors import BadValueError
from literate.sentinel.chunking import chunk_text
from literate.sentinel.config import SentinelConfig
from literate.sentinel.mask import additive, sentinel_visible
from literate.sentinel.prepare import plain_row, prepare_sentinels

POLICIES = ("full", "window", "sinks", "sentinel", "paper")
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]]*\s*$|\n\s*\n")


@dataclass(frozen=True)
class Policy:
    name: str
    budget: int | None = None
    sinks: int = 0
    sentinel: SentinelConfig | None = None  # bounded-mode rules (policy "sentinel")

    @classmethod
    def make(cls, name: str, budget: int | None, config: SentinelConfig) -> Policy:
        """A policy at a budget; for ``sentinel`` the budget sets ``max_sentinels``."""
        if name not in POLICIES:
            raise BadValueError(f"unknown policy {name!r}: use one of {', '.join(POLICIES)}")
        if name == "full":
            return cls("full")
        if name == "paper":  # the paper's mask, nothing evicted
            return cls("paper", sentinel=replace(config, mode="paper"))
        if budget is None or budget < 1:
            raise BadValueError(f"policy {name!r} needs a KV budget ≥ 1 (--budget)")
        if name == "window":
            return cls("window", budget)
        if name == "sinks":
            if budget <= config.sink_tokens:
                raise BadValueError(
                    f"budget {budget} leaves no window after {config.sink_tokens} sinks"
                )
            return cls("sinks", budget, config.sink_tokens)
        window = (config.local_chunks + 1) * config.max_chunk_tokens + 1  # + the chunk's own <SR>
        spare = budget - config.sink_tokens - window
        if spare < 0:
            raise BadValueError(
                f"budget {budget} is smaller than {config.sink_tokens} sinks + "
                f"{config.local_chunks + 1} chunks of {config.max_chunk_tokens} tokens + <SR>"
            )
        rules = replace(config, mode="bounded", max_sentinels=spare)
        return cls("sentinel", budget, config.sink_tokens, rules)

    def visible(self, q: TokenMeta, k: TokenMeta) -> torch.Tensor:
        """[Q, K] bool: may each query see each key."""
        qi, ki = q.index[:, None], k.index[None, :]
        causal = ki <= qi
        if self.name == "full":
            return causal
        if self.name == "window":
            return causal & (ki > qi - self.budget)
        if self.name == "sinks":
            return causal & ((ki < self.sinks) | (ki > qi - (self.budget - self.sinks)))
        return sentinel_visible(
            q.chunk[:, None],
            q.sentinel[:, None],
            k.chunk[None, :],
            k.sentinel[None, :],
            k.ordinal[None, :],
            causal,
            self.sentinel,
        )

    @property
    def evicts(self) -> bool:
        """Whether the policy ever drops a cached key (``full`` and ``paper`` never do)."""
        return self.name not in ("full", "paper")

    def needed(self, k: TokenMeta, index: int, chunk: int) -> torch.Tensor:
        """[K] bool: may any query at or after ``index`` (in chunk ≥ ``chunk``) see the key."""
        if not self.evicts:
            return torch.ones_like(k.index, dtype=torch.bool)
        if self.name == "window":
            return k.index > index - self.budget
        if self.name == "sinks":
            return (k.index < self.sinks) | (k.index > index - (self.budget - self.sinks))
        c = self.sentinel
        local = ~k.sentinel & (k.chunk >= chunk - c.local_chunks)
        summaries = k.sentinel & (k.chunk >= chunk - c.max_sentinels)
        sinks = ~k.sentinel & (k.ordinal < c.sink_tokens)
        return local | summaries | sinks


@dataclass
class TokenMeta:
    """Per-token facts the policies read; for the cache, one entry per cached key."""

    index: torch.Tensor  # place in the full sequence
    chunk: torch.Tensor
    sentinel: torch.Tensor
    ordinal: torch.Tensor  # index among ordinary tokens

    def select(self, keep: torch.Tensor) -> TokenMeta:
        return TokenMeta(
            self.index[keep], self.chunk[keep], self.sentinel[keep], self.ordinal[keep]
        )

    def cat(self, other: TokenMeta) -> TokenMeta:
        return TokenMeta(
            *(torch.cat([a, b]) for a, b in zip(self.fields(), other.fields(), strict=True))
        )

    def fields(self) -> tuple[torch.Tensor, ...]:
        return self.index, self.chunk, self.sentinel, self.ordinal

    @classmethod
    def of(cls, chunk_ids: torch.Tensor, is_sentinel: torch.Tensor) -> TokenMeta:
        ordinal = torch.cumsum((~is_sentinel).long(), 0) - 1
        return cls(torch.arange(len(chunk_ids)), chunk_ids, is_sentinel, ordinal)


def evict(cache: DynamicCache, keep: torch.Tensor) -> None:
    """Keep only the cache entries where ``keep`` is True, in every layer.

    ``DynamicCache`` has no API to drop arbitrary positions; its layers hold ``keys`` and
    ``values`` as [batch, heads, length, head_dim], with positions already applied (RoPE),
    so slicing them is all eviction takes.
    """
    if bool(keep.all()):
        return
    idx = keep.nonzero().squeeze(-1).to(cache.layers[0].keys.device)
    for layer in cache.layers:
        layer.keys = layer.keys.index_select(2, idx)
        layer.values = layer.values.index_select(2, idx)


@dataclass
class StreamResult:
    logits: torch.Tensor | None  # [T, V] when kept
    peak_cache_tokens: int
    seconds: float


@dataclass
class Prefilled:
    """A prompt streamed under a policy: the streamer, the last token's logits, the next
    position, and the open chunk's index and length."""

    streamer: Streamer
    logits: torch.Tensor
    position: int
    chunk: int
    in_chunk: int


class Streamer:
    """One token at a time through the model under a policy, evicting before each token
    every cached key that no query from that token on may see."""

    def __init__(self, model: PreTrainedModel, policy: Policy):
        self.model, self.policy = model.eval(), policy
        self.cache = DynamicCache(config=model.config)
        self.cached: TokenMeta | None = None
        self.fed = 0  # tokens fed so far: the next token's index
        self.ordinary = 0  # ordinary tokens fed so far
        self.peak = 0

    def fork(self) -> Streamer:
        """A copy that continues independently (its own cache; the model is shared)."""
        twin = Streamer.__new__(Streamer)
        twin.model, twin.policy = self.model, self.policy
        twin.cache = copy.deepcopy(self.cache)
        twin.cached, twin.fed, twin.ordinary, twin.peak = (
            self.cached, self.fed, self.ordinary, self.peak,
        )  # fmt: skip
        return twin

    def feed(self, token: int, position: int, chunk: int, sentinel: bool) -> torch.Tensor:
        """Feed one token; returns its logits row (fp32, CPU)."""
        one = torch.tensor([token]), torch.tensor([position]), torch.tensor([chunk])
        return self.feed_block(*one, torch.tensor([sentinel]))[0]

    @torch.no_grad()
    def feed_block(
        self,
        tokens: torch.Tensor,
        positions: torch.Tensor,
        chunks: torch.Tensor,
        sentinels: torch.Tensor,
    ) -> torch.Tensor:
        """Feed B tokens (1-D tensors) in one forward pass; returns their logits [B, V].

        Eviction runs once, before the block, keeping every key a query from the block's
        first token on may see, and the mask hides the rest: the logits are those of B
        single feeds. Only the peak cache differs, by up to B - 1 under a policy that
        evicts (see ``_step``)."""
        n = len(tokens)
        now = TokenMeta(
            torch.arange(self.fed, self.fed + n),
            chunks,
            sentinels,
            self.ordinary + torch.cumsum((~sentinels).long(), 0) - 1,
        )
        if self.cached is not None:
            keep = self.policy.needed(self.cached, self.fed, int(chunks[0]))
            evict(self.cache, keep)
            self.cached = self.cached.select(keep)
        keys = now if self.cached is None else self.cached.cat(now)
        self.peak = max(self.peak, len(keys.index))
        device = self.model.device
        out = self.model(
            input_ids=tokens[None].to(device),
            position_ids=positions[None].to(device),
            attention_mask=additive(self.policy.visible(now, keys))[None, None].to(device),
            past_key_values=self.cache,
            use_cache=True,
        )
        self.cached = keys
        self.fed += n
        self.ordinary += int((~sentinels).sum())
        return out.logits[0].float().cpu()


def _step(policy: Policy, block: int, prefill: bool = False) -> int:
    """Tokens per forward pass: ``block`` in a prefill or where the policy evicts nothing,
    else 1 (a scored stream's peak cache is then exactly what the policy holds)."""
    return max(1, block) if prefill or not policy.evicts else 1


def stream_logits(
    model: PreTrainedModel,
    input_ids: torch.Tensor,
    position_ids: torch.Tensor,
    chunk_ids: torch.Tensor,
    is_sentinel: torch.Tensor,
    policy: Policy,
    keep_logits: bool = True,
    on_logits=None,
    block: int = 1,
) -> StreamResult:
    """Run one sequence (1-D tensors) token by token under ``policy`` (``block`` tokens
    per pass where it evicts nothing, see ``Streamer.feed_block``).

    ``on_logits(t, logits_row)`` is called for every position when given (for scoring
    without keeping [T, V] logits in memory).
    """
    streamer = Streamer(model, policy)
    rows = []
    step = _step(policy, block)
    start = time.perf_counter()
    for t0 in range(0, len(input_ids), step):
        span = slice(t0, t0 + step)
        out = streamer.feed_block(
            input_ids[span], position_ids[span], chunk_ids[span], is_sentinel[span].bool()
        )
        for k, row in enumerate(out):
            if on_logits is not None:
                on_logits(t0 + k, row)
            if keep_logits:
                rows.append(row)
    logits = torch.stack(rows) if keep_logits else None
    return StreamResult(logits, streamer.peak, time.perf_counter() - start)


def masked_logits(
    model: PreTrainedModel,
    input_ids: torch.Tensor,
    position_ids: torch.Tensor,
    chunk_ids: torch.Tensor,
    is_sentinel: torch.Tensor,
    policy: Policy,
) -> torch.Tensor:
    """One forward pass with the policy's equivalent 4D mask: the reference for streaming."""
    meta = TokenMeta.of(chunk_ids, is_sentinel)
    mask = additive(policy.visible(meta, meta))[None, None]
    with torch.no_grad():
        out = model(input_ids=input_ids[None], position_ids=position_ids[None], attention_mask=mask)
    return out.logits[0].float()


@dataclass
class StreamScore:
    nll: float  # summed negative log-likelihood of the original tokens (nats)
    tokens: int  # how many were predicted
    peak_cache_tokens: int
    seconds: float
    sequence_tokens: int  # tokens that went through the model (<SR> included)


def stream_score(
    model: PreTrainedModel,
    input_ids: torch.Tensor,
    labels: torch.Tensor,
    position_ids: torch.Tensor,
    chunk_ids: torch.Tensor,
    is_sentinel: torch.Tensor,
    policy: Policy,
    block: int = 1,
) -> StreamScore:
    """NLL of the original tokens under ``policy`` (labels in HF's shifted convention, as
    ``prepare_sentinels`` makes them), without keeping the [T, V] logits."""
    targets = torch.cat([labels[1:], labels.new_full((1,), -100)])
    total = 0.0

    def add(t: int, row: torch.Tensor) -> None:
        nonlocal total
        if targets[t] != -100:
            total -= float(torch.log_softmax(row, -1)[targets[t]])

    result = stream_logits(
        model,
        input_ids,
        position_ids,
        chunk_ids,
        is_sentinel,
        policy,
        keep_logits=False,
        on_logits=add,
        block=block,
    )
    n = int((targets != -100).sum())
    return StreamScore(total, n, result.peak_cache_tokens, result.seconds, len(input_ids))


def cut_lengths(lengths: list[int], max_tokens: int) -> list[int]:
    """Chunk lengths of the first ``max_tokens`` tokens."""
    out, total = [], 0
    for n in lengths:
        take = min(n, max_tokens - total)
        if take <= 0:
            break
        out.append(take)
        total += take
    return out


class SentinelStream:
    """Streaming scorer over long text for one model and one KV policy.

    A model trained with sentinels reads text with ``<SR>`` inserted (policies ``sentinel``
    and ``paper``); any model reads plain text under ``full``, ``window`` and ``sinks``.
    """

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer,
        policy: str = "sentinel",
        budget: int | None = None,
        config: SentinelConfig | None = None,
        block: int = 1,
    ):
        """``block``: tokens per forward pass in ``prefill`` (every policy) and in
        ``score`` (``full`` and ``paper`` only); the same logits as token by token."""
        self.model, self.tokenizer, self.block = model, tokenizer, block
        self.config = config or SentinelConfig()
        self.policy = Policy.make(policy, budget, self.config)
        self.sr_id = None
        if policy in ("sentinel", "paper"):
            sr_id = tokenizer.convert_tokens_to_ids(self.config.sr_token)
            if sr_id is None or sr_id == tokenizer.unk_token_id:
                raise BadValueError(
                    f"tokenizer has no {self.config.sr_token} token: train with sentinels first"
                )
            self.sr_id = sr_id

    def generate(
        self, prompt: str, max_new_tokens: int = 64, temperature: float = 0.0, seed: int = 0
    ) -> str:
        """Continue ``prompt`` under the policy, closing a chunk with ``<SR>`` (sentinel
        policies) when a generated token ends a sentence or the chunk reaches
        ``max_chunk_tokens``. Greedy at temperature 0. Each token is predicted by the
        ordinary token before it, never by an ``<SR>``, and ``<SR>`` is never generated:
        the positions training teaches (``prepare_sentinels``)."""
        cfg, tok = self.config, self.tokenizer
        state = self.prefill(prompt)
        streamer, logits = state.streamer, state.logits
        position, chunk = state.position, state.chunk
        gen = torch.Generator().manual_seed(seed)
        new: list[int] = []
        in_chunk = state.in_chunk
        for _ in range(max_new_tokens):
            if self.sr_id is not None:  # <SR> is inserted, never predicted (nor trained to be)
                logits = logits.clone()
                logits[self.sr_id] = float("-inf")
            if temperature > 0:
                probs = torch.softmax(logits / temperature, -1)
                token = int(torch.multinomial(probs, 1, generator=gen))
            else:
                token = int(logits.argmax())
            if token == tok.eos_token_id:
                break
            new.append(token)
            logits = streamer.feed(token, position, chunk, False)
            position += 1
            in_chunk += 1
            text = tok.decode([token])
            if self.sr_id is not None and (
                _ENDS_SENTENCE.search(text) or in_chunk >= cfg.max_chunk_tokens
            ):
                # the <SR> predicts nothing: as in training, the chunk's last token predicts
                # the next chunk's first, so ``logits`` stay that token's
                streamer.feed(self.sr_id, self._sr_position(position), chunk, True)
                position += cfg.sr_position == "continue"
                chunk, in_chunk = chunk + 1, 0
        self.last_peak_cache = streamer.peak
        return tok.decode(new, skip_special_tokens=True)

    def prefill(self, prompt: str) -> Prefilled:
        """Stream ``prompt`` under the policy, ``<SR>`` after every chunk but the open last
        one, and return the state a continuation starts from."""
        cfg = self.config
        ids, lengths = chunk_text(prompt, self.tokenizer, cfg)
        streamer = Streamer(self.model, self.policy)
        tokens, positions, chunks, sentinels = [], [], [], []
        position, i = 0, 0
        for c, n in enumerate(lengths):
            for _ in range(n):
                tokens.append(ids[i]), positions.append(position), chunks.append(c)
                sentinels.append(False)
                i, position = i + 1, position + 1
            if self.sr_id is not None and c < len(lengths) - 1:
                tokens.append(self.sr_id), positions.append(self._sr_position(position))
                chunks.append(c), sentinels.append(True)
                position += cfg.sr_position == "continue"
        step = _step(self.policy, self.block, prefill=True)
        columns = [torch.tensor(x) for x in (tokens, positions, chunks, sentinels)]
        for t0 in range(0, len(tokens), step):
            logits = streamer.feed_block(*(x[t0 : t0 + step] for x in columns))[-1]
        return Prefilled(streamer, logits, position, len(lengths) - 1, lengths[-1])

    def continuation_nll(self, state: Prefilled, tokens: list[int]) -> float:
        """Summed NLL of ``tokens`` right after the prefilled prompt, in the open chunk
        (the state is left as it was: the continuation runs on a fork of its cache)."""
        streamer, logits, position = state.streamer.fork(), state.logits, state.position
        total = 0.0
        for k, token in enumerate(tokens):
            total -= float(torch.log_softmax(logits, -1)[token])
            if k + 1 < len(tokens):
                logits = streamer.feed(token, position, state.chunk, False)
                position += 1
        return total

    def _sr_position(self, next_position: int) -> int:
        return next_position - 1 if self.config.sr_position == "shared" else next_position

    def score(self, text: str, max_tokens: int | None = None) -> StreamScore:
        """NLL of the original tokens of ``text`` streamed under the policy."""
        ids, lengths = chunk_text(text, self.tokenizer, self.config)
        if max_tokens is not None:
            lengths = cut_lengths(lengths, max_tokens)
            ids = ids[: sum(lengths)]
        if self.sr_id is not None:
            row = prepare_sentinels([ids], [lengths], self.sr_id, self.config).row()
        else:
            row = plain_row(ids)
        return stream_score(self.model, *row, self.policy, block=self.block)
