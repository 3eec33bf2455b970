"""English documentation text of installed Debian packages: man pages, info manuals, HTML.

The ``debian-docs`` LM corpus. Long, real, technical English written by thousands of
people, in documents long enough (info manuals, ``bash(1)``, the Python library reference)
that a model trained on it can learn to use thousands of tokens of context: the READMEs are
mostly shorter than 2,000 tokens. ``build_debian_docs`` reads what is installed (``make
data-deps`` installs the documentation packages the recipe names), never a file of a
package an independent evaluation reserves (``RESERVED``), and writes one JSON line per
document plus a manifest of the packages and versions it read, so a corpus can be compared
across machines. Each document's id names its kind and file (``man/1/bash``,
``info/coreutils``, ``html/python3.11/library/os.html``), so splits by id are stable.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

from literate.data.reserved import RESERVED
from literate.data.text import ENGLISH_MIN_SHARE, TextDocument, _normalise, english_share
from literate.errors import InputNotFoundError, UnknownCorpusError
from literate.io import make_folder, write_json_atomic, write_text_atomic

MAN_ROOT = Path("/usr/share/man")
INFO_ROOT = Path("/usr/share/info")
DOC_ROOT = Path("/usr/share/doc")
DPKG_INFO = Path("/var/lib/dpkg/info")
MIN_CHARS = 1_000  # shorter pages are a synopsis and a see-also line
# one package may not dominate: google-cloud-cli alone installs 65 M characters of generated
# man pages, python3.11-doc 27 M (44 % and 19 % of the uncapped corpus here)
MAX_PACKAGE_CHARS = 3_000_000
DOCS_FILE = "documents.jsonl"
MANIFEST = "manifest.json"
# the documentation packages `make data-deps` installs for this corpus (a recipe, not a
# requirement: whatever else is installed is read too, and the manifest lists it)
RECIPE_PACKAGES = (
    "python3-doc",
    "debian-reference-en",
    "r-doc-info",
    "bash-doc",
    "git-doc",
    "manpages-dev",
)
_SKIP_TAGS = {"script", "style", "nav", "head", "title"}
_BLOCK_TAGS = {"p", "div", "br", "li", "pre", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd"}


def cache_dir() -> Path:
    """Where ``literate data debian-docs`` writes the corpus (``LITERATE_DEBIAN_DOCS``)."""
    default = Path.home() / ".cache" / "literate" / "debian-docs"
    return Path(os.environ.get("LITERATE_DEBIAN_DOCS", default))


def package_owners(dpkg_info: Path = DPKG_INFO) -> dict[str, str]:
    """File path → the Debian package that installed it (from dpkg's ``*.list`` files)."""
    owners: dict[str, str] = {}
    for listing in sorted(dpkg_info.glob("*.list")):
        package = listing.stem.split(":")[0]
        try:
            lines = listing.read_text(errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith(("/usr/share/man/", "/usr/share/info/", "/usr/share/doc/")):
                owners[line] = package
    return owners


def package_versions(packages: set[str]) -> dict[str, str]:
    if not packages:
        return {}
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${Version}\n", *sorted(packages)],
        capture_output=True,
        text=True,
    )
    return dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)


def _read_maybe_gz(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def man_text(path: Path) -> str:
    """A man page typeset as plain UTF-8 text by groff (tables through tbl), no overstrikes."""
    source = _read_maybe_gz(path)
    if source.lstrip().startswith(b".so "):
        return ""  # a link to another page, which is read in its own right
    proc = subprocess.run(
        ["groff", "-t", "-mandoc", "-Tutf8", "-P-cbou", "-rLL=78n", "-rHY=0"],
        input=source,
        capture_output=True,
        timeout=60,
    )
    return proc.stdout.decode("utf-8", errors="replace")


def info_text(parts: list[Path]) -> str:
    """An info manual's text, its split files in order, without node separators."""
    text = b"".join(_read_maybe_gz(p) for p in parts).decode("utf-8", errors="replace")
    text = text.split("\x1f\nTag Table:", 1)[0]
    text = re.sub(r"\x1f\n?File: [^\n]*\n", "\n", text)
    return text.replace("\x1f", "").replace("\x00\x08[index\x00\x08]", "")


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.pre = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self.skip += 1
        if tag == "pre":
            self.pre += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS and self.skip:
            self.skip -= 1
        if tag == "pre" and self.pre:
            self.pre -= 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_text(path: Path) -> str:
    """The visible text of an HTML page: blocks on their own lines, scripts and navigation
    dropped, ``<pre>`` kept as written."""
    parser = _HTMLText()
    parser.feed(_read_maybe_gz(path).decode("utf-8", errors="replace"))
    text = "".join(parser.parts)
    lines = (line.rstrip() if line.startswith(" ") else line.strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _info_manuals(root: Path) -> dict[str, list[Path]]:
    """Manual name → its files (``find.info-1.gz``, ``find.info-2.gz``… in order)."""
    manuals: dict[str, list[tuple[int, Path]]] = {}
    for p in root.glob("*.info*"):
        m = re.fullmatch(r"(.+?)\.info(?:-(\d+))?(?:\.gz)?", p.name)
        if m and p.is_file():
            manuals.setdefault(m.group(1), []).append((int(m.group(2) or 0), p))
    return {k: [p for _, p in sorted(v)] for k, v in sorted(manuals.items())}


def find_sources(
    man_root: Path = MAN_ROOT,
    info_root: Path = INFO_ROOT,
    doc_root: Path = DOC_ROOT,
    owners: dict[str, str] | None = None,
) -> list[tuple[str, str, list[Path], str]]:
    """(id, kind, files, package) of every English man page, info manual and HTML page,
    skipping links and the reserved packages' files."""
    owners = package_owners() if owners is None else owners
    reserved = set(RESERVED)

    def owner(p: Path) -> str:
        return owners.get(str(p), "")

    found = []
    for section in sorted(man_root.glob("man[1-9]")):  # English pages only: man/<lang>/ skipped
        for p in sorted(section.iterdir()):
            if p.is_symlink() or not p.is_file() or owner(p) in reserved:
                continue
            name = re.sub(r"\.gz$", "", p.name)
            found.append((f"man/{section.name[3:]}/{name}", "man", [p], owner(p)))
    for name, parts in _info_manuals(info_root).items():
        if not any(owner(p) in reserved for p in parts):
            found.append((f"info/{name}", "info", parts, owner(parts[0])))
    for p in sorted(doc_root.rglob("*.htm*")):
        if p.is_symlink() or not p.is_file() or not re.search(r"\.html?(\.gz)?$", p.name):
            continue
        if owner(p) in reserved or any(part in reserved for part in p.parts):
            continue
        found.append((f"html/{p.relative_to(doc_root)}", "html", [p], owner(p)))
    return found


def _extract(source: tuple[str, str, list[Path], str]) -> tuple[str, str, str, str]:
    doc_id, kind, files, package = source
    try:
        if kind == "man":
            text = man_text(files[0])
        elif kind == "info":
            text = info_text(files)
        else:
            text = html_text(files[0])
    except (OSError, subprocess.SubprocessError, EOFError, ValueError) as e:
        return doc_id, kind, package, f"\x00{e.__class__.__name__}"
    return doc_id, kind, package, text


def cap_packages(docs: list[dict], max_chars: int = MAX_PACKAGE_CHARS) -> list[dict]:
    """At most ``max_chars`` characters of each package's documents, taken in the order of a
    hash of their ids (a sample that does not depend on names or on the other packages);
    a package's first document is always kept. Returned in id order."""
    by_package: dict[str, list[dict]] = {}
    for d in docs:
        by_package.setdefault(d["package"], []).append(d)
    kept = []
    for group in by_package.values():
        group.sort(key=lambda d: hashlib.sha256(d["id"].encode()).digest())
        total = 0
        for d in group:
            if total and total + len(d["text"]) > max_chars:
                continue
            total += len(d["text"])
            kept.append(d)
    return sorted(kept, key=lambda d: d["id"])


def build_debian_docs(
    out: Path | None = None,
    workers: int = 2,
    sources: list[tuple[str, str, list[Path], str]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Extract every source's text (in ``workers`` processes), keep English documents of at
    least ``MIN_CHARS`` characters, drop exact duplicates, and write ``documents.jsonl`` and
    ``manifest.json`` atomically into ``out``. Returns the manifest."""
    out = make_folder(out or cache_dir(), "--out")
    sources = find_sources() if sources is None else sources
    kept: list[dict] = []
    counts = {"found": len(sources), "short": 0, "not_english": 0, "duplicate": 0, "failed": 0}
    seen: set[str] = set()
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        for i, (doc_id, kind, package, text) in enumerate(
            pool.map(_extract, sources, chunksize=16), 1
        ):
            if progress:
                progress(i, len(sources))
            if text.startswith("\x00"):
                counts["failed"] += 1
                continue
            text = _normalise(text)
            if len(text) < MIN_CHARS:
                counts["short"] += 1
            elif english_share(text) < ENGLISH_MIN_SHARE:
                counts["not_english"] += 1
            elif (key := hashlib.sha1(" ".join(text.split()).encode()).hexdigest()) in seen:
                counts["duplicate"] += 1
            else:
                seen.add(key)
                kept.append({"id": doc_id, "kind": kind, "package": package, "text": text})
    capped = cap_packages(kept)
    counts["over_package_cap"] = len(kept) - len(capped)
    kept = capped
    write_text_atomic(out / DOCS_FILE, "".join(json.dumps(d) + "\n" for d in kept))
    packages = {d["package"] for d in kept if d["package"]}
    manifest = {
        "documents": len(kept),
        "characters": sum(len(d["text"]) for d in kept),
        "by_kind": {k: sum(d["kind"] == k for d in kept) for k in ("man", "info", "html")},
        "counts": counts,
        "reserved_skipped": list(RESERVED),
        "packages": package_versions(packages),
    }
    write_json_atomic(out / MANIFEST, manifest)
    return manifest


def iter_documents(folder: Path | None = None) -> Iterator[dict]:
    path = (folder or cache_dir()) / DOCS_FILE
    if not path.is_file():
        raise InputNotFoundError(
            f"the debian-docs corpus is not built: run `literate data debian-docs` "
            f"(after `make data-deps`); looked for {path}"
        )
    with path.open(encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def debian_docs(folder: Path | None = None) -> list[TextDocument]:
    """The built corpus as ``TextDocument``s (ids as above)."""
    docs = [TextDocument(d["id"], d["text"], "debian-docs") for d in iter_documents(folder)]
    if not docs:
        raise UnknownCorpusError(f"the debian-docs corpus in {folder or cache_dir()} is empty")
    return docs
