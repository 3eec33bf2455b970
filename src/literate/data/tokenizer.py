"""Byte-level BPE tokenizers trained on our corpora.

Special tokens are reserved from the start (ids 0..3), so a model trained with this
tokenizer already has an embedding row for ``<SR>`` and never needs a resize for the
sentinel method. The tokenizer is saved and loaded as a transformers
``PreTrainedTokenizerFast``, so every Hugging Face tool can use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

from literate.errors import BadValueError, CheckpointError

PAD, BOS, EOS, SR = "<pad>", "<s>", "</s>", "<SR>"
SPECIAL_TOKENS = (PAD, BOS, EOS, SR)
MIN_VOCAB = 256 + len(SPECIAL_TOKENS)


def train_tokenizer(
    texts: Iterable[str], vocab_size: int = 8192, min_frequency: int = 2
) -> PreTrainedTokenizerFast:
    """Train byte-level BPE on ``texts``; ``<pad> <s> </s> <SR>`` get ids 0, 1, 2, 3."""
    if vocab_size < MIN_VOCAB:
        raise BadValueError(f"vocab size must be at least {MIN_VOCAB} (256 bytes + specials)")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    # A document is <s> text (no </s>: the packer adds it between documents).
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", special_tokens=[(BOS, tok.token_to_id(BOS))]
    )
    return wrap(tok)


def wrap(tok: Tokenizer) -> PreTrainedTokenizerFast:
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        additional_special_tokens=[SR],
        model_max_length=1_000_000,
    )


def load_tokenizer(path: str | Path) -> PreTrainedTokenizerFast:
    """Load a tokenizer saved with ``save_pretrained`` (ours or any fast HF tokenizer)."""
    p = Path(path)
    if not (p / "tokenizer.json").is_file():
        raise CheckpointError(f"no tokenizer.json in {p}")
    try:
        return PreTrainedTokenizerFast.from_pretrained(str(p))
    except Exception as e:  # noqa: BLE001 - any load failure is an unreadable checkpoint
        raise CheckpointError(f"cannot read tokenizer in {p}: {e.__class__.__name__}") from e
