"""Does a model use long context? Perplexity of long documents under attention windows.

Each held-out document of at least ``n_tokens`` tokens is scored on its first ``n_tokens``
tokens in one forward pass, once with full causal attention and once per window ``w``
with a banded causal mask (a token sees itself and the ``w - 1`` tokens before it: what a
sliding-window KV cache of ``w`` tokens holds). Every window scores the same tokens at the
same positions, so the differences are what the far context is worth to the model. If
full attention is not clearly better than a 256-token window, no memory scheme can show a
gain on this model (the precondition of the sentinel experiments).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from literate.data.corpora import TextDocument
from literate.errors import BadValueError


@dataclass
class ContextRow:
    window: int | None  # None = full attention
    docs: int
    text_tokens: int  # tokens per scored document
    loss: float  # nats per predicted token
    ppl: float
    tokens_per_s: float


def window_mask(n: int, window: int | None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Additive [1, 1, n, n] mask: causal, and within ``window`` tokens when one is given."""
    i = torch.arange(n)
    allowed = i[None, :] <= i[:, None]
    if window is not None:
        if window < 1:
            raise BadValueError(f"window must be ≥ 1, got {window}")
        allowed &= i[:, None] - i[None, :] < window
    mask = torch.zeros(n, n, dtype=dtype)
    mask.masked_fill_(~allowed, torch.finfo(dtype).min)
    return mask[None, None]


def long_documents(
    docs: Sequence[TextDocument],
    tok: PreTrainedTokenizerBase,
    n_tokens: int,
    max_docs: int | None = None,
) -> list[torch.Tensor]:
    """The first ``n_tokens`` ids (``<s>`` included) of each document that has that many,
    in corpus order."""
    out = []
    for d in docs:
        ids = tok(d.text, add_special_tokens=True)["input_ids"]
        if len(ids) >= n_tokens:
            out.append(torch.tensor(ids[:n_tokens]))
            if max_docs and len(out) == max_docs:
                break
    return out


@torch.no_grad()
def window_nll(model: PreTrainedModel, ids: torch.Tensor, window: int | None) -> float:
    """Summed NLL of ``ids[1:]`` given the banded-causal context."""
    model.eval()
    x = ids[None].to(model.device)
    mask = window_mask(x.shape[1], window, model.dtype).to(model.device)
    logits = model(input_ids=x, attention_mask=mask).logits[0, :-1].float()
    return torch.nn.functional.cross_entropy(logits, x[0, 1:], reduction="sum").item()


def context_perplexity(
    model: PreTrainedModel,
    documents: Sequence[torch.Tensor],
    windows: Sequence[int | None],
) -> list[ContextRow]:
    """One row per window over the same documents (see the module docstring)."""
    if not documents:
        raise BadValueError("no document is long enough to score")
    rows = []
    for w in windows:
        total, count, start = 0.0, 0, time.perf_counter()
        for ids in documents:
            total += window_nll(model, ids, w)
            count += ids.numel() - 1
        seconds = time.perf_counter() - start
        loss = total / count
        n = documents[0].numel()
        rows.append(ContextRow(w, len(documents), n, loss, math.exp(loss), count / seconds))
    return rows
