"""Perplexity of a causal LM on a corpus split, over the original tokens only."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
from rich.progress import track
from transformers import PreTrainedModel

from literate.data.corpora import load_corpus
from literate.data.splits import get_split
from literate.data.tokenizer import load_tokenizer
from literate.errors import BadValueError
from literate.lm.data import BlockDataset, token_stream
from literate.lm.train import load_model


@dataclass
class PerplexityResult:
    corpus: str
    split: str
    tokens: int  # predicted tokens
    loss: float  # mean negative log-likelihood per predicted token (nats)
    perplexity: float
    tokens_per_s: float


@torch.no_grad()
def block_loss(
    model: PreTrainedModel, blocks: torch.Tensor, batch_size: int = 8
) -> tuple[float, int]:
    """Summed NLL and number of predicted tokens over ``blocks`` [n, block_size]."""
    model.eval()
    total, count = 0.0, 0
    batches = range(0, blocks.shape[0], batch_size)
    for i in track(batches, description="scoring", transient=True, disable=len(batches) < 4):
        x = blocks[i : i + batch_size].to(model.device)
        logits = model(input_ids=x).logits[:, :-1].float()
        nll = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1), reduction="sum"
        )
        total += nll.item()
        count += x[:, 1:].numel()
    return total, count


def perplexity(
    model_dir: str,
    corpus: str = "shakespeare",
    split: str = "test",
    block_size: int = 256,
    max_blocks: int | None = None,
    batch_size: int = 8,
    seed: int = 0,
) -> PerplexityResult:
    """Perplexity on non-overlapping blocks, the same packing as training."""
    if block_size < 2:
        raise BadValueError(f"--block-size must be ≥ 2, got {block_size}")
    docs = get_split(load_corpus(corpus), split, seed=seed)  # bad input fails before loading
    if not docs:
        raise BadValueError(f"split {split!r} of corpus {corpus!r} has no documents")
    tok = load_tokenizer(model_dir)
    model = load_model(model_dir)
    blocks = BlockDataset(token_stream(docs, tok), block_size).blocks
    if max_blocks:
        blocks = blocks[:max_blocks]
    start = time.perf_counter()
    total, count = block_loss(model, blocks, batch_size)
    seconds = time.perf_counter() - start
    loss = total / count
    return PerplexityResult(corpus, split, count, loss, math.exp(loss), count / seconds)
