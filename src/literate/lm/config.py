"""Llama-family configuration presets for models trained from scratch here.

Sizes are set by the architecture; the vocabulary comes from the tokenizer. Parameter
counts below are for tied embeddings and the vocabulary each preset is meant for.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from transformers import LlamaConfig

from literate.errors import BadValueError


@dataclass(frozen=True)
class Preset:
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int
    vocab_size: int  # the vocabulary the preset is sized for (the tokenizer's is used)


PRESETS: dict[str, Preset] = {
    # ≈ 0.2 M parameters: for tests; trains a few hundred steps in seconds.
    "nano": Preset(64, 2, 2, 192, 512, 1024),
    # ≈ 5.3 M parameters, 21 MB in fp32: the bundled base model.
    "small": Preset(256, 4, 4, 704, 1024, 8192),
}


def llama_config(preset: str, vocab_size: int | None = None, **overrides) -> LlamaConfig:
    """A ``LlamaConfig`` for a preset; ``vocab_size`` should be ``len(tokenizer)``."""
    if preset not in PRESETS:
        raise BadValueError(f"unknown preset {preset!r}: use one of {', '.join(PRESETS)}")
    p = asdict(PRESETS[preset])
    if vocab_size is not None:
        p["vocab_size"] = vocab_size
    p.update({k: v for k, v in overrides.items() if k in p})
    settings = dict(tie_word_embeddings=True, num_key_value_heads=p["num_attention_heads"])
    settings.update({k: v for k, v in overrides.items() if k not in p})
    return LlamaConfig(
        **p,
        **settings,
        rms_norm_eps=1e-5,
        rope_theta=10_000.0,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
        attention_dropout=0.0,
    )
