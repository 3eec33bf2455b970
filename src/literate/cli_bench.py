"""``literate bench …``: the claim benchmarks, each printing a table and writing JSON."""

from __future__ import annotations

from pathlib import Path

import typer

from literate.errors import BadValueError

bench_app = typer.Typer(help="Run a benchmark: prints a table, writes JSON.", no_args_is_help=True)
THREADS = typer.Option(2, min=1, help="CPU threads.")
BENCH_MODULES = {"sentinel": "literate.sentinel.bench", "plora": "literate.lm.plora_bench"}


def _bench_outputs(json_out: Path, work: Path | None) -> None:
    """A benchmark's --json and --work, checked before it runs for minutes."""
    from literate.io import check_output_file, make_folder

    check_output_file(json_out, "--json")
    if work:
        make_folder(work, "--work")


def _bench(
    name: str, quick: bool, json_out: Path | None, work: Path | None, threads: int, **extra
) -> None:
    """Both sweeps share one signature: ``run_bench(quick, json, work, threads, **extra)``."""
    import importlib

    suffix = "_quick" if quick else "".join(f"_{k}" for k, v in extra.items() if v)
    default = f"benchmarks/results/{name}{suffix}.json"
    _bench_outputs(Path(json_out or default), work)
    run_bench = importlib.import_module(BENCH_MODULES[name]).run_bench
    run_bench(quick, str(json_out or default), str(work) if work else None, threads, **extra)


_QUICK = typer.Option(False, help="A small slice (≤ 3 min here).")
_JSON = typer.Option(None, "--json", help="Output JSON (figures beside it).")
_WORK = typer.Option(None, help="Run folder; finished runs are reused.")


@bench_app.command("sentinel")
def bench_sentinel_cmd(
    quick: bool = _QUICK,
    json_out: Path | None = _JSON,
    work: Path | None = _WORK,
    threads: int = THREADS,
    long: bool = typer.Option(
        False, help="On the long-context base (lm-long), texts of ≥ 4,096 tokens, budgets to 1,024."
    ),
    from_start: bool = typer.Option(
        False,
        help="With --long: both models learn long context from lm-base, one with <SR> from step 0.",
    ),
) -> None:
    """Sentinel tokens vs window/sinks at equal KV budget: perplexity, speed, memory."""
    if quick and long:
        raise BadValueError("--quick and --long are two different plans: give one")
    if from_start and not long:
        raise BadValueError("--from-start is a variant of the long plan: give --long with it")
    _bench("sentinel", quick, json_out, work, threads, long=long, from_start=from_start)


@bench_app.command("plora")
def bench_plora_cmd(
    quick: bool = _QUICK,
    json_out: Path | None = _JSON,
    work: Path | None = _WORK,
    threads: int = THREADS,
    long: bool = typer.Option(
        False, help="3,000-step runs, each resumable; rows kept beside the JSON (≈ 3.5 h here)."
    ),
) -> None:
    """PeriodicLoRA vs LoRA vs full fine-tuning: loss, learning ability, rank, memory, time."""
    if quick and long:
        raise BadValueError("--quick and --long are two different plans: give one")
    _bench("plora", quick, json_out, work, threads, long=long)


@bench_app.command("reader")
def bench_reader_cmd(
    quick: bool = _QUICK,
    json_out: Path | None = _JSON,
    work: Path | None = _WORK,
    threads: int = THREADS,
    model: str = typer.Option("bundled", help="The Kosmos-2.5 reader to compare."),
    set_name: str = typer.Option(
        "synthetic",
        "--set",
        help="real (held-out real pages, clean and scanned: the headline) or synthetic "
        "(the data engine's held-out pages and snippets).",
    ),
    split: str = typer.Option(
        "test", help="real: validation (choose settings) or test (measure once)."
    ),
    pages: int | None = typer.Option(
        None, min=1, help="At most this many pages per set, evenly spaced by name."
    ),
    snippets: int | None = typer.Option(None, min=2, help="Snippets (default 200, quick 8)."),
    num_beams: int | None = typer.Option(
        None, min=1, help="Beam width of the Kosmos reader (default: the checkpoint's)."
    ),
) -> None:
    """A Kosmos-2.5 reader vs Tesseract (and, on real pages, the pdf and auto engines)."""
    if set_name not in ("real", "synthetic"):
        raise BadValueError(f"--set {set_name}: choose real or synthetic")
    if set_name == "real":
        from literate.data.real_pages import real_pages
        from literate.reader.bench_real import run_real_bench

        if split not in ("validation", "test"):
            raise BadValueError(f"--split {split}: choose validation or test")
        folder = Path(work or f"runs/real-pages/{split}")
        if not (folder / "manifest.json").is_file():
            typer.echo(f"writing the {split} real pages into {folder} …", err=True)
            real_pages(folder, split)
        suffix = "" if split == "test" else f"_{split}"
        default = f"benchmarks/results/reader_real{suffix}{'_quick' if quick else ''}.json"
        limit = pages or (4 if quick else None)
        run_real_bench(folder, str(json_out or default), split, model, threads, limit, num_beams)
        return
    from literate.reader.bench import run_bench

    default = f"benchmarks/results/reader_synthetic{'_quick' if quick else ''}.json"
    _bench_outputs(Path(json_out or default), work)
    work_dir = str(work) if work else None
    run_bench(quick, str(json_out or default), work_dir, threads, model, pages, snippets, num_beams)
