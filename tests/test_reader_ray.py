"""``literate read --ray``: actors on a local Ray instance write the same files as the
local command (same stems, same bytes), name the bad input in ``failures.jsonl``, exit 1;
an engine that cannot load is one line; without Ray the flag says how to get it."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image, ImageDraw

from literate.errors import BadValueError, LiterateError
from literate.reader.ray import NEEDS_RAY, ray_read_command, read_dataset
from literate.reader.run import read_command


def page(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", (360, 90), "white")
    ImageDraw.Draw(img).text((10, 30), text, fill="black", font_size=28)
    img.save(path)
    return path


@pytest.fixture
def inputs(tmp_path) -> Path:
    """A folder of three pages (one in a sub-folder: its stem is ``sub/c``) and a bad file."""
    folder = tmp_path / "in"
    page(folder / "a.png", "Hello reader")
    page(folder / "b.png", "Second page")
    page(folder / "sub" / "c.png", "Third one")
    (folder / "bad.png").write_text("text, not a PNG")
    return folder


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray", reason="Ray is not installed: pip install 'literate[ray]'")
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)
    yield ray
    ray.shutdown()


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def check_same_as_local(ray_out: Path, local_out: Path) -> None:
    ours, theirs = tree(ray_out), tree(local_out)
    assert sorted(ours) == sorted(theirs)
    assert {"a.json", "a.md", "a.boxes.png", "sub/c.json", "failures.jsonl"} <= set(ours)
    for name in ours:
        assert ours[name] == theirs[name], name
    (failure,) = [json.loads(line) for line in ours["failures.jsonl"].decode().splitlines()]
    assert failure["path"].endswith("bad.png") and "bad.png" in failure["error"]


def test_without_ray_the_flag_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    with pytest.raises(BadValueError) as e:
        ray_read_command([str(tmp_path)], tmp_path / "out", "auto")
    assert str(e.value) == NEEDS_RAY == "--ray needs Ray: pip install 'literate[ray]'"
    assert not (tmp_path / "out").exists()


def test_tesseract_on_ray_writes_what_the_local_command_writes(
    ray_local, inputs, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # relative paths: the actors read and write where we would
    local = read_command(["in"], Path("local"), engine="tesseract", quiet=True)
    capsys.readouterr()
    code = ray_read_command(["in"], Path("ray"), None, engine="tesseract", quiet=True)
    err = capsys.readouterr().err.splitlines()
    assert local == code == 1
    errors = [e for e in err if e.startswith("literate: error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"literate: error: {Path('in/bad.png')}: ")
    check_same_as_local(tmp_path / "ray", tmp_path / "local")
    doc = json.loads((tmp_path / "ray" / "sub" / "c.json").read_text())
    assert doc["source"] == str(Path("in/sub/c.png")) and "Third" in doc["pages"][0]["markdown"]

    again = read_dataset(["in"], Path("ray"), engine="tesseract", skip_existing=True)
    assert (again.files, again.skipped, again.read, again.failed) == (4, 3, 0, 1)
    assert again.failures == [
        {"path": "in/bad.png", "error": errors[0][len("literate: error: ") :]}
    ]


def test_a_tiny_kosmos_on_ray_writes_what_the_local_command_writes(
    ray_local, inputs, tmp_path, capsys
):
    from literate.reader.model.tiny import build_reader

    model = tmp_path / "tiny-reader"
    build_reader(model, size="tiny", coordinate_bins=256)
    # one page per forward pass and one thread, as in each 1-CPU actor: the same numbers,
    # whichever rows Ray hands an actor together
    kwargs = dict(engine="kosmos", model=str(model), max_new_tokens=8, batch_size=1)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        local = read_command([str(inputs)], tmp_path / "local", quiet=True, **kwargs)
    finally:
        torch.set_num_threads(threads)
    capsys.readouterr()
    code = ray_read_command([str(inputs)], tmp_path / "ray", None, quiet=False, **kwargs)
    out, err = capsys.readouterr()
    assert local == code == 1
    assert f"==> {inputs / 'sub' / 'c.png'} -> {tmp_path / 'ray' / 'sub' / 'c'}.*" in out
    assert sum(e.startswith("literate: error: ") for e in err.splitlines()) == 1
    check_same_as_local(tmp_path / "ray", tmp_path / "local")
    assert json.loads((tmp_path / "ray" / "a.json").read_text())["model"] == str(model)


def test_an_engine_that_cannot_load_is_one_line(ray_local, inputs, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(LiterateError) as e:
        ray_read_command(
            [str(inputs)], out, None, engine="kosmos", model=str(tmp_path / "no-model")
        )
    assert "no-model" in str(e.value) and "\n" not in str(e.value)
    assert not out.exists()  # made for nothing


def test_a_file_that_crashes_the_engine_fails_alone(ray_local, inputs, tmp_path, monkeypatch):
    """The batch it broke off is read again file by file; only that file fails. (The actor
    runs in this process here: it is given the resources a 1-CPU worker sees.)"""
    import numpy as np

    from literate.reader.ray import ReadActor

    class Context:
        def get_assigned_resources(self) -> dict[str, float]:
            return {"CPU": float(torch.get_num_threads())}

    monkeypatch.setattr(ray_local, "get_runtime_context", Context)
    actor = ReadActor(str(tmp_path / "out"), "ocr", ("json",), None, "tesseract", 200, {})
    read = actor.reader.engine.read

    def crash_on_wide_pages(images, task, **kw):
        if any(im.width > 400 for im in images):
            raise RuntimeError("boom")
        return read(images, task, **kw)

    Image.new("RGB", (480, 90), "white").save(inputs / "wide.png")
    actor.reader.engine.read = crash_on_wide_pages
    names = ["wide.png", "a.png"]  # the crash comes first: a.png is read again, alone
    batch = {"path": np.array([str(inputs / n) for n in names]), "stem": np.array(["w", "a"])}
    rows = actor(batch)
    assert rows["ok"] == [False, True] and rows["fatal"] == ["", ""]
    assert rows["error"][0] == f"{inputs / 'wide.png'}: RuntimeError: boom"
    assert (tmp_path / "out" / "a.json").is_file() and not (tmp_path / "out" / "w.json").exists()


class FakeRay:
    def __init__(self, gpus: int):
        self.gpus = gpus

    def cluster_resources(self) -> dict[str, float]:
        return {"CPU": 8.0, **({"GPU": float(self.gpus)} if self.gpus else {})}


@pytest.mark.parametrize(
    ("gpus", "engine", "model", "device", "expected"),
    [
        (2, "kosmos", None, None, 1.0),  # a model, GPUs, no device pinned: one each
        (2, "kosmos", None, "cuda", 1.0),
        (2, "kosmos", None, "cpu", 0.0),  # pinned to the CPU
        (2, "tesseract", None, None, 0.0),  # no model to put on a GPU
        (2, "auto", None, None, 0.0),  # auto without a model is Tesseract
        (2, "auto", "bundled", None, 1.0),
        (0, "kosmos", None, None, 0.0),  # a CPU cluster
    ],
)
def test_gpus_per_actor_are_chosen_by_the_cluster_and_the_engine(
    gpus, engine, model, device, expected
):
    from literate.reader.ray import _gpus_per_actor

    assert _gpus_per_actor(FakeRay(gpus), engine, model, device) == expected


def test_cuda_on_a_cluster_without_gpus_is_refused():
    from literate.reader.ray import _gpus_per_actor

    with pytest.raises(BadValueError, match="--device cuda: the Ray cluster has no GPUs"):
        _gpus_per_actor(FakeRay(0), "kosmos", None, "cuda")
