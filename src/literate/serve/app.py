"""``literate serve``: the reader behind a JSON API and a web page, on this machine.

The model is loaded once, before the server listens; every request is queued for it
(``jobs.py``). Uploads are streamed into a private temporary folder under a size limit
(``uploads.py``) and checked from their headers before they are queued (``probe.py``).
Every refusal is ``{"error": "<one line>"}`` with a 4xx status, and the server goes on.
``/docs`` (Swagger UI) and ``/redoc`` are served from the ``fastapi-offline`` package's
copies of their scripts, so they work without a network.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from literate import __version__
from literate.errors import BadValueError, LiterateError, OutputError
from literate.reader.documents import DECODE_LIMIT
from literate.reader.engines import ENGINES, READ_TASKS
from literate.reader.reader import Reader
from literate.serve.jobs import Job, JobQueue
from literate.serve.probe import probe
from literate.serve.uploads import Refused, receive_upload

STATIC = Path(__file__).parent / "static"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
DPI_RANGE = (36, 1200)  # as `literate read --dpi`


@dataclass(frozen=True)
class Settings:
    engine: str = "auto"
    model: str | None = None
    host: str = "127.0.0.1"  # this machine only, unless told otherwise
    port: int = 8000
    max_upload_mb: float = 50
    max_pages: int = 200
    dpi: int = 200  # default PDF rasterisation; a request may ask for another
    task: str = "both"
    device: str = "cpu"
    keep_jobs: int = 100  # finished jobs kept for their results and downloads
    max_waiting: int = 32  # queued jobs beyond which a request is refused (503)
    decode_limit: int = DECODE_LIMIT

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 2**20)


def load_reader(settings: Settings) -> Reader:
    return Reader.from_pretrained(
        settings.model, settings.engine, dpi=settings.dpi, device=settings.device
    )


def _multipart(description: str) -> dict:
    """The request body for the OpenAPI page (the body is parsed by ``receive_upload``)."""
    fields = {
        "file": {"type": "string", "format": "binary", "description": "An image or a PDF."},
        "task": {"type": "string", "enum": list(READ_TASKS), "description": "Default: --task."},
        "engine": {"type": "string", "description": "Must be the loaded engine when given."},
        "dpi": {"type": "integer", "minimum": DPI_RANGE[0], "maximum": DPI_RANGE[1]},
    }  # fmt: skip
    schema = {"type": "object", "required": ["file"], "properties": fields}
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": " ".join(str(message).split())}, status_code=status)


def create_app(
    settings: Settings | None = None, reader_factory: Callable[[], Reader] | None = None
) -> FastAPI:
    """The app; ``reader_factory`` (default: ``settings``' engine and model) is called once,
    at startup (the lifespan: ``with TestClient(app)``), so tests can serve any engine."""
    settings = settings or Settings()
    factory = reader_factory or (lambda: load_reader(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        reader = factory()
        jobs = JobQueue(
            reader, settings.max_pages, settings.decode_limit, settings.keep_jobs,
            settings.max_waiting,
        )  # fmt: skip
        app.state.reader, app.state.jobs = reader, jobs
        jobs.start()
        try:
            yield
        finally:
            jobs.stop()

    app = FastAPIOffline(
        title="literate",
        version=__version__,
        description="Read images and PDFs into text lines with boxes and Markdown.",
        lifespan=lifespan,
        swagger_ui_parameters={"validatorUrl": None},  # no call to an online validator
    )

    @app.exception_handler(Refused)
    async def refused(request: Request, e: Refused) -> JSONResponse:
        return _error(e.status, str(e))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, e: HTTPException) -> JSONResponse:
        return _error(e.status_code, str(e.detail))

    @app.exception_handler(Exception)
    async def crashed(request: Request, e: Exception) -> JSONResponse:
        line = " ".join(str(e).split()) or "no message"
        return _error(500, f"internal error ({type(e).__name__}: {line})")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(422, f"{where}: {first.get('msg', 'invalid request')}")

    def jobs_of(request: Request) -> JobQueue:
        return request.app.state.jobs

    def options(request: Request, fields: dict[str, str]) -> tuple[str, int]:
        """The form's task and dpi; an engine other than the loaded one is refused."""
        unknown = sorted(set(fields) - {"task", "engine", "dpi"})
        if unknown:
            raise Refused(400, f"unknown form field {unknown[0]!r}: send file, task, engine, dpi")
        task = fields.get("task") or settings.task
        if task not in READ_TASKS:
            raise Refused(400, f"task {task}: choose one of {', '.join(READ_TASKS)}")
        loaded = request.app.state.reader.engine.name
        engine = fields.get("engine") or loaded
        if engine != loaded:
            known = "" if engine in ENGINES else f" (engines: {', '.join(ENGINES)})"
            raise Refused(
                400,
                f"engine {engine}{known}: this server reads with {loaded} only; "
                f"start one with `literate serve --engine {engine}` for that",
            )
        raw = fields.get("dpi") or str(settings.dpi)
        if not raw.isdigit() or not DPI_RANGE[0] <= int(raw) <= DPI_RANGE[1]:
            raise Refused(400, f"dpi {raw}: a whole number from {DPI_RANGE[0]} to {DPI_RANGE[1]}")
        return task, int(raw)

    async def receive(request: Request, keep_pages: bool) -> Job:
        """The upload as a job, in a new private folder (removed if it is refused)."""
        folder = Path(tempfile.mkdtemp(prefix="literate-serve-"))  # mode 0700
        try:
            upload = await receive_upload(request, folder, settings.max_upload_bytes)
            assert upload.path is not None
            task, dpi = options(request, upload.fields)
            pages = await run_in_threadpool(
                probe, upload.path, upload.name, settings.max_pages, settings.decode_limit
            )
            job = Job(folder, upload.path, upload.name, task, dpi, keep_pages, pages_total=pages)
            jobs_of(request).submit(job)
            return job
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def job_or_404(request: Request, job_id: str) -> Job:
        job = jobs_of(request).get(job_id)
        if job is None:
            raise Refused(404, f"no job {job_id} (the last {settings.keep_jobs} are kept)")
        return job

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/v1/health", summary="The loaded engine and model, and this server's limits")
    def health(request: Request) -> dict:
        engine = request.app.state.reader.engine
        return {
            "status": "ok",
            "engine": engine.name,
            "model": engine.model_name,
            "version": __version__,
            "task": settings.task,
            "dpi": settings.dpi,
            "max_upload_mb": settings.max_upload_mb,
            "max_pages": settings.max_pages,
            "tasks": list(READ_TASKS),
            "formats": list(_formats()[0]),
        }

    @app.post(
        "/v1/read",
        summary="Read one image or PDF and answer its Document JSON (waits its turn)",
        openapi_extra=_multipart("The file, and optionally task, engine and dpi."),
    )
    async def read(request: Request) -> JSONResponse:
        job = await receive(request, keep_pages=False)
        try:
            while not job.finished.is_set():  # waiting holds no thread of the pool
                await asyncio.sleep(0.05)
            if job.status != "done" or job.document is None:
                return _error(job.error_status or 500, job.error or "reading failed")
            return JSONResponse(job.document.to_json())
        finally:
            jobs_of(request).forget(job)

    @app.post(
        "/v1/jobs",
        status_code=202,
        summary="Queue one image or PDF; answers its id at once",
        openapi_extra=_multipart("The file, and optionally task, engine and dpi."),
    )
    async def submit(request: Request) -> JSONResponse:
        job = await receive(request, keep_pages=True)
        body = {"id": job.id, "status": "queued", "url": f"/v1/jobs/{job.id}"}
        return JSONResponse(body, status_code=202)

    @app.get("/v1/jobs/{job_id}", summary="A job's status, progress and (when done) result")
    def job_status(request: Request, job_id: str) -> dict:
        job = job_or_404(request, job_id)
        return job.to_json() | {"ahead": jobs_of(request).ahead_of(job)}

    @app.get("/v1/jobs/{job_id}/pages/{number}.png", summary="A page image, as it was read")
    def page_image(request: Request, job_id: str, number: int) -> FileResponse:
        job = job_or_404(request, job_id)
        path = job.page_image(number)
        if number < 1 or not path.is_file():
            total = f"it has {job.pages_total}" if job.pages_total else "it has not been decoded"
            raise Refused(404, f"job {job_id} has no page {number} image ({total})")
        return FileResponse(path, media_type="image/png")

    @app.get(
        "/v1/jobs/{job_id}/download/{fmt}",
        summary="The result as json, md, txt, hocr, alto, pdf (searchable) or boxes (PNG)",
    )
    def download(request: Request, job_id: str, fmt: str) -> Response:
        formats, suffixes, media_types, render = _formats()
        if fmt not in formats:
            raise Refused(404, f"format {fmt}: choose one of {', '.join(formats)}")
        job = job_or_404(request, job_id)
        if job.status != "done" or job.document is None:
            raise Refused(409, f"job {job_id} is {job.status}: download once it is done")
        data = _render(job, fmt, render)
        name = f"{Path(job.name).stem or 'document'}{suffixes[fmt]}"
        ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
        disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
        return Response(data, media_type=media_types[fmt],
                        headers={"Content-Disposition": disposition})  # fmt: skip

    return app


def _formats() -> tuple[tuple[str, ...], dict, dict, Callable]:
    from literate.reader.formats import FORMATS, MEDIA_TYPES, SUFFIXES, render

    return FORMATS, SUFFIXES, MEDIA_TYPES, render


def _render(job: Job, fmt: str, render: Callable) -> bytes:
    """``render`` with the job's page images (opened lazily: text formats never decode)."""
    from PIL import Image

    images = [Image.open(job.page_image(p.page)) for p in job.document.pages]  # type: ignore[union-attr]
    try:
        return render(fmt, job.document, images, job.dpi)
    except OutputError as e:
        raise Refused(422, f"{fmt}: {e}") from None
    except FileNotFoundError:
        raise Refused(410, f"job {job.id}: its page images are gone") from None
    finally:
        for image in images:
            image.close()


def check_listen(host: str, port: int) -> None:
    """Refuse, in one line and before the model loads, an address this server cannot bind."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as e:
        reason = e.strerror or str(e)
        raise BadValueError(f"--host {host}: not an address of this machine ({reason})") from None
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            s.bind(address)
        except OSError as e:
            reason = (e.strerror or type(e).__name__).lower()
            message = f"--port {port}: cannot listen on {host}:{port} ({reason})"
            raise BadValueError(message) from None


def serve_command(settings: Settings) -> int:
    """Load the model, then serve until Ctrl-C; exit code 0."""
    if settings.task not in READ_TASKS:
        raise BadValueError(f"--task {settings.task}: choose one of {', '.join(READ_TASKS)}")
    if settings.engine not in ENGINES:
        raise BadValueError(f"--engine {settings.engine}: choose one of {', '.join(ENGINES)}")
    check_listen(settings.host, settings.port)
    if settings.host not in LOOPBACK and not settings.host.startswith("127."):
        print(
            f"literate: note: --host {settings.host}: other machines can reach this server, "
            "and it has no authentication",
            file=sys.stderr,
        )
    if settings.model and settings.engine in ("tesseract", "pdf"):
        print(
            f"literate: note: --model {settings.model} is not used by --engine {settings.engine}",
            file=sys.stderr,
        )
    reader = load_reader(settings)
    app = create_app(settings, lambda: reader)
    import uvicorn

    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    print(
        f"literate: serving http://{shown}:{settings.port}/ ({reader.engine.name}: "
        f"{reader.engine.model_name}); Ctrl-C stops",
        file=sys.stderr,
    )
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    except SystemExit as e:  # uvicorn exits when it cannot bind after all
        if e.code:
            raise LiterateError(f"--port {settings.port}: the server could not start") from None
    return 0
