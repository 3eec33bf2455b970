"""``literate serve`` in-process (FastAPI's TestClient, the Tesseract engine and text layers):
reading a PNG and a PDF, jobs with page-by-page progress in submission order, downloads,
limits (413), hostile uploads refused in one JSON line while the server keeps serving, and
uploads kept only in private temporary folders that are removed afterwards."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

pytest.importorskip("fastapi", reason="fastapi serves the API")
pytest.importorskip("httpx", reason="httpx drives FastAPI's TestClient")
from fastapi.testclient import TestClient  # noqa: E402

from literate.cli import main  # noqa: E402
from literate.reader.engines import make_engine  # noqa: E402
from literate.reader.reader import Reader  # noqa: E402
from literate.serve.app import Settings, create_app  # noqa: E402

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="no pdftotext")

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # local only

MD = "# Invoice 2026\n\nTotal due: 50,000 credits by the first of March."
MD2 = "# Second page\n\nThe delivery address is on this page."


def page_png(text: str = "Hello literate server", second: str = "Second line here") -> bytes:
    """A rendered page two lines tall (DejaVu Sans, large enough for Tesseract)."""
    from literate.data.render import font

    img = Image.new("RGB", (760, 220), "white")
    draw = ImageDraw.Draw(img)
    f = font("dejavu-sans", 40)
    draw.text((30, 40), text, font=f, fill="black")
    draw.text((30, 130), second, font=f, fill="black")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def image_pdf(pages: int, size: tuple[int, int] = (300, 120)) -> bytes:
    """A PDF of ``pages`` image-only pages (no text layer), each with a short line."""
    imgs = []
    for n in range(pages):
        img = Image.new("RGB", size, "white")
        ImageDraw.Draw(img).text((10, 40), f"Page {n + 1}", fill="black", font_size=30)
        imgs.append(img)
    buf = io.BytesIO()
    imgs[0].save(buf, format="PDF", save_all=True, append_images=imgs[1:], resolution=72)
    return buf.getvalue()


@pytest.fixture(scope="module")
def text_pdf(tmp_path_factory) -> bytes:
    """Two born-digital pages (text layers), rendered by weasyprint."""
    pytest.importorskip("weasyprint", reason="weasyprint renders the test PDF")
    pdfium = pytest.importorskip("pypdfium2")
    from literate.data.pages import Style, render_pdf

    root = tmp_path_factory.mktemp("pdf")
    style = Style("dejavu-sans", 12, "A5", 12, 1, 1.3, "dejavu-sans")
    out = pdfium.PdfDocument.new()
    for n, md in enumerate((MD, MD2)):
        (root / f"{n}.pdf").write_bytes(render_pdf(md, style))
        out.import_pages(pdfium.PdfDocument(str(root / f"{n}.pdf")))
    out.save(str(root / "two.pdf"))
    return (root / "two.pdf").read_bytes()


def bomb_png(w: int = 100_000, h: int = 100_000) -> bytes:
    """A PNG whose header claims ``w``×``h`` pixels (10 GP): a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\x00" + b"\xff" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def encrypted_pdf() -> bytes:
    pytest.importorskip("reportlab", reason="reportlab writes the encrypted PDF")
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, encrypt=StandardEncryption("secret", ownerPassword="owner"))
    pdf.drawString(72, 720, "Confidential")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch) -> Path:
    """Every temporary folder the server makes lands here, to be checked."""
    where = tmp_path / "tmp"
    where.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(where))
    return where


def need_tesseract() -> None:
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract not installed: scripts/install-system-deps.sh installs it")


def serve(**settings) -> TestClient:
    """A client for an app on ``settings`` (auto engine: text layers, else Tesseract)."""
    need_tesseract()
    s = Settings(**{"engine": "auto", "dpi": 100, **settings})
    return TestClient(create_app(s, lambda: Reader.from_pretrained(None, s.engine, dpi=s.dpi)))


@pytest.fixture(scope="module")
def client():
    with serve() as c:
        yield c


def post(client: TestClient, url: str, name: str, data: bytes, **fields):
    return client.post(url, files={"file": (name, data)}, data=fields)


def wait_for(client: TestClient, job_id: str, until=lambda j: j["status"] in ("done", "failed")):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if until(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} stayed {job['status']}")


def assert_inside(page: dict) -> None:
    assert page["lines"]
    for line in page["lines"]:
        x0, y0, x1, y1 = line["bbox"]
        assert 0 <= x0 < x1 <= page["width"] and 0 <= y0 < y1 <= page["height"], line


def text_of(doc: dict) -> str:
    return " ".join(ln["text"] for p in doc["pages"] for ln in p["lines"])


def test_health_names_the_engine_model_and_version(client):
    from literate import __version__

    health = client.get("/v1/health").json()
    assert health["engine"] == "auto" and "tesseract" in health["model"]
    assert health["version"] == __version__
    assert health["max_pages"] == 200 and health["max_upload_mb"] == 50


def test_read_a_png_gives_lines_with_boxes_inside_the_page(client, private_tmp):
    r = post(client, "/v1/read", "scan.png", page_png())
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["source"] == "scan.png" and doc["engine"] == "auto"
    (page,) = doc["pages"]
    assert (page["width"], page["height"]) == (760, 220) and page["read_by"] == "tesseract"
    assert_inside(page)
    assert "Hello literate server" in text_of(doc) and "Second line" in text_of(doc)
    assert "Hello literate server" in page["markdown"]
    assert list(private_tmp.iterdir()) == []  # the upload's folder is gone


@needs_poppler
def test_read_a_pdf_uses_its_text_layers_page_by_page(client, text_pdf):
    r = post(client, "/v1/read", "invoice.pdf", text_pdf, dpi="72")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert [p["page"] for p in doc["pages"]] == [1, 2]
    assert {p["read_by"] for p in doc["pages"]} == {"text-layer"}
    for page in doc["pages"]:
        assert_inside(page)
    assert doc["pages"][0]["width"] == 420  # A5 at 72 dpi: 420 points wide
    first, second = (" ".join(ln["text"] for ln in p["lines"]) for p in doc["pages"])
    assert "Total due: 50,000 credits" in first and "delivery address" in second
    assert re.match(r"#+ Invoice 2026\n", doc["pages"][0]["markdown"])  # a heading


def test_the_task_is_honoured(client):
    ocr = post(client, "/v1/read", "scan.png", page_png(), task="ocr").json()
    assert ocr["pages"][0]["lines"] and ocr["pages"][0]["markdown"] is None


@needs_poppler
def test_a_job_reports_progress_and_its_result(client, text_pdf, private_tmp):
    r = post(client, "/v1/jobs", "invoice.pdf", text_pdf, dpi="72")
    assert r.status_code == 202 and r.json()["status"] == "queued"
    job = wait_for(client, r.json()["id"])
    assert job["status"] == "done"
    assert job["pages_done"] == job["pages_total"] == 2
    assert [p["read_by"] for p in job["result"]["pages"]] == ["text-layer"] * 2
    assert job["result"]["source"] == "invoice.pdf"
    (folder,) = private_tmp.iterdir()  # the job's private folder: page images, no upload
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == ["page-1.png", "page-2.png"]
    png = client.get(f"/v1/jobs/{job['id']}/pages/2.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(png.content)) as im:
        assert im.size == (job["result"]["pages"][1]["width"], job["result"]["pages"][1]["height"])
    assert client.get(f"/v1/jobs/{job['id']}/pages/3.png").status_code == 404


def test_downloads_render_every_format(client):
    job = wait_for(client, post(client, "/v1/jobs", "scan.png", page_png()).json()["id"])
    assert job["status"] == "done", job
    url = f"/v1/jobs/{job['id']}/download"
    as_json = client.get(f"{url}/json")
    assert as_json.status_code == 200 and as_json.json() == job["result"]
    assert 'filename="scan.json"' in as_json.headers["content-disposition"]
    md = client.get(f"{url}/md")
    assert md.headers["content-type"].startswith("text/markdown")
    assert "Hello literate server" in md.text
    pdf = client.get(f"{url}/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf.content)
    assert "Hello" in doc[0].get_textpage().get_text_range()  # searchable: the read words
    doc.close()
    boxes = client.get(f"{url}/boxes")
    with Image.open(io.BytesIO(boxes.content)) as im:
        assert im.size == (760, 220)
    for fmt in ("txt", "hocr", "alto"):
        assert client.get(f"{url}/{fmt}").status_code == 200
    bad = client.get(f"{url}/docx")
    assert bad.status_code == 404 and "format docx: choose one of json" in bad.json()["error"]


class Gated:
    """Tesseract that reads a page only when the test lets it: progress can be watched."""

    name = "tesseract"
    batch_size = 1

    def __init__(self):
        need_tesseract()
        self.engine = make_engine("tesseract", deskew=False)
        self.model_name = self.engine.model_name
        self.gate = threading.Semaphore(0)

    def read(self, images, task):
        assert self.gate.acquire(timeout=30), "the test never let the page be read"
        return self.engine.read(images, task)


@pytest.fixture
def gated():
    engine = Gated()
    app = create_app(Settings(engine="tesseract"), lambda: Reader(engine, dpi=72))
    with TestClient(app) as c:
        yield c, engine.gate
        for _ in range(8):
            engine.gate.release()  # nothing left waiting when the app stops


def test_progress_advances_page_by_page_and_jobs_run_in_order(gated):
    client, gate = gated
    first = post(client, "/v1/jobs", "three.pdf", image_pdf(3)).json()["id"]
    second = post(client, "/v1/jobs", "one.png", page_png()).json()["id"]
    job = wait_for(client, first, lambda j: j["status"] == "running")
    assert (job["pages_done"], job["pages_total"]) == (0, 3)
    queued = client.get(f"/v1/jobs/{second}").json()
    assert queued["status"] == "queued" and queued["ahead"] == 1  # one model, one at a time
    early = client.get(f"/v1/jobs/{first}/download/json")
    assert early.status_code == 409 and "running" in early.json()["error"]
    for done in (1, 2):
        gate.release()
        job = wait_for(client, first, lambda j, n=done: j["pages_done"] == n)
        assert job["status"] == "running" and "result" not in job
    gate.release()
    job = wait_for(client, first)
    assert job["status"] == "done" and job["pages_done"] == 3
    assert [p["page"] for p in job["result"]["pages"]] == [1, 2, 3]
    assert "Page 3" in text_of(job["result"])
    assert wait_for(client, second, lambda j: j["status"] != "queued")["status"] == "running"
    gate.release()
    assert wait_for(client, second)["status"] == "done"


class Counted:
    """A real engine that records the size of each batch it is given."""

    def __init__(self, engine):
        self.engine, self.batches = engine, []
        self.name, self.model_name = engine.name, engine.model_name
        self.batch_size = engine.batch_size

    def read(self, images, task):
        self.batches.append(len(images))
        return self.engine.read(images, task)


@pytest.fixture(scope="module")
def tiny_kosmos(tmp_path_factory) -> Path:
    from literate.reader.model.tiny import build_reader

    out = tmp_path_factory.mktemp("tiny-reader")
    build_reader(out, size="tiny", coordinate_bins=256)
    return out


def test_a_kosmos_reader_reads_a_job_in_its_batches(tiny_kosmos):
    kosmos = Reader.from_pretrained(
        str(tiny_kosmos), "kosmos", dpi=72, max_new_tokens=16, batch_size=2
    )
    engine = Counted(kosmos.engine)
    app = create_app(Settings(engine="kosmos", dpi=72), lambda: Reader(engine, dpi=72))
    with TestClient(app) as client:
        health = client.get("/v1/health").json()
        assert (health["engine"], health["model"]) == ("kosmos", str(tiny_kosmos))
        job = wait_for(client, post(client, "/v1/jobs", "three.pdf", image_pdf(3)).json()["id"])
    assert job["status"] == "done" and job["pages_done"] == job["pages_total"] == 3
    assert engine.batches == [2, 1]  # pages_done advanced 0 → 2 → 3
    doc = job["result"]
    assert doc["engine"] == "kosmos" and doc["model"] == str(tiny_kosmos)
    for n, page in enumerate(doc["pages"], 1):
        assert page["page"] == n and page["read_by"] == "kosmos"
        assert (page["width"], page["height"]) == (300, 120)
        for line in page["lines"]:  # an untrained model may read nothing: then a note says so
            x0, y0, x1, y1 = line["bbox"]
            assert 0 <= x0 < x1 <= 300 and 0 <= y0 < y1 <= 120
        assert page["lines"] or page["markdown"] or page["note"]  # e.g. "no text found"


def test_only_the_last_jobs_are_kept(private_tmp):
    with serve(keep_jobs=2) as client:
        ids = [post(client, "/v1/jobs", f"{n}.pdf", image_pdf(1)).json()["id"] for n in range(3)]
        for job_id in ids[1:]:
            wait_for(client, job_id)
        deadline = time.monotonic() + 10  # forgotten once the third one has finished
        while (oldest := client.get(f"/v1/jobs/{ids[0]}")).status_code != 404:
            assert time.monotonic() < deadline, oldest.json()
            time.sleep(0.05)
        assert "the last 2 are kept" in oldest.json()["error"]
        assert len(list(private_tmp.iterdir())) == 2  # its folder went with it
    assert list(private_tmp.iterdir()) == []  # and the others when the server stopped


def test_an_upload_above_the_limit_is_413_and_leaves_nothing(private_tmp):
    with serve(max_upload_mb=0.05) as client:  # 51,200 bytes
        for size in (60_000, 300_000):  # caught while streaming; refused from its length
            r = post(client, "/v1/read", "big.png", os.urandom(size))
            assert r.status_code == 413, r.text
            assert r.json() == {"error": "the upload is larger than the limit of 0.05 MB"}
            assert list(private_tmp.iterdir()) == []
        assert post(client, "/v1/read", "scan.png", page_png()).status_code == 200


def test_too_many_pages_is_413(private_tmp):
    with serve(max_pages=2) as client:
        for url in ("/v1/read", "/v1/jobs"):
            r = post(client, url, "long.pdf", image_pdf(3))
            assert r.status_code == 413
            assert r.json()["error"] == "long.pdf: 3 pages is above this server's limit of 2"
        assert list(private_tmp.iterdir()) == []
        assert post(client, "/v1/read", "short.pdf", image_pdf(2)).status_code == 200


def _truncated() -> bytes:
    data = page_png()
    return data[: len(data) // 2]


HOSTILE = {
    "truncated.png": (_truncated, "truncated.png: truncated or corrupt image"),
    "notes.txt": (lambda: b"not an image at all\n" * 10, "notes.txt: not an image or PDF"),
    "empty.png": (lambda: b"", "empty.png: empty file"),
    "secret.pdf": (encrypted_pdf, "secret.pdf: the PDF is encrypted (password-protected)"),
    "bomb.png": (bomb_png, "bomb.png: 100000×100000 pixels is above the decode limit"),
    "fake.pdf": (lambda: b"%PDF-1.7 and nothing else", "fake.pdf: corrupt or unreadable PDF"),
    "eps.png": (
        lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",
        "eps.png: not an image",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_upload_gets_one_json_line_and_the_server_goes_on(client, private_tmp, name):
    make, reason = HOSTILE[name]
    r = post(client, "/v1/read", name, make())
    assert 400 <= r.status_code < 500, r.text
    error = r.json()["error"]
    assert error.startswith(reason) and "\n" not in error
    assert str(private_tmp) not in error  # it names the upload, never the server's files
    assert list(private_tmp.iterdir()) == []
    good = post(client, "/v1/read", "scan.png", page_png(), task="ocr")
    assert good.status_code == 200 and "Hello" in text_of(good.json())


def test_a_job_whose_file_fails_to_decode_fails_with_its_reason(client):
    r = post(client, "/v1/jobs", "truncated.png", _truncated())
    assert r.status_code == 202  # its header is fine: it fails once decoded
    job = wait_for(client, r.json()["id"])
    assert job["status"] == "failed" and job["error"].startswith("truncated.png: truncated")
    assert "result" not in job


@pytest.mark.parametrize(
    "fields, status, needle",
    [
        ({"engine": "kosmos"}, 400, "engine kosmos: this server reads with auto only"),
        ({"engine": "abbyy"}, 400, "engine abbyy (engines: auto, pdf, kosmos, tesseract)"),
        ({"task": "all"}, 400, "task all: choose one of ocr, md, both"),
        ({"dpi": "9000"}, 400, "dpi 9000: a whole number from 36 to 1200"),
        ({"colour": "red"}, 400, "unknown form field 'colour'"),
    ],
)
def test_bad_form_fields_are_refused_by_name(client, private_tmp, fields, status, needle):
    for url in ("/v1/read", "/v1/jobs"):
        r = post(client, url, "scan.png", page_png(), **fields)
        assert r.status_code == status and needle in r.json()["error"], r.text
    assert list(private_tmp.iterdir()) == []


def test_the_loaded_engine_may_be_named(client):
    assert post(client, "/v1/read", "s.png", page_png(), engine="auto", task="ocr").is_success


def test_requests_without_a_file_are_refused(client):
    r = client.post("/v1/read", data={"task": "ocr"})
    assert r.status_code == 400 and "multipart/form-data" in r.json()["error"]
    r = client.post("/v1/read", files={"other": ("x.png", page_png())})
    assert r.status_code == 400 and "form field 'other'" in r.json()["error"]


def test_unknown_jobs_and_routes_are_404_json(client):
    r = client.get("/v1/jobs/no-such-job")
    assert r.status_code == 404 and r.json()["error"].startswith("no job no-such-job")
    assert client.get("/v1/jobs/no-such-job/download/json").status_code == 404
    assert client.get("/nowhere").json() == {"error": "Not Found"}


def test_the_page_and_the_api_docs_are_served_offline(client):
    page = client.get("/")
    assert page.status_code == 200 and 'src="static/app.js"' in page.text
    for asset in ("app.js", "style.css"):
        assert client.get(f"/static/{asset}").status_code == 200
    docs = client.get("/docs").text
    assert "cdn" not in docs.lower() and "/static-offline-docs/swagger-ui-bundle.js" in docs
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/v1/read"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert body["schema"]["required"] == ["file"]
    assert {"/v1/jobs", "/v1/jobs/{job_id}", "/v1/health"} <= set(spec["paths"])


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_serve_help(capsys):
    code, out, _ = run_cli(capsys, "serve", "--help")
    assert code == 0
    for option in ("--host", "--port", "--engine", "--max-upload-mb", "--max-pages", "--dpi"):
        assert option in out
    assert "127.0.0.1" in out


def test_serve_binds_this_machine_only_by_default(capsys, monkeypatch):
    import literate.serve.app as serve_app

    seen = []
    monkeypatch.setattr(serve_app, "serve_command", lambda s: seen.append(s) or 0)
    assert run_cli(capsys, "serve")[0] == 0
    (settings,) = seen
    assert (settings.host, settings.port, settings.engine) == ("127.0.0.1", 8000, "auto")
    assert (settings.max_upload_mb, settings.max_pages, settings.dpi) == (50, 200, 200)
    assert Settings().host == "127.0.0.1"


@pytest.mark.parametrize("host, noted", [("127.0.0.1", False), ("0.0.0.0", True)])
def test_binding_beyond_this_machine_is_noted(capsys, monkeypatch, host, noted):
    import uvicorn

    import literate.serve.app as serve_app

    ran = {}
    monkeypatch.setattr(serve_app, "load_reader", lambda s: Reader(make_engine("pdf")))
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: ran.update(kw))
    port = free_port()
    assert serve_app.serve_command(Settings(engine="pdf", host=host, port=port)) == 0
    assert ran["host"] == host and ran["port"] == port
    err = capsys.readouterr().err
    assert ("other machines can reach this server" in err) is noted
    assert f"literate: serving http://{host}:{port}/ (pdf: text-layer)" in err


def test_a_port_in_use_is_one_line_before_the_model_loads(capsys, monkeypatch):
    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(Reader, "from_pretrained", no_model)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run_cli(capsys, "serve", "--engine", "tesseract", "--port", port)
    assert code == 2 and err.count("\n") == 1
    assert f"--port {port}: cannot listen on 127.0.0.1:{port}" in err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_command_starts_in_seconds_serves_and_stops_clean(tmp_path):
    """The real command under uvicorn: health within seconds, a read, Ctrl-C exits 0 and
    leaves no temporary folder."""
    need_tesseract()
    port, tmp = free_port(), tmp_path / "proc-tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    cmd = [sys.executable, "-m", "literate.cli", "serve", "--engine", "tesseract"]
    proc = subprocess.Popen([*cmd, "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        start, health = time.monotonic(), None
        while time.monotonic() - start < 30 and proc.poll() is None:
            try:
                with NO_PROXY.open(f"http://127.0.0.1:{port}/v1/health") as r:
                    health = json.load(r)
                break
            except OSError:
                time.sleep(0.1)
        assert health is not None, proc.stderr.read() if proc.poll() is not None else "no answer"
        assert health["engine"] == "tesseract"
        assert time.monotonic() - start < 20  # seconds, on a busy two-core machine
        import httpx

        r = httpx.post(
            f"http://127.0.0.1:{port}/v1/read",
            files={"file": ("scan.png", page_png())},
            trust_env=False,
        )
        assert r.status_code == 200 and "Hello" in text_of(r.json()), r.text
        assert list(tmp.iterdir()) == []  # the upload went with its answer
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    err = proc.stderr.read()
    assert proc.returncode == 0, err
    assert f"literate: serving http://127.0.0.1:{port}/" in err
    assert list(tmp.iterdir()) == []
