"""Where the bundled checkpoints live.

They are committed once, under ``checkpoints/`` at the repository root, where an editable
install (the Makefile's) reads them; a wheel carries a copy as ``literate/checkpoints/``
(setup.py puts it there at build time). ``LITERATE_CHECKPOINTS`` points elsewhere.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from literate.errors import CheckpointError

BUNDLED = {"bundled": "lm-base", "lm-base": "lm-base", "lm-long": "lm-long"}
BUNDLED_READER = "reader-small"
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")  # org/name, as the Hugging Face hub has them
HUB_TIMEOUT_S = 3.0  # how long the hub (or the proxy to it) may take to take a connection


PACKAGED_CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"  # in a wheel
REPO_CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints"  # editable install


def checkpoints_dir() -> Path:
    """``LITERATE_CHECKPOINTS`` if set; else the installed package's own copy, if it has
    one (a wheel); else the repository's ``checkpoints/`` (an editable install)."""
    env = os.environ.get("LITERATE_CHECKPOINTS")
    if env:
        return Path(env)
    return PACKAGED_CHECKPOINTS if PACKAGED_CHECKPOINTS.is_dir() else REPO_CHECKPOINTS


def resolve_model(name: str) -> str:
    """``'bundled'`` → the bundled LM's directory; anything else is returned unchanged,
    once a hub id is known to be reachable (``check_hub_id``)."""
    if name not in BUNDLED:
        check_hub_id(name)
        return name
    path = checkpoints_dir() / BUNDLED[name]
    if not (path / "config.json").is_file():
        raise CheckpointError(f"bundled model not found at {path} (set LITERATE_CHECKPOINTS)")
    return str(path)


def resolve_reader(name: str) -> str:
    """``'bundled'`` → the bundled reader's directory; hub ids (once known to be
    reachable, ``check_hub_id``) and folders unchanged."""
    if name not in ("bundled", BUNDLED_READER):
        check_hub_id(name)
        return name
    path = checkpoints_dir() / BUNDLED_READER
    if not (path / "config.json").is_file():
        raise CheckpointError(
            f"the bundled reader is not in {path} yet: pass --model DIR|microsoft/kosmos-2.5 "
            "or --engine tesseract"
        )
    return str(path)


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _cached(repo_id: str) -> bool:
    """Whether the local Hugging Face cache holds ``repo_id``'s ``config.json``."""
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)
    except Exception:  # an id the hub library refuses, a cache it cannot read
        return False


def hub_reachable(timeout: float = HUB_TIMEOUT_S) -> bool:
    """Whether a TCP connection to the hub (``HF_ENDPOINT``), or to the proxy the
    environment names for it, opens within ``timeout`` seconds. One try, no retries."""
    import socket
    from urllib.parse import urlsplit
    from urllib.request import getproxies, proxy_bypass

    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    url = urlsplit(endpoint)
    host, port = url.hostname, url.port or (443 if url.scheme == "https" else 80)
    proxy = getproxies().get(url.scheme)
    if proxy and host and not proxy_bypass(host):
        via = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        host, port = via.hostname, via.port or 80
    if not host:
        return False
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError:
        return False
    return True


def check_hub_id(name: str) -> None:
    """Fail in one line, at once, for a model name that is no local folder but looks like a
    hub id (``org/name``) when it is not in the local Hugging Face cache and the hub cannot
    be reached (``HF_HUB_OFFLINE``, or no connection within seconds), instead of the hub
    client's minutes of retries. Other names are left to the loaders."""
    if Path(name).expanduser().exists() or not HUB_ID.match(name) or _cached(name):
        return
    if _offline():
        raise CheckpointError(
            f"{name}: no such folder, and not in the local Hugging Face cache (HF_HUB_OFFLINE "
            "is set); download it first or pass a local folder"
        )
    if not hub_reachable():
        raise CheckpointError(
            f"{name}: no such folder, not in the local Hugging Face cache, and the hub cannot "
            "be reached (offline?); download it first or pass a local folder"
        )
