"""Atomic writes: a crash or Ctrl-C never leaves a half-written output behind, and an output
that cannot be written is one ``OutputError`` naming it, with no temporary file left."""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from literate.errors import OutputError

_IN_THE_WAY = "is a folder; cannot write a file there"
_serial = itertools.count()  # two temporary files of one process never share a name


def _reason(e: OSError) -> str:
    return (e.strerror or e.__class__.__name__).lower()


def make_folder(folder: str | Path, option: str = "") -> Path:
    """Create ``folder`` (and its parents) for outputs, or raise ``OutputError`` saying why
    it cannot be: a file in its place, no permission, a file system that takes no folders.
    ``option`` (``--out``) prefixes the message."""
    folder = Path(folder)
    label = f"{option} {folder}" if option else str(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{label}: is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{label}: cannot make this folder ({_reason(e)})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{label}: cannot write in this folder (permission denied)")
    return folder


def check_output_file(path: str | Path, option: str = "") -> Path:
    """Fail now, before any work, if a file cannot be written at ``path`` (a folder in its
    place, a folder that cannot be made); creates its parent folder."""
    path = Path(path)
    label = f"{option} {path}" if option else str(path)
    if path.is_dir():
        raise OutputError(
            f"{label}: is a folder; name a file" if option else f"{label}: {_IN_THE_WAY}"
        )
    make_folder(path.parent, option)
    return path


@contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """A temporary sibling of ``path`` to write; renamed over ``path`` when the block ends
    without an error, removed in every other case. Files get the mode ``open`` gives (0666
    less the umask), as any other output. Raises ``OutputError`` naming ``path``."""
    path = check_output_file(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{next(_serial)}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as e:
        if path.is_dir():  # made by someone else while we wrote
            raise OutputError(f"{path}: {_IN_THE_WAY}") from None
        raise OutputError(f"{path}: cannot write ({_reason(e)})") from None
    finally:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write to a temporary sibling, then rename over the target (atomic on POSIX)."""
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)


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
    result = {**run_metadata(command), **payload}
    write_json_atomic(path, result)
    return result
