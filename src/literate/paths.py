"""Where the bundled checkpoints live.

They are committed under ``checkpoints/`` at the repository root (the package is installed
in editable mode by the Makefile); ``LITERATE_CHECKPOINTS`` points elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from literate.errors import CheckpointError

BUNDLED = {"bundled": "lm-base", "lm-base": "lm-base"}
BUNDLED_READER = "reader-small"


def checkpoints_dir() -> Path:
    env = os.environ.get("LITERATE_CHECKPOINTS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "checkpoints"


def resolve_model(name: str) -> str:
    """``'bundled'`` → the bundled LM's directory; anything else is returned unchanged."""
    if name not in BUNDLED:
        return name
    path = checkpoints_dir() / BUNDLED[name]
    if not (path / "config.json").is_file():
        raise CheckpointError(f"bundled model not found at {path} (set LITERATE_CHECKPOINTS)")
    return str(path)


def resolve_reader(name: str) -> str:
    """``'bundled'`` → the bundled reader's directory; hub ids and folders unchanged."""
    if name not in ("bundled", BUNDLED_READER):
        return name
    path = checkpoints_dir() / BUNDLED_READER
    if not (path / "config.json").is_file():
        raise CheckpointError(
            f"the bundled reader is not in {path} yet: pass --model DIR|microsoft/kosmos-2.5 "
            "or --engine tesseract"
        )
    return str(path)
