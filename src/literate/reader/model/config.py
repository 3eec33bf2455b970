"""Kosmos-2.5 configs of our own sizes, consistent by construction.

A tiny config that disagrees with its processor fails deep inside the model, so the rules
are enforced here: ``patch_embed_hidden_size = 3 · 16 · 16`` (RGB patches), the vision
encoder's ``max_num_patches`` above the processor's ``max_patches``, ``latent_query_num``
equal to the processor's ``num_image_tokens``, and ``pad_token_id`` (1) ≠ BOS (0).
"""

from __future__ import annotations

from dataclasses import dataclass

from transformers import Kosmos2_5Config

PATCH = 16


@dataclass(frozen=True)
class ReaderSize:
    text_dim: int
    text_layers: int
    text_heads: int
    vision_dim: int
    vision_layers: int
    vision_heads: int
    image_tokens: int  # latent queries = image slots in the prompt
    max_patches: int  # processor default; the encoder accepts more
    max_positions: int  # longest prompt + answer


SIZES = {
    "tiny": ReaderSize(64, 2, 4, 64, 2, 4, 16, 64, 1024),
    "small": ReaderSize(192, 4, 3, 192, 4, 6, 128, 256, 2048),
}


def reader_config(size: str | ReaderSize, vocab_size: int) -> Kosmos2_5Config:
    s = SIZES[size] if isinstance(size, str) else size
    return Kosmos2_5Config(
        text_config={
            "vocab_size": vocab_size,
            "embed_dim": s.text_dim,
            "layers": s.text_layers,
            "attention_heads": s.text_heads,
            "ffn_dim": 4 * s.text_dim,
            "max_position_embeddings": s.max_positions,
            "dropout": 0.0,
            "pad_token_id": 1,
            "bos_token_id": 0,
            "eos_token_id": 2,
        },
        vision_config={
            "hidden_size": s.vision_dim,
            "patch_embed_hidden_size": 3 * PATCH * PATCH,
            "intermediate_size": 4 * s.vision_dim,
            "head_dim": s.vision_dim // s.vision_heads,
            "num_hidden_layers": s.vision_layers,
            "num_attention_heads": s.vision_heads,
            "max_num_patches": 4 * s.max_patches,
        },
        latent_query_num=s.image_tokens,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    )
