"""Shared benchmark plumbing: the run's context (command, versions, machine) and output."""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib.metadata import version
from pathlib import Path


def context() -> dict:
    return {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "versions": {p: version(p) for p in ("literate", "torch", "transformers", "peft")},
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.system(),
        },
    }


def write_json(path: str | Path, payload: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps({**context(), **payload}, indent=2) + "\n")
    os.replace(tmp, path)
