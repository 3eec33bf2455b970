"""A model name that looks like a hub id fails in one line, at once, when it is neither a
local folder nor in the local Hugging Face cache and the hub cannot be reached."""

from __future__ import annotations

import socket
import time

import pytest
from PIL import Image

from literate import paths
from literate.cli import main
from literate.errors import CheckpointError
from literate.paths import check_hub_id


def test_offline_an_uncached_hub_id_fails_at_once(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(CheckpointError, match="nobody/nothing: no such folder, and not in the"):
        check_hub_id("nobody/nothing")
    assert time.perf_counter() - start < 1.0


def test_online_an_unreachable_hub_is_tried_once(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    for name in ("HTTPS_PROXY", "https_proxy", "HF_ENDPOINT", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    calls = []

    def refuse(address, timeout=None):
        calls.append((address, timeout))
        raise OSError("network is unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    with pytest.raises(CheckpointError, match="the hub cannot be reached"):
        check_hub_id("nobody/nothing")
    assert calls == [(("huggingface.co", 443), paths.HUB_TIMEOUT_S)]
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")  # the way out is the proxy
    with pytest.raises(CheckpointError):
        check_hub_id("nobody/nothing")
    assert calls[-1][0] == ("proxy.example", 3128)


def test_a_reachable_hub_a_cached_id_or_a_folder_is_left_to_the_loader(monkeypatch, tmp_path):
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)

    class Open:
        def close(self):
            pass

    monkeypatch.setattr(socket, "create_connection", lambda address, timeout=None: Open())
    check_hub_id("someone/something")  # online: the hub's own answer follows
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    snapshot = tmp_path / "models--someone--cached" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    (tmp_path / "models--someone--cached" / "refs").mkdir()
    (tmp_path / "models--someone--cached" / "refs" / "main").write_text("abc123")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    check_hub_id("someone/cached")  # offline, but in the cache
    (tmp_path / "runs" / "mine").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    check_hub_id("runs/mine")  # a local folder, though it looks like an id
    check_hub_id("/no/such/folder")  # not an id: the loader says what is missing


@pytest.mark.parametrize("engine", ["kosmos", "auto"])
def test_read_with_an_unreachable_hub_id_is_one_line(tmp_path, capsys, monkeypatch, engine):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    Image.new("RGB", (40, 20), "white").save(tmp_path / "a.png")
    start = time.perf_counter()
    code = main(["read", str(tmp_path / "a.png"), "--engine", engine, "--model", "org/name",
                 "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("literate: error: org/name: ")
    assert time.perf_counter() - start < 10
    assert not (tmp_path / "out").exists()  # no folder made for nothing


def test_eval_and_train_with_an_unreachable_hub_id_are_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    for args in (
        ["eval", "lm", "--model", "org/name"],
        ["eval", "reader", str(tmp_path), "--model", "org/name"],
        ["train", "reader", "--base", "org/name", "--out", "r"],
    ):
        code = main(args)
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and "org/name: no such folder" in err[0], (args, err)
    assert not (tmp_path / "r").exists()


def test_checkpoints_are_the_override_else_the_package_copy_else_the_repository(
    monkeypatch, tmp_path
):
    packaged, repo = tmp_path / "site-packages" / "literate" / "checkpoints", tmp_path / "repo"
    monkeypatch.setattr(paths, "PACKAGED_CHECKPOINTS", packaged)
    monkeypatch.setattr(paths, "REPO_CHECKPOINTS", repo)
    monkeypatch.delenv("LITERATE_CHECKPOINTS", raising=False)
    assert paths.checkpoints_dir() == repo  # an editable install: no copy in the package
    packaged.mkdir(parents=True)
    assert paths.checkpoints_dir() == packaged  # a wheel
    monkeypatch.setenv("LITERATE_CHECKPOINTS", str(tmp_path / "mine"))
    assert paths.checkpoints_dir() == tmp_path / "mine"
