"""The shared training helper: run folders are never overwritten silently and resume only
runs of the same configuration."""

from __future__ import annotations

import json

import pytest

from literate.errors import BadValueError
from literate.training import RUN_CONFIG, prepare_run_dir


def test_a_new_folder_is_prepared_and_records_the_config(tmp_path):
    out = tmp_path / "run"
    assert prepare_run_dir(out, {"lr": 1.0}, resume=False, overwrite=False) is None
    assert json.loads((out / RUN_CONFIG).read_text()) == {"lr": 1.0}


def test_a_finished_run_is_not_overwritten_without_a_flag(tmp_path):
    out = tmp_path / "run"
    prepare_run_dir(out, {"lr": 1.0}, resume=False, overwrite=False)
    (out / "model.safetensors").write_bytes(b"weights")
    with pytest.raises(BadValueError, match="--resume to continue it or --overwrite"):
        prepare_run_dir(out, {"lr": 1.0}, resume=False, overwrite=False)
    assert (out / "model.safetensors").read_bytes() == b"weights"
    prepare_run_dir(out, {"lr": 2.0}, resume=False, overwrite=True)
    assert not (out / "model.safetensors").exists()
    assert json.loads((out / RUN_CONFIG).read_text()) == {"lr": 2.0}


def test_resume_refuses_another_configuration_and_names_what_differs(tmp_path):
    out = tmp_path / "run"
    prepare_run_dir(out, {"lr": 1.0, "max_steps": 5}, resume=False, overwrite=False)
    (out / "trainer" / "checkpoint-2").mkdir(parents=True)
    with pytest.raises(BadValueError, match=r"lr 1\.0 → 2\.0"):
        prepare_run_dir(out, {"lr": 2.0, "max_steps": 5}, resume=True, overwrite=False)
    # more steps is a longer run of the same training, not another one
    prepare_run_dir(out, {"lr": 1.0, "max_steps": 9}, resume=True, overwrite=False)


def test_resume_returns_the_last_checkpoint(tmp_path):
    out = tmp_path / "run"
    prepare_run_dir(out, {}, resume=False, overwrite=False)
    for step in (3, 12):
        (out / "trainer" / f"checkpoint-{step}").mkdir(parents=True)
    assert prepare_run_dir(out, {}, resume=True, overwrite=False).endswith("checkpoint-12")


def test_a_folder_of_other_files_is_never_removed(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    for overwrite in (False, True):
        with pytest.raises(BadValueError, match="not a training run"):
            prepare_run_dir(out, {}, resume=False, overwrite=overwrite)
    assert (out / "thesis.tex").read_text() == "years of work"


def test_out_naming_a_file_is_one_clear_error(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(BadValueError, match="is a file"):
        prepare_run_dir(f, {}, resume=False, overwrite=False)
