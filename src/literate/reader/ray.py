"""``literate read --ray``: the same reading, spread over a Ray cluster's actors.

The driver plans the inputs exactly as the local command does (same files, same output
stems, same ``--skip-existing`` test), then a Ray Dataset of ``(path, stem)`` rows is mapped
by a pool of actors, each holding one ``Reader`` (the model is loaded once per actor, not
per file). Actors write each document's outputs themselves, through the local command's
``write_result``, so they are the same files; only a small row per file comes back:
``{path, stem, ok, error, pages, notes, fatal}``. Failures go to ``<out>/failures.jsonl`` as
locally.

Inputs and ``out`` are paths as every node sees them (relative ones from the driver's
folder, where a node has it): on a cluster of several machines they must be on a shared
file system, and ``literate`` must be installed on every node (or be shipped with
``runtime_env``).
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from literate import errors
from literate.errors import BadValueError, LiterateError
from literate.io import make_folder
from literate.reader.engines import READ_TASKS
from literate.reader.formats import DEFAULT_FORMATS, complete
from literate.reader.reader import Failure, plan_inputs
from literate.reader.run import write_failures

NEEDS_RAY = "--ray needs Ray: pip install 'literate[ray]'"
FILES_PER_CALL = 4  # files an actor reads per call: their pages pool into the engine's batches


@dataclass
class RaySummary:
    """What a Ray reading did: counts, time, and each failure as ``{"path", "error"}``."""

    files: int  # files found (inputs that name nothing readable are failures, not files)
    read: int
    failed: int
    skipped: int
    pages: int
    seconds: float
    actors: int | None  # the fixed pool size, or None for Ray's autoscaling pool
    gpus_per_actor: float
    failures: list[dict[str, str]] = field(default_factory=list)
    manifest: Path | None = None  # <out>/failures.jsonl, when anything failed
    rows: list[dict[str, Any]] = field(default_factory=list)


def _import_ray():
    try:
        import ray
        import ray.data
    except ImportError:
        raise BadValueError(NEEDS_RAY) from None
    return ray


class ReadActor:
    """One actor of the pool: loads its ``Reader`` once, then reads batches of rows.

    A model that cannot be loaded is not raised here: Ray would hand the driver an actor's
    death or a traceback as text. Every row then carries the error and its class
    (``fatal``), and the driver raises it, one line, as the local command does."""

    def __init__(
        self,
        out: str,
        task: str,
        formats: tuple[str, ...],
        model: str | None,
        engine: str,
        dpi: int,
        engine_kwargs: dict[str, Any],
        cwd: str | None = None,
    ) -> None:
        import ray
        import torch

        from literate.reader.reader import Reader

        if cwd and Path(cwd).is_dir():
            os.chdir(cwd)  # relative inputs and --out mean what they mean to the driver
        self.out, self.task, self.formats, self.dpi = Path(out), task, tuple(formats), dpi
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU")
        if cpus:
            torch.set_num_threads(max(1, int(cpus)))  # an actor uses the CPUs it reserved
        kwargs = dict(engine_kwargs)
        if kwargs.get("device") is None:  # auto: the GPU Ray gave this actor, if any
            kwargs["device"] = "cuda" if ray.get_gpu_ids() else "cpu"
        self.error: LiterateError | None = None
        try:
            self.reader = Reader.from_pretrained(model, engine, dpi=dpi, **kwargs)
        except LiterateError as e:
            self.error = e

    def __call__(self, batch: dict[str, Any]) -> dict[str, list]:
        files = [(Path(str(p)), str(s)) for p, s in zip(batch["path"], batch["stem"], strict=True)]
        if not files:
            return {key: [] for key in _row("", "")}
        if self.error is not None:
            fatal = type(self.error).__name__
            rows = [_row(str(p), s, str(self.error)) | {"fatal": fatal} for p, s in files]
        else:
            done = self._read(files)
            for path, stem in [f for f in files if f[1] not in done]:
                done.update(self._read([(path, stem)], alone=True))  # the batch broke off
            rows = [done[stem] for _, stem in files]
        return {key: [row[key] for row in rows] for key in rows[0]}

    def _read(self, files: list[tuple[Path, str]], alone: bool = False) -> dict[str, dict]:
        """Rows by stem for the files read; an unexpected exception ends the batch (the
        caller retries the rest alone), or fails the file when it is alone."""
        from literate.reader.run import write_result

        stems = {str(p): s for p, s in files}
        done: dict[str, dict] = {}
        try:
            for item in self.reader.iter_files(files, self.task):
                if isinstance(item, Failure):
                    stem = stems.get(item.path, "")
                    done[stem] = _row(item.path, stem, error=str(item))
                    continue
                result = write_result(item, self.out, self.task, self.formats, self.dpi)
                done[item.stem] = _row(
                    result.path, item.stem, result.error, result.pages, result.notes
                )
        except Exception as e:  # noqa: BLE001 - one file's crash must not end the run
            if not alone:
                return done
            path, stem = files[0]
            done[stem] = _row(str(path), stem, error=f"{path}: {type(e).__name__}: {e}")
        return done


def _row(
    path: str, stem: str, error: str | None = None, pages: int = 0, notes: Sequence[str] = ()
) -> dict[str, Any]:
    return {
        "path": path,
        "stem": stem,
        "ok": error is None,
        "error": error or "",
        "pages": pages if error is None else 0,
        "notes": "\n".join(notes),
        "fatal": "",
    }


def _gpus_per_actor(ray, engine: str, model: str | None, device: str | None) -> float:
    """Auto: one GPU per actor where the cluster has GPUs and the engine runs a model on a
    device not pinned to the CPU (Tesseract and text layers need none)."""
    runs_model = engine == "kosmos" or (engine == "auto" and model is not None)
    cluster_gpus = ray.cluster_resources().get("GPU", 0)
    if device is not None and device.startswith("cuda") and runs_model and not cluster_gpus:
        raise BadValueError(f"--device {device}: the Ray cluster has no GPUs")
    wants = runs_model and (device is None or device.startswith("cuda"))
    return 1.0 if wants and cluster_gpus else 0.0


def read_dataset(
    inputs: list[str | Path],
    out: Path,
    *,
    address: str | None = None,
    task: str = "both",
    engine: str = "auto",
    model: str | None = None,
    dpi: int = 200,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    skip_existing: bool = False,
    num_actors: int | None = None,
    num_gpus_per_actor: float | None = None,
    runtime_env: dict[str, Any] | None = None,
    quiet: bool = True,
    **engine_kwargs,
) -> RaySummary:
    """Read ``inputs`` into ``out`` on Ray and return a summary.

    ``address`` (used when this process is not connected to Ray yet, else that connection
    is): None or ``"local"`` starts a local instance; ``"auto"`` joins the cluster running
    on this machine; ``"ray://host:10001"`` a remote one through Ray Client. A connection
    made here is shut down at the end.
    ``num_actors``: a fixed pool (None: Ray scales it, one actor per free CPU or GPU).
    ``num_gpus_per_actor``: None picks one where the cluster has GPUs and the engine needs
    one; an actor left ``device`` unset reads on its GPU if it has one.
    Raises ``BadValueError`` when Ray is not installed, and the ``LiterateError`` of an
    engine that cannot be loaded."""
    ray = _import_ray()
    if task not in READ_TASKS:
        raise BadValueError(f"--task {task}: choose one of {', '.join(READ_TASKS)}")
    if num_actors is not None and num_actors < 1:
        raise BadValueError(f"num_actors {num_actors}: need at least 1")
    start = time.perf_counter()
    make_folder(out, "--out")
    files, failures = plan_inputs(inputs)
    todo = [(p, s) for p, s in files if not (skip_existing and complete(out, s, formats, p))]
    summary = RaySummary(
        files=len(files), read=0, failed=len(failures),
        skipped=len(files) - len(todo), pages=0, seconds=0.0, actors=num_actors,
        gpus_per_actor=num_gpus_per_actor or 0.0,
    )  # fmt: skip
    all_failed: list[Failure] = list(failures)
    if todo:
        started = not ray.is_initialized()
        if started:
            logs = logging.WARNING if quiet else logging.INFO
            ray.init(address=address, runtime_env=runtime_env, logging_level=logs)
        try:
            if num_gpus_per_actor is None:
                device = engine_kwargs.get("device")
                num_gpus_per_actor = _gpus_per_actor(ray, engine, model, device)
            summary.gpus_per_actor = num_gpus_per_actor
            for row in _run(ray, todo, out, task, formats, model, engine, dpi, num_actors,
                            num_gpus_per_actor, quiet, engine_kwargs):  # fmt: skip
                summary.rows.append(row)
        finally:
            if started:
                ray.shutdown()
    order = {stem: i for i, (_, stem) in enumerate(todo)}
    summary.rows.sort(key=lambda row: order.get(row["stem"], len(order)))  # input order
    for row in summary.rows:
        if row["ok"]:
            summary.read, summary.pages = summary.read + 1, summary.pages + row["pages"]
        else:
            all_failed.append(Failure(row["error"], row["path"]))
    summary.failed = len(all_failed)
    summary.failures = [{"path": f.path, "error": str(f)} for f in all_failed]
    summary.manifest = write_failures(out, all_failed)
    summary.seconds = time.perf_counter() - start
    return summary


def _run(
    ray, todo, out, task, formats, model, engine, dpi, num_actors, num_gpus, quiet, kwargs
) -> Iterator[dict[str, Any]]:
    """The rows of the actors' reading, as they come."""
    from ray.data import ActorPoolStrategy, DataContext

    context, logger = DataContext.get_current(), logging.getLogger("ray.data")
    before = context.enable_progress_bars, logger.level
    context.enable_progress_bars = not quiet
    if quiet:
        logger.setLevel(logging.ERROR)  # not even "progress bars disabled"
    pool = (
        ActorPoolStrategy(size=num_actors)
        if num_actors
        else ActorPoolStrategy(min_size=1, max_size=math.ceil(len(todo) / FILES_PER_CALL))
    )
    rows = ray.data.from_items([{"path": str(p), "stem": s} for p, s in todo])
    read = rows.map_batches(
        ReadActor,
        batch_size=FILES_PER_CALL,
        batch_format="numpy",
        compute=pool,
        num_gpus=num_gpus,
        fn_constructor_kwargs=dict(
            out=str(out), task=task, formats=tuple(formats), model=model, engine=engine,
            dpi=dpi, engine_kwargs=kwargs, cwd=os.getcwd(),
        ),
    )  # fmt: skip
    try:
        for row in read.iter_rows():
            row = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            if row["fatal"]:  # the engine could not load: the actor's own error, one line
                error = getattr(errors, row["fatal"], None)
                is_ours = isinstance(error, type) and issubclass(error, LiterateError)
                raise (error if is_ours else LiterateError)(row["error"])
            yield row
    finally:
        context.enable_progress_bars = before[0]
        logger.setLevel(before[1])


def ray_read_command(
    inputs: list[str],
    out: Path,
    address: str,
    task: str = "both",
    engine: str = "auto",
    model: str | None = None,
    dpi: int = 200,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    skip_existing: bool = False,
    quiet: bool = False,
    **engine_kwargs,
) -> int:
    """``literate read --ray ADDRESS|auto``: exit 0 when every input was read, 1 when any
    failed (one ``literate: error: <path>: <reason>`` line each; the rest are written)."""
    _import_ray()
    created = not Path(out).exists()
    if model and engine in ("tesseract", "pdf"):
        print(f"literate: note: --model {model} is not used by --engine {engine}", file=sys.stderr)
    try:
        summary = read_dataset(
            inputs, out, address=address, task=task, engine=engine, model=model, dpi=dpi,
            formats=formats, skip_existing=skip_existing, quiet=quiet, **engine_kwargs,
        )  # fmt: skip
    except LiterateError:
        if created:
            with suppress(OSError):
                Path(out).rmdir()  # made for nothing: an unloadable model writes no folder
        raise
    for failure in summary.failures:
        print(f"literate: error: {failure['error']}", file=sys.stderr)
    for row in summary.rows:
        for note in filter(None, row["notes"].split("\n")):
            print(f"literate: note: {note}", file=sys.stderr)
        if row["ok"] and not quiet:
            print(f"==> {row['path']} -> {Path(out) / row['stem']}.*")
    parts = [
        f"read {summary.read} of {summary.read + summary.failed + summary.skipped} inputs "
        f"({summary.pages} pages) in "
        f"{summary.seconds:.1f} s on Ray"
    ]
    if summary.skipped:
        parts.append(f"{summary.skipped} skipped (outputs complete)")
    if summary.manifest is not None:
        parts.append(f"failures in {summary.manifest}")
    print(f"literate: note: {'; '.join(parts)}", file=sys.stderr)
    return 1 if summary.failed else 0
