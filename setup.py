"""Ships the bundled checkpoints inside the wheel, without a second copy of them in git.

pyproject.toml holds the metadata; this file only adds a ``build_py`` that copies the
repository's top-level ``checkpoints/`` into the build as ``literate/checkpoints/`` (where
``literate.paths.checkpoints_dir`` looks in an installed package), and an ``sdist`` that
includes them, so a wheel built from the sdist (``python -m build``) has them too.
Editable installs copy nothing: they read ``checkpoints/`` where it is.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
CHECKPOINTS = "checkpoints"
SKIP_DIRS = {"trainer", "__pycache__"}  # training state (git-ignored), not a model


def checkpoint_files() -> list[Path]:
    """The checkpoint files to ship, relative to the repository root: every file under
    ``checkpoints/`` but hidden ones, temporary files and training state."""
    base = ROOT / CHECKPOINTS
    if not (base / "lm-base" / "config.json").is_file():
        raise SystemExit(
            f"{base}: the bundled checkpoints are missing; a wheel without them would not "
            "run `literate demo` (build from a full checkout of the repository)"
        )
    files = []
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(ROOT)
        parts = rel.parts[1:]
        if not path.is_file() or any(p.startswith(".") or p in SKIP_DIRS for p in parts):
            continue
        if ".tmp" in path.name:
            continue
        files.append(rel)
    return files


class BuildPyWithCheckpoints(build_py):
    """``build_py`` plus ``checkpoints/**`` → ``<build>/literate/checkpoints/**``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the repository's own checkpoints/
        for src, dest in self._checkpoint_pairs():
            self.mkpath(str(dest.parent))
            self.copy_file(str(src), str(dest), preserve_mode=False)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        return outputs + [str(dest) for _, dest in self._checkpoint_pairs()]

    def _checkpoint_pairs(self) -> list[tuple[Path, Path]]:
        target = Path(self.build_lib) / "literate"
        return [(ROOT / rel, target / rel) for rel in checkpoint_files()]


class SdistWithCheckpoints(sdist):
    """``sdist`` that carries ``checkpoints/`` (no MANIFEST.in needed)."""

    def make_distribution(self) -> None:
        self.filelist.extend(str(rel) for rel in checkpoint_files())
        self.filelist.sort()
        self.filelist.remove_duplicates()
        super().make_distribution()


setup(cmdclass={"build_py": BuildPyWithCheckpoints, "sdist": SdistWithCheckpoints})
