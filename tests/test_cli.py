import subprocess
import sys

import pytest

from literate.cli import main


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_lists_the_commands(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for cmd in ("demo", "read", "train", "eval", "bench"):
        assert f"  {cmd} " in out


def test_console_script_runs():
    out = subprocess.run(
        [sys.executable, "-m", "literate.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "Usage: literate" in out.stdout


@pytest.mark.parametrize(
    "args, code, needle",
    [
        (("read", "nope.png", "--engine", "tesseract"), 1, "nope.png: no such file or folder"),
        (("read", "x.png", "--task", "all"), 2, "--task all: choose one of ocr, md, both"),
        (("read", "x.png", "--engine", "abbyy"), 2, "--engine abbyy: choose one of"),
        (("eval", "reader", "no-pages/", "--engine", "tesseract"), 2, "no-pages: no such folder"),
        (("train", "reader", "--out", "x", "--method", "dora"), 2, "--method dora: choose one"),
        (("train", "reader", "--out", "x", "--base", "scratch:huge"), 2, "sizes are tiny, small"),
    ],
)
def test_reader_commands_fail_in_one_line(capsys, tmp_path, monkeypatch, args, code, needle):
    monkeypatch.chdir(tmp_path)  # a failed start writes nothing, but never in the checkout
    got, _, err = run(capsys, *args)
    assert got == code
    assert err.count("\n") == 1 and needle in err, err


@pytest.mark.parametrize(
    "args, needle",
    [
        (("eval", "lm", "--model", "/no/such/model"), "no tokenizer.json in /no/such/model"),
        (("eval", "lm", "--model", "bundled", "--corpus", "klingon"), "unknown corpus 'klingon'"),
        (("eval", "lm", "--model", "bundled", "--split", "dev"), "unknown split 'dev'"),
        (("train", "lm", "--out", "x", "--corpus", "/no/such/dir"), "unknown corpus"),
        (("train", "lm", "--out", "x", "--max-steps", "many"), "Invalid value for '--max-steps'"),
        (("train", "lm", "--out", "x", "--max-steps", "0"), "greater than or equal to 1"),
        (
            ("train", "lm", "--out", "x", "--method", "sgd"),
            "--method sgd: choose one of",
        ),
        (("train", "lm", "--out", "x", "--save-steps", "150"), "multiple of --eval-steps"),
        (("train", "lm", "--out", "x", "--preset", "huge"), "unknown preset 'huge'"),
        (("train", "lm"), "Missing option '--out'"),
        (("train", "lm", "--out", "x", "--method", "plora", "--period", "0"), "--period"),
        (("train", "lm", "--out", "x", "--method", "plora", "--momentum", "1"), "momentum must be"),
        (
            ("train", "lm", "--out", "x", "--method", "plora", "--optimizer-state", "x"),
            "not one of",
        ),
        (("frobnicate",), "No such command 'frobnicate'"),
        (
            ("eval", "lm", "--policy", "sentinel", "--budget", "64"),
            "not trained with <SR> sentinels",
        ),
        (("eval", "lm", "--policy", "window"), "needs a KV budget"),
        (("eval", "lm", "--policy", "lru", "--budget", "64"), "unknown policy 'lru'"),
        (("train", "lm", "--out", "x", "--sentinel", "--chunking", "words"), "chunking 'words'"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(capsys, tmp_path, monkeypatch, args, needle):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.count("\n") == 1, err
    assert err.startswith("literate: error: ") and needle in err
    assert "Traceback" not in err


def test_unreadable_checkpoint_is_one_line(capsys, tmp_path):
    (tmp_path / "tokenizer.json").write_text("garbage")
    code, _, err = run(capsys, "eval", "lm", "--model", str(tmp_path))
    assert code == 2 and "cannot read tokenizer" in err and err.count("\n") == 1


def lines_of(err: str) -> list[str]:
    return err.strip().splitlines()


@pytest.mark.parametrize(
    "args",
    [
        ("eval", "lm", "--model", "/no/such/model", "--json", "{dir}"),
        ("eval", "reader", "{dir}", "--engine", "tesseract", "--json", "{dir}"),
        ("bench", "sentinel", "--json", "{dir}"),
        ("bench", "plora", "--quick", "--json", "{file}/x.json"),
        ("bench", "reader", "--quick", "--json", "{tmp}/r.json", "--work", "{file}"),
        ("data", "render", "--out", "{file}", "--n", "1"),
        ("data", "render", "--out", "/proc/literate-x", "--n", "1"),
        ("train", "lm", "--out", "{file}", "--corpus", "{file}"),
        ("train", "lm", "--out", "/proc/literate-x", "--corpus", "{file}"),
        ("train", "reader", "--out", "{file}", "--max-steps", "1"),
        ("demo", "--out", "{file}"),
    ],
)
def test_an_output_that_cannot_be_written_is_one_line_before_any_work(capsys, tmp_path, args):
    (tmp_path / "d").mkdir()
    (tmp_path / "f").write_text("one line of text\n")
    where = {"dir": tmp_path / "d", "file": tmp_path / "f", "tmp": tmp_path}
    code, _, err = run(capsys, *(a.format(**where) for a in args))
    assert code == 2 and len(lines_of(err)) == 1, err
    assert err.startswith("literate: error: --") and "Traceback" not in err
    assert (tmp_path / "f").read_text() == "one line of text\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["d", "f"]  # nothing written


def test_data_render_with_a_folder_in_the_way_fails_in_one_line(capsys, tmp_path):
    out = tmp_path / "pages"
    (out / "page-00000.json").mkdir(parents=True)
    code, _, err = run(capsys, "data", "render", "--out", str(out), "--n", "1", "--workers", "1")
    assert code == 2 and len(lines_of(err)) == 1, err
    assert "page-00000.json: is a folder" in err
    # no temp file; draw.json (what the folder is drawn from) is whole, so a rerun resumes
    assert sorted(p.name for p in out.iterdir()) == ["draw.json", "page-00000.json"]


def test_an_unforeseen_file_system_error_is_one_line(capsys, monkeypatch):
    import literate.demo

    def broken(**kwargs):
        raise PermissionError(13, "Permission denied", "/somewhere/file")

    monkeypatch.setattr(literate.demo, "run_demo", broken)
    code, _, err = run(capsys, "demo")
    assert code == 1 and err == "literate: error: /somewhere/file: permission denied\n"


@pytest.mark.parametrize(
    "args, needle",
    [
        (("read", "x.png", "--max-patches", "-5"), "--max-patches"),
        (("read", "x.png", "--max-patches", "1"), "greater than or equal to 16"),
        (("read", "x.png", "--max-new-tokens", "-1"), "--max-new-tokens"),
        (("read", "x.png", "--max-new-tokens", "0"), "--max-new-tokens"),
        (("eval", "reader", ".", "--max-patches", "4"), "--max-patches"),
        (("train", "reader", "--out", "r", "--max-patches", "4"), "--max-patches"),
        (("eval", "lm", "--block-size", "1"), "--block-size"),
        (("eval", "lm", "--max-blocks", "0"), "--max-blocks"),
        (("eval", "lm", "--policy", "window", "--budget", "-8"), "--budget"),
        (("eval", "lm", "--max-tokens", "0"), "--max-tokens"),
        (("eval", "lm", "--threads", "0"), "--threads"),
        (("bench", "sentinel", "--threads", "0"), "--threads"),
        (("demo", "--threads", "-1"), "--threads"),
    ],
)
def test_bad_numbers_are_refused_at_the_option_before_any_model_loads(
    capsys, tmp_path, monkeypatch, args, needle
):
    import transformers

    from literate.reader import Reader

    def no_model(*a, **k):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(Reader, "from_pretrained", no_model)
    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", no_model)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *args)
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith("literate: error: Invalid value for '--") and needle in err


def test_bench_sentinel_takes_one_plan(capsys, tmp_path):
    code, _, err = run(capsys, "bench", "sentinel", "--quick", "--long", "--work", str(tmp_path))
    assert code == 2 and err == (
        "literate: error: --quick and --long are two different plans: give one\n"
    )
    assert not list(tmp_path.iterdir())
    code, _, err = run(capsys, "bench", "sentinel", "--from-start", "--work", str(tmp_path))
    assert code == 2 and err == (
        "literate: error: --from-start is a variant of the long plan: give --long with it\n"
    )
    assert not list(tmp_path.iterdir())


def test_the_engine_refuses_bad_numbers_before_loading(monkeypatch):
    from literate.errors import BadValueError
    from literate.reader.engines.kosmos import KosmosEngine

    monkeypatch.setattr("literate.paths.resolve_reader", lambda name: pytest.fail("loaded"))
    for name in ("max_patches", "max_new_tokens", "batch_size", "num_beams"):
        with pytest.raises(BadValueError, match=f"--{name.replace('_', '-')} 0: need at least 1"):
            KosmosEngine.from_pretrained("bundled", **{name: 0})


@pytest.mark.parametrize("command", ["read", "eval"])
def test_reader_commands_leave_unset_engine_options_to_the_checkpoint(
    capsys, tmp_path, monkeypatch, command
):
    """`read` and `eval reader` once passed `--batch-size 4` whether or not it was given, so
    the bundled reader's 16 line pieces a batch (its literate_reader.json) never applied."""
    import literate.reader.reader as reader_module

    seen = {}

    def capture(model, engine="kosmos", **kwargs):
        seen.update(kwargs)
        raise KeyboardInterrupt  # stop before any model loads

    monkeypatch.setattr(reader_module.Reader, "from_pretrained", staticmethod(capture))
    (tmp_path / "p.png").write_bytes(b"")
    args = ["read", str(tmp_path / "p.png"), "--out", str(tmp_path / "out")]
    if command == "eval":
        args = ["eval", "reader", str(tmp_path)]
    main([*args, "--engine", "kosmos"])
    assert seen and all(seen[k] is None for k in ("batch_size", "num_beams", "tiling"))


def test_every_bench_command_finds_its_module():
    """`bench plora` once imported a module the house move had renamed: every bench command's
    module must import and take the plans the command offers."""
    import importlib
    import inspect

    from literate.cli_bench import BENCH_MODULES

    for name, module in BENCH_MODULES.items():
        params = inspect.signature(importlib.import_module(module).run_bench).parameters
        assert list(params)[:4] == ["quick", "json_path", "work", "threads"], name
        assert "long" in params, name
