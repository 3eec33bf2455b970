"""Preparing a model and tokenizer for sentinel tokens.

``<SR>`` must be one token with its own embedding row. A new row starts at the mean of the
existing input embeddings (and, untied, of the output rows): a neutral token the model
already "understands", instead of a random vector far from everything it has seen.
"""

from __future__ import annotations

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from literate.errors import BadValueError, LiterateError


def ensure_sr_token(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, sr_token: str = "<SR>"
) -> int:
    """Add ``<SR>`` to the tokenizer and the model when missing; return its id."""
    sr_id = tokenizer.convert_tokens_to_ids(sr_token)
    known = sr_id is not None and sr_id != tokenizer.unk_token_id and sr_id < len(tokenizer)
    if not known:
        tokenizer.add_special_tokens({"additional_special_tokens": [sr_token]})
        sr_id = tokenizer.convert_tokens_to_ids(sr_token)
    emb = model.get_input_embeddings().weight
    if sr_id >= emb.shape[0] or not known:
        old = emb.shape[0]
        model.resize_token_embeddings(max(len(tokenizer), sr_id + 1), mean_resizing=False)
        init_rows(model, range(old, model.get_input_embeddings().weight.shape[0]))
    return sr_id


@torch.no_grad()
def init_rows(model: PreTrainedModel, rows) -> None:
    """Set embedding rows (and untied output rows) to the mean of the other rows."""
    rows = list(rows)
    if not rows:
        return
    emb = model.get_input_embeddings().weight
    keep = torch.ones(emb.shape[0], dtype=torch.bool)
    keep[rows] = False
    emb[rows] = emb[keep].mean(0)
    out = model.get_output_embeddings()
    if out is not None and out.weight is not emb:
        out.weight[rows] = out.weight[keep].mean(0)


@torch.no_grad()
def check_mask_support(model: PreTrainedModel) -> None:
    """Fail clearly for models whose attention ignores a custom 4D mask.

    Probe: hide token 0 from every later token (in all layers, so nothing can carry it
    along); if changing token 0 still changes the last logits, the mask was not applied.
    """
    vocab = model.get_input_embeddings().weight.shape[0]
    ids = torch.tensor([[min(5, vocab - 1), min(6, vocab - 1), min(7, vocab - 1)]])
    other = ids.clone()
    other[0, 0] = min(8, vocab - 1)
    mask = torch.zeros(1, 1, 3, 3)
    mask[0, 0] = torch.triu(torch.full((3, 3), torch.finfo(torch.float32).min), 1)
    mask[0, 0, 1:, 0] = torch.finfo(torch.float32).min
    pos = torch.arange(3)[None]
    try:
        a = model(
            input_ids=ids.to(model.device), attention_mask=mask.to(model.device), position_ids=pos
        )
        b = model(
            input_ids=other.to(model.device), attention_mask=mask.to(model.device), position_ids=pos
        )
    except (TypeError, ValueError, RuntimeError) as e:
        raise LiterateError(
            f"{type(model).__name__} does not accept a 4D attention mask ({e.__class__.__name__}): "
            "sentinel tokens need one"
        ) from e
    if not torch.allclose(a.logits[0, 2], b.logits[0, 2], atol=1e-5):
        raise BadValueError(
            f"{type(model).__name__} ignores custom 4D attention masks: sentinel tokens need them "
            "(Llama-, Qwen2- and Mistral-family models work)"
        )
