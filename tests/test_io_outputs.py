"""Atomic writes: an output that cannot be written is one error naming it, and no temporary
file survives; every output gets the same mode (0666 less the umask)."""

from __future__ import annotations

import os
import stat

import pytest
from PIL import Image

from literate.errors import LiterateError, OutputError
from literate.io import (
    atomic_output,
    check_output_file,
    make_folder,
    write_bytes_atomic,
    write_json_atomic,
    write_text_atomic,
)
from literate.reader.formats.boxes import to_png


def leftovers(folder):
    return sorted(p.name for p in folder.rglob(".*tmp*"))


def test_a_folder_in_the_way_is_one_error_and_leaves_no_temp_file(tmp_path):
    (tmp_path / "good.json").mkdir()
    with pytest.raises(OutputError, match="good.json: is a folder") as e:
        write_json_atomic(tmp_path / "good.json", {"a": 1})
    assert "\n" not in str(e.value) and isinstance(e.value, LiterateError)
    assert leftovers(tmp_path) == []


def test_a_file_where_the_folder_should_be(tmp_path):
    (tmp_path / "out").write_text("x")
    with pytest.raises(OutputError, match="out: is a file, not a folder"):
        write_text_atomic(tmp_path / "out" / "a.md", "text")
    with pytest.raises(OutputError, match="--out .*out: is a file"):
        make_folder(tmp_path / "out", "--out")
    with pytest.raises(OutputError, match="is a folder; name a file"):
        check_output_file(tmp_path, "--json")


def test_a_virtual_file_system_is_one_error():
    with pytest.raises(OutputError, match="/proc/literate-x"):
        make_folder("/proc/literate-x/out")
    with pytest.raises(OutputError, match="/proc/literate-x"):
        write_text_atomic("/proc/literate-x", "text")


def test_a_failed_rename_or_write_removes_the_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "a.json"
    target.write_text("old")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputError, match=r"a.json: cannot write \(permission denied\)"):
        write_text_atomic(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old" and leftovers(tmp_path) == []
    with pytest.raises(KeyboardInterrupt), atomic_output(target) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert target.read_text() == "old" and leftovers(tmp_path) == []


def test_parents_are_made(tmp_path):
    write_json_atomic(tmp_path / "a" / "b" / "c.json", [1])
    assert (tmp_path / "a" / "b" / "c.json").read_text() == "[\n  1\n]\n"


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600)])
def test_every_output_has_the_mode_of_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        write_json_atomic(tmp_path / "a.json", {})
        write_text_atomic(tmp_path / "a.md", "x")
        write_bytes_atomic(tmp_path / "a.boxes.png", to_png(Image.new("RGB", (4, 4))))
    finally:
        os.umask(old)
    for name in ("a.json", "a.md", "a.boxes.png"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name
    assert Image.open(tmp_path / "a.boxes.png").format == "PNG"
