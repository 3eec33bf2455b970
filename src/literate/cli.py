"""The ``literate`` command line: a thin typer app; every command delegates to a module.

Expected failures are ``LiterateError``s and usage errors: one line on stderr and the
error's exit code (2 for usage and outputs that cannot be written, 1 when inputs failed).
"""

from __future__ import annotations

import sys
from dataclasses import MISSING, fields
from pathlib import Path

import typer
from typer import Abort

try:  # recent typer vendors click; its exceptions are not click's
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older typer uses click itself
    from click.exceptions import NoArgsIsHelpError, UsageError

from literate.cli_bench import THREADS as _THREADS
from literate.cli_bench import bench_app
from literate.cli_data import data_app
from literate.errors import BadValueError, LiterateError
from literate.lm.train_config import LMTrainConfig
from literate.plora.config import AdapterOptions
from literate.reader.formats import DEFAULT_FORMATS
from literate.reader.train.config import ReaderTrainConfig
from literate.sentinel.config import SentinelConfig

app = typer.Typer(
    name="literate",
    help="Read text-rich images, remember long documents on a memory budget, adapt cheaply.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
train_app = typer.Typer(help="Train a language model or a reader.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluate a language model or a reader.", no_args_is_help=True)
app.add_typer(train_app, name="train")
app.add_typer(eval_app, name="eval")
app.add_typer(bench_app, name="bench")
app.add_typer(data_app, name="data")


def _defaults(cls) -> dict:
    """A config dataclass's defaults: the single source of the CLI's option defaults."""
    return {f.name: f.default for f in fields(cls) if f.default is not MISSING}


AD = _defaults(AdapterOptions)
LM = _defaults(LMTrainConfig)
RD = _defaults(ReaderTrainConfig)
SR = _defaults(SentinelConfig)

# fewer patches than a 4×4 grid cannot show a word: --max-patches 1 read nothing, silently
MIN_PATCHES = 16
MAX_PATCHES = typer.Option(None, min=MIN_PATCHES, help="Image patches (default: the processor's).")

# the adapter options both trainings take (one set of defaults: AdapterOptions)
METHOD = typer.Option(AD["method"], help="full, lora, or plora (PeriodicLoRA).")
RANK = typer.Option(AD["lora_rank"], min=1, help="LoRA rank (lora, plora).")
PERIOD = typer.Option(AD["period"], min=1, help="plora: optimizer steps per stage.")
MOMENTUM = typer.Option(AD["momentum"], help="plora: share of the update kept, [0, 1).")
OPTIMIZER_STATE = typer.Option(
    AD["optimizer_state"], help="plora: at a stage end: reset, prune, keep."
)
PRUNE_RATIO = typer.Option(AD["prune_ratio"], help="plora: share of optimizer state pruned.")
REWARM_STEPS = typer.Option(
    AD["rewarm_steps"], min=0, help="plora: learning-rate re-warm-up steps per stage."
)


def _adapters(method, rank, period, momentum, optimizer_state, prune_ratio, rewarm_steps):
    """The adapter options as ``AdapterOptions`` fields."""
    return dict(
        method=method,
        lora_rank=rank,
        period=period,
        momentum=momentum,
        optimizer_state=optimizer_state,
        prune_ratio=prune_ratio,
        rewarm_steps=rewarm_steps,
    )


@app.command()
def demo(
    seed: int = typer.Option(0, help="Sampling seed."),
    threads: int = _THREADS,
    out: Path = typer.Option(Path("literate-demo"), help="Where the outputs are written."),
) -> None:
    """The main job on embedded defaults: no download, no GPU."""
    from literate.demo import run_demo

    run_demo(seed=seed, threads=threads, out=out)


@app.command()
def read(
    inputs: list[str] = typer.Argument(..., help="Images, PDFs or folders (read recursively)."),
    task: str = typer.Option("both", help="ocr (lines with boxes), md (Markdown) or both."),
    engine: str = typer.Option(
        "auto",
        help="auto (a PDF page's own text layer where usable, else Tesseract), pdf (text "
        "layers only), kosmos or tesseract.",
    ),
    model: str | None = typer.Option(
        None,
        help="A Kosmos-2.5 reader: bundled, a hub id or a local directory (with --engine "
        "auto it reads the pages a text layer cannot; default: Tesseract does).",
    ),
    out: Path = typer.Option(Path("literate-out"), help="Output folder."),
    max_patches: int | None = MAX_PATCHES,
    device: str | None = typer.Option(
        None, help="cpu, cuda, cuda:N or mps (default: cpu; on Ray, an actor's GPU if any)."
    ),
    dtype: str = typer.Option("float32", help="float32, bfloat16 or float16."),
    batch_size: int | None = typer.Option(
        None,
        min=1,
        help="Images per forward pass: pages, or line pieces (default: the "
        "checkpoint's, 16 for bundled, else 4).",
    ),
    max_new_tokens: int | None = typer.Option(None, min=1, help="Answer length limit per page."),
    tiling: str | None = typer.Option(
        None,
        help="whole, strips (overlapping full-width strips) or lines (cut at white space); "
        "default: the checkpoint's (lines for bundled).",
    ),
    num_beams: int | None = typer.Option(
        None, min=1, help="Beam search width (default: the checkpoint's, else 1: greedy)."
    ),
    dpi: int = typer.Option(200, min=36, max=1200, help="PDF rasterisation resolution."),
    formats: str = typer.Option(
        ",".join(DEFAULT_FORMATS),
        "--format",
        help="Outputs per input, comma-separated: json, md, txt, hocr, alto, pdf (searchable: "
        "the page images under an invisible text layer), boxes (page 1 with its line boxes).",
    ),
    skip_existing: bool = typer.Option(
        False, help="Skip inputs whose outputs are all there and newer than the input."
    ),
    workers: int = typer.Option(1, min=1, help="Read files in N processes, one engine each."),
    ray_address: str | None = typer.Option(
        None,
        "--ray",
        metavar="ADDRESS",
        help="Read on a Ray cluster: auto (the one this machine joined), ray://HOST:10001, or "
        "local (start one here); one engine per actor. Needs literate[ray].",
    ),
    quiet: bool = typer.Option(False, help="Write the outputs without printing them."),
) -> int:
    """Read images and PDFs into text lines with boxes and Markdown."""
    from literate.reader.engines import READ_TASKS
    from literate.reader.formats import parse_formats
    from literate.reader.run import read_command

    if task not in READ_TASKS:
        raise BadValueError(f"--task {task}: choose one of {', '.join(READ_TASKS)}")
    kwargs = dict(max_patches=max_patches, dtype=dtype, batch_size=batch_size,
                  max_new_tokens=max_new_tokens, tiling=tiling, num_beams=num_beams)  # fmt: skip
    if ray_address is not None:
        if workers > 1:
            raise BadValueError("--workers: with --ray, Ray sizes the pool of actors; drop one")
        from literate.reader.ray import ray_read_command

        return ray_read_command(
            inputs, out, ray_address, task, engine, model, dpi, parse_formats(formats),
            skip_existing, quiet, device=device, **kwargs,
        )  # fmt: skip
    return read_command(  # make_engine hands Tesseract only the options it takes
        inputs,
        out,
        task,
        engine,
        model,
        quiet,
        dpi,
        parse_formats(formats),
        skip_existing,
        workers,
        device=device or "cpu",
        **kwargs,
    )


@app.command()
def serve(
    host: str = typer.Option(
        "127.0.0.1", help="Address to listen on (127.0.0.1: this machine only; 0.0.0.0: all)."
    ),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    engine: str = typer.Option(
        "auto", help="auto (a PDF page's own text layer, else OCR), pdf, kosmos or tesseract."
    ),
    model: str | None = typer.Option(
        None, help="A Kosmos-2.5 reader: bundled, a hub id or a local directory (as for read)."
    ),
    max_upload_mb: float = typer.Option(50, min=0.01, help="Largest upload accepted, in MB."),
    max_pages: int = typer.Option(200, min=1, help="Most pages one document may have."),
    dpi: int = typer.Option(200, min=36, max=1200, help="PDF rasterisation resolution."),
    task: str = typer.Option("both", help="Default task: ocr, md or both."),
    device: str = typer.Option("cpu", help="cpu, cuda, cuda:N or mps (Kosmos)."),
) -> int:
    """Serve a web page and a JSON API for reading documents (the model is loaded once)."""
    from literate.serve.app import Settings, serve_command

    settings = Settings(
        engine=engine, model=model, host=host, port=port, max_upload_mb=max_upload_mb,
        max_pages=max_pages, dpi=dpi, task=task, device=device,
    )  # fmt: skip
    return serve_command(settings)


@train_app.command("lm")
def train_lm_cmd(
    out: Path = typer.Option(..., help="Run directory: final model, tokenizer, checkpoints."),
    corpus: str = typer.Option(LM["corpus"], help="shakespeare, readmes, or a text file/folder."),
    preset: str = typer.Option(LM["preset"], help="Size when training from scratch: nano, small."),
    base: str | None = typer.Option(None, help="Start from this model (dir or 'bundled')."),
    tokenizer: str | None = typer.Option(
        None, help="Tokenizer dir (default: the base's, or a new one)."
    ),
    vocab_size: int = typer.Option(LM["vocab_size"], min=2, help="Vocabulary of a new tokenizer."),
    method: str = METHOD,
    rank: int = RANK,
    period: int = PERIOD,
    momentum: float = MOMENTUM,
    optimizer_state: str = OPTIMIZER_STATE,
    prune_ratio: float = PRUNE_RATIO,
    rewarm_steps: int = REWARM_STEPS,
    sentinel: bool = typer.Option(False, help="Train with <SR> sentinel tokens."),
    chunking: str = typer.Option(SR["chunking"], help="sentinel: sentence, line or fixed."),
    max_chunk_tokens: int = typer.Option(
        SR["max_chunk_tokens"], min=1, help="sentinel: longer chunks are split."
    ),
    sentinel_mode: str = typer.Option(SR["mode"], help="sentinel: paper or bounded."),
    local_chunks: int = typer.Option(
        SR["local_chunks"], min=0, help="sentinel (bounded): previous chunks in view."
    ),
    sink_tokens: int = typer.Option(
        SR["sink_tokens"], min=0, help="sentinel (bounded): attention-sink tokens."
    ),
    block_size: int = typer.Option(LM["block_size"], min=2, help="Tokens per sequence."),
    batch_size: int = typer.Option(LM["batch_size"], min=1),
    grad_accum: int = typer.Option(LM["grad_accum"], min=1, help="Gradient accumulation."),
    lr: float = typer.Option(LM["lr"], help="Peak learning rate (cosine schedule)."),
    warmup_steps: int = typer.Option(LM["warmup_steps"], min=0),
    max_steps: int = typer.Option(LM["max_steps"], min=1, help="Optimizer steps."),
    eval_steps: int = typer.Option(LM["eval_steps"], min=1, help="Validate every N steps."),
    save_steps: int = typer.Option(
        LM["save_steps"], min=1, help="Checkpoint every N steps (a multiple of eval-steps)."
    ),
    eval_blocks: int = typer.Option(
        LM["eval_blocks"], min=0, help="Validation blocks per evaluation (0 = all)."
    ),
    seed: int = typer.Option(LM["seed"]),
    resume: bool = typer.Option(False, help="Continue the run in OUT from its last checkpoint."),
    overwrite: bool = typer.Option(False, help="Replace a run already in OUT."),
    threads: int | None = typer.Option(None, min=1, help="CPU threads (default: torch's)."),
) -> None:
    """Train a causal LM (from scratch on a preset, or fine-tune a base)."""
    from literate.lm.train import train_lm
    from literate.paths import resolve_model
    from literate.sentinel.training import SentinelFormat

    fmt = None
    if sentinel:
        fmt = SentinelFormat(
            SentinelConfig(
                chunking=chunking,
                max_chunk_tokens=max_chunk_tokens,
                mode=sentinel_mode,
                local_chunks=local_chunks,
                sink_tokens=sink_tokens,
            )
        )
    cfg = LMTrainConfig(
        out=str(out),
        corpus=corpus,
        preset=preset,
        base=resolve_model(base) if base else None,
        tokenizer=tokenizer,
        vocab_size=vocab_size,
        **_adapters(method, rank, period, momentum, optimizer_state, prune_ratio, rewarm_steps),
        block_size=block_size,
        batch_size=batch_size,
        grad_accum=grad_accum,
        lr=lr,
        warmup_steps=warmup_steps,
        max_steps=max_steps,
        eval_steps=eval_steps,
        save_steps=save_steps,
        eval_blocks=eval_blocks,
        seed=seed,
        resume=resume,
        overwrite=overwrite,
        threads=threads,
    )
    summary = train_lm(cfg, fmt=fmt)
    typer.echo(
        f"step {summary['global_step']}: validation loss {summary['eval_loss']:.4f}, "
        f"perplexity {summary['eval_perplexity']:.2f}; model saved to {out}"
    )


@train_app.command("reader")
def train_reader_cmd(
    out: Path = typer.Option(..., help="Run folder: final model + processor, checkpoints."),
    base: str = typer.Option(RD["base"], help="scratch:tiny|small, a folder or a hub id."),
    data: str = typer.Option(RD["data"], help="snippets (rendered on the fly) or a folder."),
    level: str = typer.Option(
        RD["level"],
        help="word, line, snippet, strip, mix (all four) or piece (line pieces of --pages "
        "pages, cut as --tiling lines cuts them, half and half with lines).",
    ),
    pages: str | None = typer.Option(
        None, help="Strips: data-engine pages to mix in; piece: the pages to cut."
    ),
    text: str = typer.Option(RD["text"], help="Snippets: corpus, random, or a+b."),
    task: str = typer.Option(RD["task"], help="ocr, md or mixed."),
    method: str = METHOD,
    rank: int = RANK,
    period: int = PERIOD,
    momentum: float = MOMENTUM,
    optimizer_state: str = OPTIMIZER_STATE,
    prune_ratio: float = PRUNE_RATIO,
    rewarm_steps: int = REWARM_STEPS,
    max_patches: int | None = MAX_PATCHES,
    train_samples: int = typer.Option(RD["train_samples"], min=1, help="Snippets per epoch."),
    batch_size: int = typer.Option(RD["batch_size"], min=1),
    lr: float = typer.Option(RD["lr"]),
    visual_lr_scale: float = typer.Option(
        RD["visual_lr_scale"], help="Vision + resampler lr = this × lr."
    ),
    init: str = typer.Option(
        RD["init"],
        help="From scratch: literate, positional (latents pool their own place), local (positional"
        " + encoder heads start as neighbour lookups) or default (HF's).",
    ),
    glyph_loss: float = typer.Option(
        RD["glyph_loss"], min=0.0, help="Weight of the per-patch glyph loss (0: off)."
    ),
    guided_attention: float = typer.Option(
        RD["guided_attention"], min=0.0, help="Weight of the guided-attention loss (0: off)."
    ),
    warmup_steps: int = typer.Option(RD["warmup_steps"], min=0),
    max_steps: int = typer.Option(RD["max_steps"], min=1),
    eval_steps: int = typer.Option(RD["eval_steps"], min=1),
    save_steps: int = typer.Option(RD["save_steps"], min=1),
    seed: int = typer.Option(RD["seed"]),
    resume: bool = typer.Option(False, help="Continue the run in --out from its last checkpoint."),
    overwrite: bool = typer.Option(False, help="Replace a run already in --out."),
    threads: int | None = typer.Option(None, min=1, help="CPU threads."),
) -> None:
    """Train a Kosmos-2.5 reader (from scratch or a checkpoint) on both tasks."""
    from literate.reader.train.trainer import train_reader

    summary = train_reader(
        ReaderTrainConfig(
            out=str(out),
            base=base,
            data=data,
            level=level,
            pages=pages,
            text=text,
            task=task,
            **_adapters(method, rank, period, momentum, optimizer_state, prune_ratio, rewarm_steps),
            max_patches=max_patches,
            train_samples=train_samples,
            batch_size=batch_size,
            lr=lr,
            visual_lr_scale=visual_lr_scale,
            init=init,
            glyph_loss=glyph_loss,
            guided_attention=guided_attention,
            warmup_steps=warmup_steps,
            max_steps=max_steps,
            eval_steps=eval_steps,
            save_steps=save_steps,
            seed=seed,
            resume=resume,
            overwrite=overwrite,
            threads=threads,
        )
    )
    last = summary["eval_curve"][-1]["eval_loss"] if summary["eval_curve"] else float("nan")
    gap = (summary["image_gap_curve"] or [{}])[-1].get("eval_image_gap", float("nan"))
    typer.echo(
        f"{summary['global_step']} steps in {summary['seconds']:.0f} s; eval loss {last:.3f}, "
        f"image gap {gap:.3f}; model saved to {out}"
    )


@eval_app.command("lm")
def eval_lm_cmd(
    model: str = typer.Option("bundled", help="Model dir, hub id, or 'bundled'."),
    corpus: list[str] = typer.Option(["shakespeare", "readmes"], help="Corpora (repeatable)."),
    split: str = typer.Option("test", help="train, validation or test."),
    block_size: int = typer.Option(256, min=2, help="Tokens per scored block."),
    max_blocks: int | None = typer.Option(None, min=1, help="Score only the first N blocks."),
    policy: str | None = typer.Option(
        None, help="Stream under a KV-cache policy: full, window, sinks, sentinel, paper."
    ),
    budget: int | None = typer.Option(
        None, min=1, help="KV budget in tokens (window, sinks, sentinel)."
    ),
    max_tokens: int = typer.Option(
        2048, min=1, help="With --policy: tokens streamed per document."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Also write results here."),
    threads: int | None = typer.Option(None, min=1, help="CPU threads (default: torch's)."),
) -> None:
    """Perplexity of a language model on corpus splits (original tokens only)."""
    from dataclasses import asdict

    from rich.console import Console
    from rich.table import Table

    from literate.io import check_output_file, write_json_atomic
    from literate.lm.evaluate import perplexity
    from literate.paths import resolve_model

    if json_out:  # before any work: a --json that cannot be written is one line, now
        check_output_file(json_out, "--json")
    if threads:
        import torch

        torch.set_num_threads(threads)
    path = resolve_model(model)
    if policy is not None:
        from literate.sentinel.evaluate import stream_perplexity

        rows = [stream_perplexity(path, c, policy, budget, split, max_tokens) for c in corpus]
        table = Table(title=f"{model}: streamed perplexity on the {split} split")
        for col in ("corpus", "policy", "budget", "tokens", "perplexity", "tokens/s", "peak cache"):
            table.add_column(col, justify="left" if col in ("corpus", "policy") else "right")
        for r in rows:
            table.add_row(
                r.corpus,
                r.policy,
                str(r.budget or "–"),
                f"{r.tokens:,}",
                f"{r.perplexity:.2f}",
                f"{r.tokens_per_s:,.0f}",
                str(r.peak_cache_tokens),
            )
        Console().print(table)
        if json_out:
            command = "literate " + " ".join(sys.argv[1:])
            write_json_atomic(
                json_out, {"command": command, "model": model, "rows": [asdict(r) for r in rows]}
            )
        return
    results = [perplexity(path, c, split, block_size, max_blocks) for c in corpus]
    table = Table(title=f"{model}: perplexity on the {split} split")
    for col in ("corpus", "tokens", "loss", "perplexity", "tokens/s"):
        table.add_column(col, justify="right" if col != "corpus" else "left")
    for r in results:
        table.add_row(
            r.corpus,
            f"{r.tokens:,}",
            f"{r.loss:.4f}",
            f"{r.perplexity:.2f}",
            f"{r.tokens_per_s:,.0f}",
        )
    Console().print(table)
    if json_out:
        command = "literate " + " ".join(sys.argv[1:])
        rows = [asdict(r) for r in results]
        write_json_atomic(json_out, {"command": command, "model": model, "rows": rows})


@eval_app.command("reader")
def eval_reader_cmd(
    folder: Path = typer.Argument(..., help="Page images with <stem>.json / <stem>.md truth."),
    engine: str = typer.Option("kosmos", help="kosmos, tesseract, pdf or auto."),
    model: str = typer.Option("bundled", help="bundled, a hub id or a local directory."),
    task: str = typer.Option("both", help="ocr, md or both."),
    limit: int | None = typer.Option(None, min=1, help="Score only the first N pages."),
    max_patches: int | None = MAX_PATCHES,
    device: str = typer.Option("cpu", help="cpu, cuda, cuda:N or mps."),
    batch_size: int | None = typer.Option(
        None,
        min=1,
        help="Images per forward pass: pages, or line pieces (default: the "
        "checkpoint's, 16 for bundled, else 4).",
    ),
    tiling: str | None = typer.Option(None, help="whole, strips or lines (default: the model's)."),
    num_beams: int | None = typer.Option(
        None, min=1, help="Beam search width (default: the checkpoint's, else 1: greedy)."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Write the scores as JSON."),
) -> int:
    """Score a reader on a folder of pages with ground truth (exit 1 when a page could not
    be read: it is left out of the scores)."""
    from literate.io import check_output_file, write_json_atomic
    from literate.reader import Reader
    from literate.reader.engines import READ_TASKS
    from literate.reader.evaluate import evaluate_reader

    if task not in READ_TASKS:
        raise BadValueError(f"--task {task}: choose one of {', '.join(READ_TASKS)}")
    if json_out:
        check_output_file(json_out, "--json")
    reader = Reader.from_pretrained(  # make_engine hands Tesseract only the options it takes
        model,
        engine,
        max_patches=max_patches,
        device=device,
        batch_size=batch_size,
        tiling=tiling,
        num_beams=num_beams,
    )
    scores = evaluate_reader(folder, reader, task, limit)
    for line in scores.errors:
        _error(line)
    row = scores.row()
    for k, v in row.items():
        typer.echo(f"{k:>16}: {v:.4f}" if isinstance(v, float) else f"{k:>16}: {v}")
    if json_out:
        write_json_atomic(json_out, row | {"errors": scores.errors})
    return 1 if scores.errors else 0


def _error(message: str) -> None:
    print(f"literate: error: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning expected failures into one line and their exit
    code (2 for usage, 1 for inputs that failed)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        rv = app(args=args, prog_name="literate", standalone_mode=False)
    except LiterateError as e:
        _error(str(e))
        return e.exit_code
    except NoArgsIsHelpError as e:
        print(e.ctx.get_help() if e.ctx else "", file=sys.stderr)
        return 2
    except UsageError as e:
        message = e.format_message().strip() or "bad usage"
        where = f" ({e.ctx.command_path})" if e.ctx else ""
        _error(message.splitlines()[0] + where)
        return 2
    except (Abort, KeyboardInterrupt):
        _error("interrupted")
        return 130
    except OSError as e:
        if e.errno is None or not e.filename:
            raise  # not a file the user named: a bug to see whole
        # a file system failure no check foresaw is still one line
        _error(f"{e.filename}: {(e.strerror or type(e).__name__).lower()}")
        return 1
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
