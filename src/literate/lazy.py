"""Package names that load on first use (PEP 562), as transformers does: ``literate --help``
and reading a config dataclass then cost no torch import."""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_exports(package: str, names: dict[str, str]) -> tuple[Callable[[str], object], list]:
    """``__getattr__`` and ``__all__`` for ``package``; ``names`` maps each public name to
    the module that defines it."""

    def __getattr__(name: str) -> object:
        if name in names:
            return getattr(importlib.import_module(names[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__, sorted(names)
