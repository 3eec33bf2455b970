"""Real pages with exact truth: PDFs that real typesetters made, truth from their text layers.

Kosmos-2.5 took its OCR truth from PDFs' text layers; so do we. Sources, all offline:

- PDFs installed by Debian documentation packages under ``/usr/share/doc`` (``make
  data-deps`` installs a set: LaTeX package manuals, the R manuals, ReportLab's guide, …),
  never those an independent evaluation reserves (``RESERVED``);
- installed man pages typeset by groff (``man -Tpdf``);
- installed HTML documentation (Python's library reference, git's manuals, …) printed to PDF
  by headless Chromium (producer Skia/PDF), up to ``HTML_PER_PACKAGE`` files a package.

A source document goes wholly into one split (by a hash of its id, as for text corpora).
From each, up to ``pages_per_doc`` pages are drawn; a page is kept only when its text layer
is usable (``pdftext.layer_problem``: mapped glyphs, text where the ink is). Each kept page
is written three ways into the ``literate eval reader`` layout: ``clean/<id>.png`` at
``dpi``, ``degraded/<id>.png`` through the scan simulator (boxes moved with the page), and
``pdf/<id>.pdf`` (that one page, for ``--engine pdf|auto``); each with ``<id>.json`` beside.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from literate.data.pdftext import TextLayer, layer_problem, text_layers
from literate.data.reserved import RESERVED
from literate.data.scans import ScanConfig, draw, geometry, move_box, scan_record, simulate
from literate.data.splits import SPLITS, hash_unit, split_documents
from literate.data.text import TextDocument
from literate.errors import BadValueError, LiterateError
from literate.io import write_json_atomic

# PDFs that are another source under a second name: bash-doc's bash.pdf is `man bash`,
# which the groff sources below typeset (the two could fall into different splits)
NOT_SOURCES = ("bash-doc", "bash")
DOC_ROOT = Path("/usr/share/doc")
# man pages of packages every Debian system has; groff sets them (its gropdf producer)
MAN_PAGES = (
    "ls", "cp", "mv", "find", "grep", "sed", "tar", "bash", "dpkg", "apt-get", "chmod",
    "chown", "date", "df", "du", "sort", "uniq", "xargs", "ssh", "gzip", "man", "mount",
    "ps", "kill", "top", "less", "diff", "patch", "make", "git", "python3", "perl", "awk",
    "cut", "tr", "head", "tail", "wc", "ln", "rm", "mkdir", "tee", "env", "su", "passwd",
    "useradd", "crontab", "systemctl", "journalctl", "ip", "curl", "wget", "rsync", "zip",
)  # fmt: skip


HTML_PER_PACKAGE = 12  # HTML files a package gives at most (python3.11 alone has 530)
HTML_MIN_BYTES = 8_000  # smaller ones are mostly index and navigation pages


@dataclass(frozen=True)
class Source:
    id: str  # "doc:<path under /usr/share/doc>", "man:<name>" or "html:<path under it>"
    kind: str  # "pdf" (installed as is), "groff" or "chromium" (typeset here)
    path: Path | None = None  # an installed PDF (or .pdf.gz), or an HTML file


def reserved_paths() -> set[Path]:
    """Files the reserved packages installed (their PDFs are never ours to use)."""
    out: set[Path] = set()
    for pkg in (*RESERVED, *NOT_SOURCES):
        proc = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True)
        out.update(Path(line) for line in proc.stdout.splitlines() if line)
    return out


def installed_sources(root: Path = DOC_ROOT) -> list[Source]:
    """Every installed documentation PDF not owned by a reserved package, plus man pages and
    HTML documentation where groff and Chromium are there to typeset them."""
    banned = reserved_paths()
    found, html = [], []
    for p in sorted(root.rglob("*")):
        name = p.name.lower()
        if not name.endswith((".pdf", ".pdf.gz", ".html")) or not p.is_file():
            continue
        if p in banned or any(f"/{pkg}/" in str(p) for pkg in (*RESERVED, *NOT_SOURCES)):
            continue
        if name.endswith(".html"):
            html.append(p)
        else:
            found.append(Source(f"doc:{p.relative_to(root)}", "pdf", p))
    if shutil.which("man") and shutil.which("groff"):
        found += [Source(f"man:{name}", "groff") for name in MAN_PAGES]
    if chromium():
        found += html_sources(html, root)
    return found


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def html_sources(paths: list[Path], root: Path) -> list[Source]:
    """Up to ``HTML_PER_PACKAGE`` HTML files of at least ``HTML_MIN_BYTES`` per package, the
    first by a hash of their paths (stable when other packages come and go)."""
    by_package: dict[str, list[Path]] = {}
    for p in paths:
        if p.stat().st_size >= HTML_MIN_BYTES:
            by_package.setdefault(p.relative_to(root).parts[0], []).append(p)
    out = []
    for package in sorted(by_package):
        ranked = sorted(by_package[package], key=lambda p: hash_unit(str(p.relative_to(root)), 0))
        out += [
            Source(f"html:{p.relative_to(root)}", "chromium", p) for p in ranked[:HTML_PER_PACKAGE]
        ]
    return out


def print_html(html: Path, dest: Path, timeout: float = 120) -> bool:
    """Headless Chromium prints ``html`` to ``dest`` (no header or footer, offline); the
    file appears only whole (an interrupted print leaves no PDF for a rerun to trust)."""
    part = dest.with_name(dest.name + ".part")
    with tempfile.TemporaryDirectory(prefix="literate-chromium-") as profile:
        proc = subprocess.run(
            [
                chromium() or "chromium",
                "--headless",
                "--no-sandbox",  # as root (CI, containers) Chromium refuses its sandbox
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={profile}",
                f"--print-to-pdf={part}",
                html.resolve().as_uri(),
            ],
            capture_output=True,
            timeout=timeout,
        )
    ok = proc.returncode == 0 and part.is_file() and part.read_bytes()[:4] == b"%PDF"
    if ok:
        part.replace(dest)
    else:
        part.unlink(missing_ok=True)
    return ok


def _digest(path: Path) -> str:
    """A cache file's name for an installed file (two packages may share a file name)."""
    return hashlib.sha1(str(path).encode()).hexdigest()[:12]


def source_pdf(src: Source, cache: Path) -> Path | None:
    """A readable PDF file for ``src`` (unzipped or typeset into ``cache``), or None."""
    if src.kind == "groff":
        out = cache / f"man-{src.id.split(':', 1)[1]}.pdf"
        if not out.is_file():
            proc = subprocess.run(
                ["man", "-Tpdf", src.id.split(":", 1)[1]], capture_output=True, timeout=120
            )
            if proc.returncode != 0 or not proc.stdout.startswith(b"%PDF"):
                return None
            out.write_bytes(proc.stdout)
        return out
    if src.kind == "chromium":
        out = cache / f"html-{_digest(src.path)}.pdf"
        if not out.is_file() and not print_html(src.path, out):
            return None
        return out
    if src.path.name.lower().endswith(".gz"):
        out = cache / f"{_digest(src.path)}.pdf"
        if not out.is_file():
            with gzip.open(src.path) as f:
                out.write_bytes(f.read())
        return out
    return src.path


def split_sources(sources: list[Source], seed: int = 0) -> dict[str, list[Source]]:
    """By document, never by page: the same hash split as the text corpora."""
    docs = [TextDocument(s.id, "", s.kind) for s in sources]
    by_id = {s.id: s for s in sources}
    return {k: [by_id[d.id] for d in v] for k, v in split_documents(docs, seed=seed).items()}


DRAW = "per-document"  # how pages are drawn; recorded in the manifest (see ``document_rng``)


def document_order(sources: list[Source], seed: int, split: str) -> list[Source]:
    """The split's documents in a seeded order of their own hashes: installing one more
    package inserts its documents and moves no other (``--max-docs`` keeps a stable prefix)."""
    return sorted(sources, key=lambda s: hash_unit(f"{split}:{s.id}", seed))


def document_rng(src: Source, seed: int, split: str) -> random.Random:
    """Each document draws its pages and scans from its own generator, so what one document
    gets never depends on which other documents are installed (a shared generator made a
    new package change every later document's pages, the test split's included)."""
    return random.Random(hash_unit(f"{split}:{src.id}:pages", seed))


def page_id(src: Source, page: int) -> str:
    tail = src.id.split(":", 1)[1].replace("/", "_").replace(" ", "_")
    stem = tail[:-7] if tail.endswith(".pdf.gz") else tail.removesuffix(".pdf")
    stem = stem.removesuffix(".html")
    return f"{src.kind}-{stem[-60:]}-p{page}"


def _layer_json(layer: TextLayer, record: dict) -> dict:
    return {
        **record,
        "width": layer.width,
        "height": layer.height,
        "lines": [
            {
                "text": ln.text,
                "bbox": list(ln.bbox),
                "words": [{"text": w.text, "bbox": list(w.bbox)} for w in ws],
            }
            for ln, ws in zip(layer.lines, layer.words, strict=True)
        ],
    }


def _moved_words(layer: TextLayer, image, scan, dpi: int) -> tuple[object, list[dict]]:
    """The degraded page and its lines (with words) in the scan's pixels; a line the scan
    pushes off the page is dropped."""
    scanned, _ = simulate(image, [], scan, source_dpi=dpi)
    m, size = geometry(scan, image.size, dpi)
    out = []
    for ln, words in zip(layer.lines, layer.words, strict=True):
        box = move_box(ln.bbox, m, size)
        if box is None:
            continue
        moved = [(w.text, move_box(w.bbox, m, size)) for w in words]
        out.append(
            {
                "text": ln.text,
                "bbox": list(box),
                "words": [{"text": t, "bbox": list(b)} for t, b in moved if b is not None],
            }
        )
    return scanned, out


def write_one_page_pdf(pdf: Path, page: int, dest: Path) -> None:
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(pdf))
    out = pdfium.PdfDocument.new()
    try:
        out.import_pages(src, [page - 1])
        tmp = dest.with_name(f".{dest.name}.tmp")
        out.save(str(tmp))
        tmp.replace(dest)
    finally:
        out.close()
        src.close()


def real_pages(
    out: str | Path,
    split: str = "test",
    dpi: int = 150,
    pages_per_doc: int = 3,
    max_docs: int | None = None,
    seed: int = 0,
    scan_config: ScanConfig = ScanConfig(),
    root: Path = DOC_ROOT,
    progress=None,
) -> dict:
    """Write the ``split``'s real pages into ``out``; returns (and saves) a manifest.
    Pages already written are kept (a rerun resumes)."""
    import pypdfium2 as pdfium

    if split not in SPLITS:
        raise BadValueError(f"--split {split}: choose one of {', '.join(SPLITS)}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise BadValueError(f"--out {out}: is a file, not a folder")
    _check_same_draw(out, split, dpi, seed, scan_config)
    for sub in ("clean", "degraded", "pdf", ".cache"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    sources = document_order(split_sources(installed_sources(root), seed)[split], seed, split)
    sources = sources[:max_docs] if max_docs else sources
    kept, skipped = [], []
    for src in sources:
        rng = document_rng(src, seed, split)
        for entry in _pages_of(src, out, dpi, pages_per_doc, rng, scan_config, pdfium):
            (kept if "skipped" not in entry else skipped).append(entry)
            if progress:
                progress(entry)
    manifest = {
        "split": split,
        "dpi": dpi,
        "seed": seed,
        "draw": DRAW,
        "scans": _scan_ranges(scan_config),
        "documents": sorted({e["source"] for e in kept}),
        "producers": sorted({e["producer"] for e in kept}),
        "pages": kept,
        "skipped": skipped,
        "reserved": list(RESERVED),
    }
    write_json_atomic(out / "manifest.json", manifest)
    return manifest


def _scan_ranges(cfg: ScanConfig) -> dict:
    """The simulator's ranges as JSON (tuples as lists), for the manifest."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()}


def _check_same_draw(
    out: Path, split: str, dpi: int, seed: int, scan_config: ScanConfig = ScanConfig()
) -> None:
    """A rerun resumes into ``out`` only with the same split, dpi, seed, way of drawing and
    scan ranges: pages of two draws in one folder would be benchmarked together without a
    word. (Manifests from before the ranges were recorded hold the default ranges.)"""
    path = out / "manifest.json"
    if not path.is_file():
        return
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise BadValueError(f"--out {out}: unreadable manifest.json ({e})") from e
    want = {"split": split, "dpi": dpi, "seed": seed, "draw": DRAW}
    want |= {"scans": _scan_ranges(scan_config)}
    old.setdefault("scans", _scan_ranges(ScanConfig()))
    differ = [f"{k} {old.get(k)!r} (now {v!r})" for k, v in want.items() if old.get(k) != v]
    if differ:
        raise BadValueError(
            f"--out {out}: holds pages of another draw ({', '.join(differ)}); give a new folder"
        )


def _pages_of(src, out, dpi, pages_per_doc, rng, scan_config, pdfium) -> Iterator[dict]:
    try:
        pdf = source_pdf(src, out / ".cache")
    except (OSError, subprocess.SubprocessError) as e:
        yield {"source": src.id, "producer": src.kind, "skipped": f"unreadable ({e})"}
        return
    if pdf is None:
        yield {"source": src.id, "producer": src.kind, "skipped": "could not be typeset"}
        return
    try:
        doc = pdfium.PdfDocument(str(pdf))
    except pdfium.PdfiumError as e:
        yield {"source": src.id, "producer": src.kind, "skipped": f"unreadable PDF ({e})"}
        return
    try:
        n = len(doc)
        producer = _producer(doc, src)
        if n == 0:
            yield {"source": src.id, "producer": src.kind, "skipped": "no pages"}
            return
        picks = sorted(rng.sample(range(1, n + 1), min(n, pages_per_doc * 2)))
        taken = 0
        for number in picks:
            if taken >= pages_per_doc:
                break
            entry = _one_page(src, pdf, doc, number, out, dpi, rng, scan_config, producer)
            taken += "skipped" not in entry
            yield entry
    finally:
        doc.close()


def _producer(doc, src: Source) -> str:
    """The PDF's own Producer (its program and version's first word), e.g. "pdfTeX"."""
    try:
        meta = doc.get_metadata_dict()
    except Exception:  # noqa: BLE001 - a damaged Info dictionary is only missing metadata
        meta = {}
    name = (meta.get("Producer") or meta.get("Creator") or src.kind).strip()
    return re.split(r"[\s/(,-]", name, maxsplit=1)[0] or src.kind


def _one_page(src, pdf, doc, number, out, dpi, rng, scan_config, producer) -> dict:
    pid = page_id(src, number)
    record = {"source": src.id, "producer": producer, "page": number, "id": pid}
    if (out / "clean" / f"{pid}.json").is_file():
        return record  # written by an earlier run
    page = doc[number - 1]
    try:
        w, h = page.get_size()
        if w < 36 or h < 36:
            return {**record, "skipped": "page of (near) zero size"}
        image = page.render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        page.close()
    try:
        layer = text_layers(pdf, dpi, first=number, last=number)[0]
    except (LiterateError, IndexError) as e:
        return {**record, "skipped": f"no text layer ({e})"}
    if image.size != (layer.width, layer.height):
        layer = layer.scaled(*image.size)
    problem = layer_problem(layer, image)
    if problem is not None:
        return {**record, "skipped": problem}
    scan = draw(rng, scan_config)
    scanned, moved = _moved_words(layer, image, scan, dpi)
    image.save(out / "clean" / f"{pid}.png")
    write_one_page_pdf(pdf, number, out / "pdf" / f"{pid}.pdf")
    truth = _layer_json(layer, {**record, "dpi": dpi})
    write_json_atomic(out / "pdf" / f"{pid}.json", truth)
    scanned.save(out / "degraded" / f"{pid}.png")
    write_json_atomic(
        out / "degraded" / f"{pid}.json",
        {
            **record,
            "dpi": scan.dpi,
            "scan": scan_record(scan),
            "width": scanned.width,
            "height": scanned.height,
            "lines": moved,
        },
    )
    write_json_atomic(out / "clean" / f"{pid}.json", truth)  # last: marks the page done
    return record
