"""A wheel built from the repository works on its own: it carries the bundled checkpoints
and the demo's sample page, and, installed in a fresh virtualenv outside the repository,
reads with the bundled models. An editable install copies nothing into ``src/``.

The wheel is built from a copy of the files git would check out (a clean clone, as
``pip install git+…`` sees it), so the working tree gets no ``build/`` and no race with
another build. The fresh virtualenvs reuse this interpreter's installed dependencies
through a ``.pth`` path line (path lines are only appended to ``sys.path``, so the
editable ``literate`` of this environment is not activated there) and install offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]

# run by the installed interpreter: where literate and its checkpoints are, and the LM loads
PROBE = """
import json, literate
from literate.lm.train import load_model
from literate.paths import checkpoints_dir, resolve_model, resolve_reader
lm = load_model(resolve_model("bundled"))
print(json.dumps([literate.__file__, str(checkpoints_dir()), resolve_reader("bundled"),
                  sum(p.numel() for p in lm.parameters())]))
"""


def clean_env() -> dict[str, str]:
    """The environment of a user: no override of the checkpoints, nothing from the index."""
    env = {k: v for k, v in os.environ.items() if k not in ("LITERATE_CHECKPOINTS", "PYTHONPATH")}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", HF_HUB_OFFLINE="1")
    return env


def run(args: list[str | Path], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"{args}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def make_venv(where: Path) -> Path:
    """A virtualenv without pip of its own, seeing this environment's site-packages (pip,
    torch, …) by path only; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    site = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], where)
    ours = dict.fromkeys(sysconfig.get_path(k) for k in ("purelib", "platlib"))
    (Path(site.stdout.strip()) / "literate-deps.pth").write_text("\n".join(ours) + "\n")
    return python


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """The repository's files as a clean checkout would have them (tracked and new, not
    ignored ones: no .venv, no runs/, no checkpoints/*/trainer/)."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip(f"building the wheel from a clean copy needs git and a checkout ({e})")
    dest = tmp_path_factory.mktemp("source")
    for rel in filter(None, listing.split("\0")):
        if (ROOT / rel).is_file():  # a tracked file deleted in the working tree is not copied
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    return dest


@pytest.fixture(scope="module")
def wheel(source, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            out,
            ".",
        ],
        source,
    )
    (built,) = out.glob("literate-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The bin/ folder of a fresh virtualenv with the wheel installed."""
    python = make_venv(tmp_path_factory.mktemp("venv") / "env")
    run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel], python.parent)
    return python.parent


def test_the_wheel_holds_the_checkpoints_and_every_package_file(wheel, source):
    with zipfile.ZipFile(wheel) as z:
        sizes = {i.filename: i.file_size for i in z.infolist()}
    expected = [p for p in (source / "checkpoints").rglob("*") if p.is_file()]
    assert any(p.name == "model.safetensors" for p in expected)
    for path in expected:
        rel = path.relative_to(source).as_posix()
        assert sizes.get(f"literate/{rel}") == path.stat().st_size, rel
    for model in ("lm-base", "lm-long", "reader-small"):
        for name in ("config.json", "model.safetensors", "tokenizer.json"):
            assert f"literate/checkpoints/{model}/{name}" in sizes
    package = [p for p in (source / "src" / "literate").rglob("*") if p.is_file()]
    assert any(p.name == "page.png" for p in package)  # the demo's sample page
    missing = [p for p in package if p.relative_to(source / "src").as_posix() not in sizes]
    assert not missing  # every module and data file (package-data covers each non-.py one)
    assert not [n for n in sizes if n.startswith("src/") or "/trainer/" in n]
    assert sum(sizes.values()) < 100e6  # PyPI's default file limit: no companion package


def test_the_installed_wheel_reads_with_its_bundled_checkpoints(installed, tmp_path):
    probe = run([installed / "python", "-c", PROBE], tmp_path).stdout.splitlines()[-1]
    module, checkpoints, reader, lm_parameters = json.loads(probe)
    package = Path(module).parent
    assert package.is_relative_to(installed.parent) and not package.is_relative_to(ROOT)
    assert Path(checkpoints) == package / "checkpoints"
    assert Path(reader) == package / "checkpoints" / "reader-small"
    assert lm_parameters > 1_000_000
    with Image.open(package / "data" / "resources" / "demo" / "page.png") as page:
        page.crop((0, 0, page.width, 110)).save(tmp_path / "heading.png")  # "Reading a page"
    run(
        [
            installed / "literate",
            "read",
            "heading.png",
            "--engine",
            "kosmos",
            "--model",
            "bundled",
            "--task",
            "ocr",
            "--out",
            "out",
            "--quiet",
        ],
        tmp_path,
    )
    doc = json.loads((tmp_path / "out" / "heading.json").read_text())
    assert doc["engine"] == "kosmos" and doc["model"] == "bundled"
    assert "Reading" in " ".join(line["text"] for line in doc["pages"][0]["lines"])
    assert (tmp_path / "out" / "heading.boxes.png").is_file()


@pytest.mark.slow  # ≈ 50 s for the demo alone on 2 busy cores
def test_literate_demo_runs_from_the_wheel(installed, tmp_path):
    proc = run([installed / "literate", "demo", "--out", "demo-out"], tmp_path, timeout=540)
    out = tmp_path / "demo-out"
    for stem in ("page.png", "page.pdf"):  # written only by the bundled reader
        for suffix in (".json", ".md", ".boxes.png"):
            assert (out / f"{stem}{suffix}").is_file(), stem + suffix
    assert "bundled reader:" not in proc.stdout  # the demo's line for a missing reader
    assert "the bundled language model" in proc.stdout


def test_an_editable_install_copies_nothing_into_src(source, tmp_path):
    python = make_venv(tmp_path / "env")
    run(
        [python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-q", "-e", source],
        tmp_path,
    )
    assert not (source / "src" / "literate" / "checkpoints").exists()
    where = run(
        [
            python,
            "-c",
            "import literate, literate.paths as p; "
            "print(literate.__file__); print(p.checkpoints_dir())",
        ],
        tmp_path,
    )
    module, checkpoints = where.stdout.split()
    assert Path(module).resolve() == (source / "src" / "literate" / "__init__.py").resolve()
    assert Path(checkpoints).resolve() == (source / "checkpoints").resolve()
