"""Atomic writes and run metadata (``literate.io``)."""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path

import pytest
import torch

from literate import io
from literate.errors import OutputError
from literate.io import (
    command_line,
    command_of,
    run_metadata,
    write_json_atomic,
    write_result,
    write_text_atomic,
)

SRC = str(Path(io.__file__).resolve().parents[1])


def test_a_write_replaces_the_file_and_leaves_nothing_beside_it(tmp_path):
    target = tmp_path / "out.txt"
    write_text_atomic(target, "first")
    write_text_atomic(str(target), "second — ünïcode")
    assert target.read_bytes() == "second — ünïcode".encode()
    assert os.listdir(tmp_path) == ["out.txt"]


def test_a_write_that_fails_half_way_keeps_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "result.json"
    target.write_text("old")
    real = Path.write_text

    def half_then_fail(self, data, *args, **kwargs):
        real(self, data[: len(data) // 2], *args, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(OutputError, match="no space left"):
        write_json_atomic(target, {"new": "x" * 100})
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["result.json"]


@pytest.mark.parametrize("error", [OSError(18, "cross-device"), KeyboardInterrupt()])
def test_a_rename_that_fails_keeps_the_old_file_and_no_temp_file(tmp_path, monkeypatch, error):
    target = tmp_path / "result.txt"
    target.write_text("old")

    def fail(src, dst):
        raise error

    monkeypatch.setattr(os, "replace", fail)
    expected = OutputError if isinstance(error, OSError) else KeyboardInterrupt
    with pytest.raises(expected):
        write_text_atomic(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["result.txt"]


def test_a_writer_killed_mid_write_leaves_the_old_file_intact(tmp_path):
    """SIGKILL while half the new text is on disk: the target still holds the old text
    (no handler runs on SIGKILL, so the killed writer's hidden temp file stays beside it)."""
    target = tmp_path / "model.json"
    target.write_text('{"old": true}\n')
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {SRC!r})
        from pathlib import Path
        from literate.io import write_json_atomic

        def slow_write(self, data, *args, **kwargs):
            with open(self, "w", encoding="utf-8") as f:
                f.write(data[: len(data) // 2])
                f.flush()
                print("half written", flush=True)
                time.sleep(60)
                f.write(data[len(data) // 2 :])

        Path.write_text = slow_write
        write_json_atomic({str(target)!r}, {{"new": "x" * 10000}})
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "half written"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert json.loads(target.read_text()) == {"old": True}
    left = sorted(os.listdir(tmp_path))
    assert left[1] == "model.json" and left[0].startswith(f".model.json.tmp-{proc.pid}")
    write_json_atomic(target, {"new": 1})  # the next write goes through
    assert json.loads(target.read_text()) == {"new": 1}


def test_json_is_indented_with_a_final_newline_and_stringifies_the_rest(tmp_path):
    target = tmp_path / "a.json"
    write_json_atomic(target, {"path": Path("x/y"), "n": [1, 2]})
    assert target.read_text() == '{\n  "path": "x/y",\n  "n": [\n    1,\n    2\n  ]\n}\n'


@pytest.mark.parametrize(
    "argv, want",
    [
        (["/venv/bin/literate", "bench", "reader", "--quick"], "literate bench reader --quick"),
        (["/x/literate/__main__.py", "demo"], "literate demo"),
        (["src/literate/cli.py", "read", "a.png"], "literate read a.png"),
        (
            ["benchmarks/lm_throughput.py", "--steps", "3"],
            "python benchmarks/lm_throughput.py --steps 3",
        ),
        (["/usr/bin/pytest", "-q"], "pytest -q"),
        ([], "python"),
    ],
)
def test_command_line_is_what_a_user_would_type(argv, want):
    assert command_line(argv) == want


def test_command_line_reads_sys_argv_by_default(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["/v/bin/literate", "eval", "lm"])
    assert command_line() == "literate eval lm"


def test_command_of_leaves_out_none_and_false_and_flags_true():
    got = command_of("bench reader", quick=True, json_out="r.json", model=None, greedy=False, n=0)
    assert got == "literate bench reader --quick --json-out r.json --n 0"
    assert command_of("demo") == "literate demo"


def test_run_metadata_and_write_result(tmp_path):
    meta = run_metadata("literate bench x")
    assert meta["command"] == "literate bench x"
    assert list(meta) == ["command", "versions", "machine"]
    assert set(meta["versions"]) == {"literate", "torch", "transformers", "peft", "accelerate"}
    assert meta["versions"]["torch"] == version("torch")
    machine = meta["machine"]
    assert machine["cores"] == os.cpu_count() and machine["threads"] == torch.get_num_threads()
    assert machine["python"] == platform.python_version()
    assert set(machine) == {"platform", "cpu", "cores", "threads", "gpu", "python"}
    out = tmp_path / "deep" / "er" / "r.json"  # parents are made
    written = write_result(out, {"rows": [1], "command": "overridden?"}, command="literate b")
    assert json.loads(out.read_text()) == written
    assert written["rows"] == [1] and written["command"] == "overridden?"  # the payload wins
    assert list(written)[:3] == ["command", "versions", "machine"]
    assert write_result(out, {}, "literate b")["command"] == "literate b"


# --- exact messages and edge cases (killing the mutants docs/testing.md lists for io.py)


def refused(call, *args) -> str:
    """The message of the OutputError ``call(*args)`` raises."""
    with pytest.raises(OutputError) as e:
        call(*args)
    return str(e.value)


def test_folder_errors_name_the_folder_and_the_reason(tmp_path):
    from literate.io import make_folder

    afile = tmp_path / "afile"
    afile.write_text("x")
    assert refused(make_folder, afile) == f"{afile}: is a file, not a folder"
    assert refused(make_folder, afile, "--out") == f"--out {afile}: is a file, not a folder"
    assert (
        refused(make_folder, afile / "sub")
        == f"{afile / 'sub'}: cannot make this folder (not a directory)"
    )
    assert (
        refused(make_folder, afile / "sub", "--out")
        == f"--out {afile / 'sub'}: cannot make this folder (not a directory)"
    )
    assert make_folder(tmp_path / "new" / "deep") == tmp_path / "new" / "deep"
    assert (tmp_path / "new" / "deep").is_dir()


def test_a_folder_one_cannot_write_in_is_refused(tmp_path, monkeypatch):
    """Checked with os.access(W_OK | X_OK) (mocked: root may write anywhere)."""
    from literate.io import make_folder

    asked = []

    def access(path, mode):
        asked.append(mode)
        return not mode & os.W_OK

    monkeypatch.setattr(os, "access", access)
    assert (
        refused(make_folder, tmp_path)
        == f"{tmp_path}: cannot write in this folder (permission denied)"
    )
    assert asked == [os.W_OK | os.X_OK]
    assert (
        refused(make_folder, tmp_path, "--out")
        == f"--out {tmp_path}: cannot write in this folder (permission denied)"
    )


def test_an_output_file_in_the_place_of_a_folder_or_under_a_file_is_refused(tmp_path):
    from literate.io import check_output_file

    assert (
        refused(check_output_file, tmp_path)
        == f"{tmp_path}: is a folder; cannot write a file there"
    )
    assert (
        refused(check_output_file, tmp_path, "--json")
        == f"--json {tmp_path}: is a folder; name a file"
    )
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert (
        refused(check_output_file, afile / "r.json", "--json")
        == f"--json {afile}: is a file, not a folder"
    )
    assert check_output_file(tmp_path / "a" / "r.json") == tmp_path / "a" / "r.json"
    assert (tmp_path / "a").is_dir()


def test_command_line_names_the_cli_as_literate():
    assert command_line(["/usr/local/bin/literate", "read", "x.png"]) == "literate read x.png"
    assert command_line(["/x/literate/__main__.py", "bench"]) == "literate bench"
    assert command_line(["src/literate/cli.py", "demo"]) == "literate demo"
    assert command_line(["benchmarks/b.py", "--n", "2"]) == "python benchmarks/b.py --n 2"
    assert command_line(["pytest", "-q"]) == "pytest -q"
    assert command_line([]) == "python"


def test_text_is_written_as_utf_8_whatever_the_locale(tmp_path, monkeypatch):
    import codecs

    used = []
    real = Path.write_text

    def spy(self, data, encoding=None, errors=None, newline=None):
        used.append(encoding)
        return real(self, data, encoding="utf-8")

    monkeypatch.setattr(Path, "write_text", spy)
    write_text_atomic(tmp_path / "t.txt", "ü")
    assert used and codecs.lookup(used[0]).name == "utf-8"


def test_metadata_says_none_for_a_package_that_is_not_installed(monkeypatch):
    import importlib.metadata as md

    real = md.version

    def version_(name):
        if name == "peft":
            raise md.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(md, "version", version_)
    meta = run_metadata("x")
    assert meta["versions"]["peft"] is None and meta["versions"]["torch"] == torch.__version__
    assert meta["machine"]["cpu"] == (platform.processor() or platform.machine())
    assert meta["machine"]["gpu"] is None or torch.cuda.is_available()
