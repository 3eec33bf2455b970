"""``train lm`` and ``train reader`` end to end through the CLI: a one-file corpus trains, a
finished run is never overwritten silently, and --resume continues only the same run."""

from __future__ import annotations

import pytest

from literate.cli import main


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err.strip().splitlines()


@pytest.fixture
def lm_args(tmp_path, plays, nano_tokenizer):
    """The issue's command (`--corpus notes.txt --preset nano ...`), with a saved tokenizer
    so the test does not train one."""
    (tmp_path / "notes.txt").write_text(plays[1].text[:20_000])
    nano_tokenizer.save_pretrained(str(tmp_path / "tok"))
    return [
        "train", "lm", "--corpus", tmp_path / "notes.txt", "--preset", "nano",
        "--tokenizer", tmp_path / "tok", "--block-size", "64", "--batch-size", "4",
        "--max-steps", "3", "--eval-steps", "3", "--save-steps", "3", "--warmup-steps", "0",
        "--eval-blocks", "4", "--out", tmp_path / "runs" / "t",
    ]  # fmt: skip


def test_train_lm_one_file_then_refuses_to_overwrite_or_resume_another_run(
    capsys, tmp_path, lm_args
):
    out = tmp_path / "runs" / "t"
    code, printed, _ = run(capsys, *lm_args)
    assert code == 0 and "step 3: validation loss" in printed
    weights = (out / "model.safetensors").read_bytes()

    code, _, err = run(capsys, *lm_args)
    assert code == 2 and len(err) == 1
    assert "holds a training run; pass --resume to continue it or --overwrite" in err[0]

    code, _, err = run(capsys, *lm_args, "--resume", "--lr", "0.01")
    assert code == 2 and len(err) == 1
    assert "--resume: the run in" in err[0] and "lr 0.001 → 0.01" in err[0]
    assert (out / "model.safetensors").read_bytes() == weights  # neither touched the run

    code, printed, _ = run(capsys, *lm_args, "--resume", "--max-steps", "6")  # same run, longer
    assert code == 0 and "step 6:" in printed

    code, printed, _ = run(capsys, *lm_args, "--overwrite", "--seed", "1")
    assert code == 0 and "step 3:" in printed


def test_train_lm_on_too_little_text_is_one_line_and_leaves_no_folder(capsys, tmp_path, lm_args):
    (tmp_path / "notes.txt").write_text("Only a few words.\n" * 40)
    code, _, err = run(capsys, *lm_args)
    assert code == 2 and len(err) == 1
    assert "its validation split has" in err[0]
    assert "fewer than one block of 64; give more text or a smaller --block-size" in err[0]
    assert not (tmp_path / "runs" / "t").exists()
    (tmp_path / "notes.txt").write_text("One line.\n")  # nothing to hold out at all
    code, _, err = run(capsys, *lm_args)
    assert code == 2 and len(err) == 1 and "too little text to hold out" in err[0]
    assert not (tmp_path / "runs" / "t").exists()


def test_train_reader_refuses_to_overwrite_or_resume_another_run(capsys, tmp_path):
    out = tmp_path / "r"
    args = [
        "train", "reader", "--level", "word", "--max-patches", "32", "--train-samples", "8",
        "--batch-size", "4", "--max-steps", "2", "--eval-steps", "2", "--save-steps", "2",
        "--warmup-steps", "0", "--out", out,
    ]  # fmt: skip
    code, printed, _ = run(capsys, *args)
    assert code == 0 and "2 steps in" in printed
    weights = (out / "model.safetensors").read_bytes()
    code, _, err = run(capsys, *args)
    assert code == 2 and len(err) == 1 and "holds a training run" in err[0]
    code, _, err = run(capsys, *args, "--resume", "--task", "md")
    assert code == 2 and len(err) == 1 and "task 'ocr' → 'md'" in err[0]
    assert (out / "model.safetensors").read_bytes() == weights
