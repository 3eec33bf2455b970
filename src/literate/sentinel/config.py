"""Configuration of sentinel tokens ("Taking a Deep Breath", Luo et al., 2024, arXiv 2406.10985).

Text is cut into chunks (sentences by default) and each chunk gets a trailing ``<SR>`` token
that attends only to its own chunk, so it learns to summarise it. ``paper`` mode: ordinary
tokens attend causally to everything before them. ``bounded`` mode (our extension):
ordinary tokens attend to the ordinary tokens of their own and the previous
``local_chunks`` chunks, to the ``<SR>`` of every earlier chunk (or of the last
``max_sentinels``), and to the first ``sink_tokens`` tokens; everything else may leave the
KV cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from literate.errors import BadValueError

CHUNKINGS = ("sentence", "line", "fixed")
MODES = ("paper", "bounded")
SR_POSITIONS = ("shared", "continue")


@dataclass(frozen=True)
class SentinelConfig:
    chunking: str = "sentence"
    """How text is cut: ``sentence``, ``line``, or ``fixed`` (every ``max_chunk_tokens``)."""
    max_chunk_tokens: int = 64
    """Longer chunks are split into pieces of at most this many tokens."""
    mode: str = "bounded"
    local_chunks: int = 1
    """bounded: ordinary tokens see the ordinary tokens of this many previous chunks."""
    max_sentinels: int | None = None
    """bounded: ordinary tokens see only the last this-many earlier ``<SR>`` (None = all)."""
    sink_tokens: int = 4
    """bounded: the first this-many ordinary tokens stay visible (attention sinks)."""
    sr_position: str = "shared"
    """``shared``: ``<SR>`` takes its chunk's last position, so ordinary tokens keep the
    positions a model without sentinels gives them; ``continue``: ``<SR>`` takes the next
    position and later tokens shift by one."""
    sr_token: str = "<SR>"

    def __post_init__(self) -> None:
        if self.chunking not in CHUNKINGS:
            raise BadValueError(f"chunking {self.chunking!r} is not one of {', '.join(CHUNKINGS)}")
        if self.mode not in MODES:
            raise BadValueError(f"mode {self.mode!r} is not one of {', '.join(MODES)}")
        if self.sr_position not in SR_POSITIONS:
            raise BadValueError(
                f"sr_position {self.sr_position!r} is not one of {', '.join(SR_POSITIONS)}"
            )
        if self.max_chunk_tokens < 1:
            raise BadValueError(f"max_chunk_tokens must be ≥ 1, got {self.max_chunk_tokens}")
        if self.local_chunks < 0 or self.sink_tokens < 0:
            raise BadValueError("local_chunks and sink_tokens must be ≥ 0")
        if self.max_sentinels is not None and self.max_sentinels < 0:
            raise BadValueError(f"max_sentinels must be ≥ 0 or None, got {self.max_sentinels}")
