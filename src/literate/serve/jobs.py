"""Jobs for the one loaded model: a queue read in order by one worker thread.

One model in memory serves every request, so requests wait their turn instead of loading
pages (and activations) side by side until memory runs out. A job reads its pages in
batches of the engine's ``batch_size``, so ``pages_done`` advances page by page for
Tesseract and batch by batch for Kosmos. Each job owns a private folder (``mkdtemp``, mode
0700): the upload, deleted once decoded, then the page images the web page shows; the
folder goes when the job is forgotten (only the last ``keep`` finished jobs are kept), when
a synchronous read has answered, and when the server stops.
"""

from __future__ import annotations

import logging
import queue
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from literate.errors import LiterateError
from literate.reader.documents import DECODE_LIMIT
from literate.reader.page import Document, Page
from literate.reader.reader import Reader
from literate.serve.probe import load
from literate.serve.uploads import Refused

log = logging.getLogger("literate.serve")
STATUSES = ("queued", "running", "done", "failed")


@dataclass
class Job:
    folder: Path  # private to this job; removed with it
    upload: Path  # inside ``folder``
    name: str  # the client's file name: the document's ``source``
    task: str = "both"
    dpi: int = 200
    keep_pages: bool = True  # write page images for /pages/{n}.png and the downloads
    pages_total: int = 0  # from the probe; exact once decoded
    id: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    status: str = "queued"
    pages_done: int = 0
    document: Document | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    error_status: int = 0  # the HTTP status a synchronous read answers a failure with
    created: float = field(default_factory=time.time)
    finished: threading.Event = field(default_factory=threading.Event)
    forgotten: bool = False

    def page_image(self, number: int) -> Path:
        return self.folder / f"page-{number}.png"

    def to_json(self) -> dict:
        out: dict = {
            "id": self.id,
            "status": self.status,
            "source": self.name,
            "task": self.task,
            "dpi": self.dpi,
            "pages_done": self.pages_done,
            "pages_total": self.pages_total,
            "notes": list(self.notes),
        }
        if self.status == "done" and self.document is not None:
            out["result"] = self.document.to_json()
        if self.status == "failed":
            out["error"] = self.error
        return out


def read_pages(reader: Reader, images: list[Image.Image], layers: list, task: str) -> list[Page]:
    """One batch of pages, with their PDF text layers where the engine reads them (as
    ``Reader.iter_read`` does)."""
    engine = reader.engine
    if getattr(engine, "uses_text_layers", False):
        return engine.read(images, task, layers=layers)
    return reader.read_images(images, task)


class JobQueue:
    def __init__(
        self,
        reader: Reader,
        max_pages: int = 200,
        decode_limit: int = DECODE_LIMIT,
        keep: int = 100,
        max_waiting: int = 32,
    ):
        self.reader, self.max_pages, self.decode_limit = reader, max_pages, decode_limit
        self.keep, self.max_waiting = keep, max_waiting
        self._jobs: dict[str, Job] = {}  # in submission order
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="literate-reader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker after its current job (the queued ones are not read) and remove
        every job's folder."""
        self._stopping.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            jobs, self._jobs = list(self._jobs.values()), {}
        for job in jobs:
            job.forgotten = True
            if not job.finished.is_set():  # a request waiting on it answers, then goes
                self._fail(job, 503, f"{job.name}: the server stopped before reading it")
                job.finished.set()
            shutil.rmtree(job.folder, ignore_errors=True)

    def submit(self, job: Job) -> None:
        """Queue ``job``; raises ``Refused`` (503) when too many are already waiting."""
        with self._lock:
            waiting = sum(j.status == "queued" for j in self._jobs.values())
            if waiting >= self.max_waiting:
                raise Refused(503, f"the server is busy ({waiting} jobs waiting); try again later")
            self._jobs[job.id] = job
        self._queue.put(job)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def ahead_of(self, job: Job) -> int:
        """How many jobs will be read before ``job``."""
        with self._lock:
            jobs = list(self._jobs.values())
        if job.status != "queued" or job not in jobs:
            return 0
        earlier = jobs[: jobs.index(job)]
        return sum(j.status in ("queued", "running") for j in earlier)

    def forget(self, job: Job) -> None:
        """Drop ``job`` and its folder (a running job's folder goes when it finishes): the
        folder first, so a job that cannot be found has no folder left."""
        job.forgotten = True
        if job.finished.is_set() or job.status == "queued":
            shutil.rmtree(job.folder, ignore_errors=True)
        with self._lock:
            self._jobs.pop(job.id, None)

    def _loop(self) -> None:
        while (job := self._queue.get()) is not None and not self._stopping.is_set():
            if job.forgotten:
                continue
            self._run(job)
            job.finished.set()
            if job.forgotten:
                shutil.rmtree(job.folder, ignore_errors=True)
            self._trim()

    def _trim(self) -> None:
        with self._lock:
            done = [j for j in self._jobs.values() if j.finished.is_set()]
        for job in done[: max(0, len(done) - self.keep)]:
            self.forget(job)

    def _run(self, job: Job) -> None:
        job.status = "running"
        try:
            self._read(job)
        except Refused as e:
            self._fail(job, e.status, str(e))
        except LiterateError as e:
            self._fail(job, 400, str(e).replace(str(job.upload), job.name))
        except Exception as e:  # the server keeps serving whatever one document does
            log.exception("reading %s failed", job.name)
            line = " ".join(str(e).split()) or type(e).__name__
            self._fail(job, 500, f"{job.name}: reading failed ({type(e).__name__}: {line})")
        else:
            job.status = "done"
        finally:
            job.upload.unlink(missing_ok=True)

    @staticmethod
    def _fail(job: Job, status: int, message: str) -> None:
        job.error, job.error_status, job.status = message, status, "failed"

    def _read(self, job: Job) -> None:
        reader = self.reader
        loaded = load(job.upload, job.name, job.dpi, reader.max_pixels, self.decode_limit)
        job.upload.unlink(missing_ok=True)
        images = loaded.pages
        if len(images) > self.max_pages:  # the probe counted first; a decoder may disagree
            raise Refused(
                413,
                f"{job.name}: {len(images)} pages is above this server's limit of {self.max_pages}",
            )
        job.pages_total, job.notes = len(images), list(loaded.notes)
        layers = [loaded.layers[i] if i < len(loaded.layers) else None for i in range(len(images))]
        if job.keep_pages:
            for n, image in enumerate(images, 1):
                image.save(job.page_image(n), format="PNG", compress_level=1)
        engine, pages, step = reader.engine, [], max(1, reader.batch_size)
        for start in range(0, len(images), step):
            batch = read_pages(reader, images[start : start + step], layers[start : start + step],
                               job.task)  # fmt: skip
            for n, page in enumerate(batch, start + 1):
                page.page = n
                page.read_by = page.read_by or engine.name
                if not page.lines and not (page.markdown or "").strip() and not page.note:
                    page.note = "no text found"
            pages += batch
            job.pages_done = len(pages)
        job.document = Document(job.name, engine.name, engine.model_name, pages)
