"""The web page of ``literate serve`` in a real headless browser: Debian's chromium, driven
by Selenium through Debian's chromedriver, against a real uvicorn server (Tesseract).

Upload a rendered page through the file input; one ``.box`` per line the API reads from
the same file, placed over the page image at its displayed scale; hovering a box shows its
line; the Markdown is beside the page; the JSON download link gives the API's JSON.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

pytest.importorskip("fastapi", reason="fastapi serves the API")
uvicorn = pytest.importorskip("uvicorn", reason="uvicorn runs the server")

from literate.reader.reader import Reader  # noqa: E402
from literate.serve.app import Settings, create_app  # noqa: E402

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # local only

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
)
LINES = ("Hello literate server", "Second line here")


def page_png(path: Path) -> Path:
    from literate.data.render import font

    img = Image.new("RGB", (760, 220), "white")
    draw = ImageDraw.Draw(img)
    f = font("dejavu-sans", 40)
    draw.text((30, 40), LINES[0], font=f, fill="black")
    draw.text((30, 130), LINES[1], font=f, fill="black")
    img.save(path)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """A real uvicorn server in a background thread, on a free port."""
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract not installed: scripts/install-system-deps.sh installs it")
    settings = Settings(engine="tesseract", dpi=100)
    app = create_app(settings, lambda: Reader.from_pretrained(None, "tesseract", dpi=100))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        pytest.skip(f"selenium not installed: {e} (pip install -e '.[dev]')")
    if CHROMIUM is None or CHROMEDRIVER is None:
        missing = "chromium" if CHROMIUM is None else "chromedriver"
        pytest.skip(f"{missing} not installed: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1400,1000", "--no-first-run", "--disable-extensions",
        "--disable-background-networking", "--disable-component-update", "--no-proxy-server",
    ):  # fmt: skip
        options.add_argument(flag)
    # the driver's path is given: Selenium Manager is never asked to download one
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def api_read(base: str, path: Path) -> dict:
    import httpx

    with path.open("rb") as f:
        r = httpx.post(
            f"{base}/v1/read", files={"file": (path.name, f)}, timeout=60, trust_env=False
        )
    assert r.status_code == 200, r.text
    return r.json()


def upload(browser, base: str, path: Path) -> str:
    """Open the page, choose ``path`` in its file input; the state it ends in."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(base + "/")
    wait = WebDriverWait(browser, 20)
    wait.until(lambda d: d.find_element(By.ID, "engine").text.startswith("tesseract"))
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(path))
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-state")
               in ("done", "failed"))  # fmt: skip
    return browser.find_element(By.TAG_NAME, "body").get_attribute("data-state")


def test_the_page_shows_each_line_box_over_the_page(server, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    path = page_png(tmp_path / "scan.png")
    expected = api_read(server, path)
    lines = expected["pages"][0]["lines"]
    assert [ln["text"] for ln in lines] == list(LINES)

    assert upload(browser, server, path) == "done"
    boxes = browser.find_elements(By.CSS_SELECTOR, ".box")
    assert len(boxes) == len(lines)
    assert [b.get_attribute("title") for b in boxes] == [ln["text"] for ln in lines]

    # the page image is the server's, and each box sits on its line at the displayed scale
    img = browser.find_element(By.CSS_SELECTOR, "#page-1 img.page-image")
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth", img))  # fmt: skip
    natural = browser.execute_script(
        "return [arguments[0].naturalWidth, arguments[0].naturalHeight]", img
    )
    assert natural == [expected["pages"][0]["width"], expected["pages"][0]["height"]]
    shown = img.rect
    scale = shown["width"] / natural[0]
    for box, line in zip(boxes, lines, strict=True):
        x0, y0, x1, y1 = line["bbox"]
        r = box.rect
        assert (
            abs(r["x"] - shown["x"] - x0 * scale) < 2.5
            and abs(r["y"] - shown["y"] - y0 * scale) < 2.5
        )
        assert abs(r["width"] - (x1 - x0) * scale) < 2.5

    # hovering a box shows its text and highlights it
    ActionChains(browser).move_to_element(boxes[1]).perform()
    hover = browser.find_element(By.ID, "hover-text")
    WebDriverWait(browser, 5).until(lambda d: LINES[1] in hover.text)
    assert "active" in boxes[1].get_attribute("class").split()

    # the Markdown beside it, raw and rendered
    raw = browser.find_element(By.ID, "markdown-raw").get_attribute("textContent")
    assert raw == expected["pages"][0]["markdown"]
    rendered = browser.find_element(By.ID, "markdown-rendered")
    assert LINES[0] in rendered.text and rendered.find_elements(By.TAG_NAME, "p")

    # the download links: the JSON one gives the API's JSON
    href = browser.find_element(By.ID, "download-json").get_attribute("href")
    with NO_PROXY.open(href, timeout=20) as r:
        assert json.load(r) == expected
    for fmt, kind in (("md", "text/markdown"), ("pdf", "application/pdf")):
        link = browser.find_element(By.ID, f"download-{fmt}").get_attribute("href")
        with NO_PROXY.open(link, timeout=20) as r:
            assert r.headers["content-type"].startswith(kind)


def test_the_page_shows_a_refused_upload_in_one_line(server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    bad = tmp_path / "notes.png"
    bad.write_text("not an image\n")
    assert upload(browser, server, bad) == "failed"
    error = browser.find_element(By.ID, "error")
    assert error.is_displayed() and error.text.startswith("notes.png: not an image")
    assert not browser.find_elements(By.CSS_SELECTOR, ".box")  # no result is shown
    good = page_png(tmp_path / "again.png")
    assert upload(browser, server, good) == "done"  # the server went on
    assert not browser.find_element(By.ID, "error").is_displayed()


def test_the_markdown_renderer_escapes_html(server, browser):
    browser.get(server + "/")
    html = browser.execute_script(
        "return renderMarkdown(arguments[0])",
        "# Title <b>\n\n- **bold** item\n- <img src=x onerror=alert(1)>\n\n"
        "| a | b |\n|---|---|\n| 1 | *2* |",
    )
    assert "<h1>Title &lt;b&gt;</h1>" in html
    assert "<li><strong>bold</strong> item</li>" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<th>a</th>" in html and "<td><em>2</em></td>" in html
