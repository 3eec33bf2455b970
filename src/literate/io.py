"""Atomic writes: a crash or Ctrl-C never leaves a half-written output behind."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write to a temporary sibling, then rename over the target (atomic on POSIX): the
    target holds the old text or the new, never part of one. A write that fails (or is
    interrupted by Ctrl-C) removes its temporary file; a process killed outright leaves it
    (hidden, ``.<name>.tmp-<pid>``) beside the intact target."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json_atomic(path: str | Path, obj: Any) -> None:
    write_text_atomic(path, json.dumps(obj, indent=2, default=str) + "\n")


def command_line(argv: list[str] | None = None) -> str:
    """The command that is running, as a user would type it (``literate …`` for the CLI,
    ``python script.py …`` for a script), so a result file says how to reproduce it."""
    argv = list(sys.argv if argv is None else argv)
    head = Path(argv[0]).name if argv else "python"
    if head in ("literate", "__main__.py") or head == "cli.py":
        return " ".join(["literate", *argv[1:]])
    if head.endswith(".py"):
        return " ".join(["python", argv[0], *argv[1:]])
    return " ".join([head, *argv[1:]])


def command_of(subcommand: str, **options: object) -> str:
    """The ``literate`` command line that gives these options (None and False left out,
    True as a bare flag), for results produced in-process, where ``sys.argv`` is not ours."""
    parts = ["literate", subcommand]
    for name, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        parts += [flag] if value is True else [flag, str(value)]
    return " ".join(parts)


def run_metadata(command: str | None = None) -> dict:
    """Command, package versions and machine: what every benchmark result records, in one
    shape, so two results can be told apart and compared."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for package in ("literate", "torch", "transformers", "peft", "accelerate"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    try:
        import torch

        threads = torch.get_num_threads()
        gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:  # pragma: no cover - torch is a dependency
        threads, gpu = None, None
    return {
        "command": command or command_line(),
        "versions": versions,
        "machine": {
            "platform": platform.platform(),
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "threads": threads,
            "gpu": gpu,
            "python": platform.python_version(),
        },
    }


def write_result(path: str | Path, payload: dict, command: str | None = None) -> dict:
    """A benchmark's JSON: run metadata first, then ``payload``, written atomically; returns
    what was written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    result = {**run_metadata(command), **payload}
    write_json_atomic(path, result)
    return result
