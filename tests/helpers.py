"""Test helpers shared by several test modules."""

from pathlib import Path

import torch
from PIL import Image, ImageDraw
from transformers import TrainerCallback


class Interrupt(TrainerCallback):
    """Stops a run like a Ctrl-C after ``at`` optimizer steps (before that step's save)."""

    def __init__(self, at: int):
        self.at = at

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.at:
            raise KeyboardInterrupt


def spawn_gloo(worker, *args, nprocs: int = 2, timeout: float = 150.0, attempts: int = 2) -> None:
    """Run ``worker(rank, world, init_method, *args)`` on ``nprocs`` CPU processes over gloo.

    Everything stays on loopback (the store on 127.0.0.1, gloo's device on ``lo``) and the
    run has a deadline: on a fresh CI machine gloo once waited for an hour on the address
    its hostname resolved to. A run that passes in ≈ 8 s here once hung past 300 s inside a
    full suite (its free port is found before the ranks bind it, so it can be taken in
    between): a hung run is killed and started again on a new port, and the test fails if
    every attempt hangs. A rank that raises fails at once.
    """
    import time

    import pytest

    for _ in range(attempts):
        ctx = _spawn_on_new_port(worker, nprocs, args)
        deadline = time.monotonic() + timeout
        while not ctx.join(timeout=2):
            if time.monotonic() > deadline:
                for p in ctx.processes:
                    p.kill()
                break
        else:
            return
    pytest.fail(f"{nprocs} gloo ranks did not finish within {timeout:.0f} s, {attempts} times")


def _spawn_on_new_port(worker, nprocs: int, args: tuple):
    import os
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    saved = os.environ.get("GLOO_SOCKET_IFNAME")
    if os.path.exists("/sys/class/net/lo"):
        os.environ["GLOO_SOCKET_IFNAME"] = "lo"  # spawned children inherit the environment
    try:
        return mp.spawn(
            worker, args=(nprocs, f"tcp://127.0.0.1:{port}", *args), nprocs=nprocs, join=False
        )
    finally:
        if saved is None:
            os.environ.pop("GLOO_SOCKET_IFNAME", None)
        else:
            os.environ["GLOO_SOCKET_IFNAME"] = saved


class CaptureLogits(TrainerCallback):
    """Records the trained model's logits on ``inputs`` when training ends: for a LoRA or
    PeriodicLoRA run that is the adapted model, before its adapters are merged and saved;
    ``base_logits`` are those with the adapters switched off (peft models only)."""

    def __init__(self, inputs: dict):
        self.inputs, self.logits, self.base_logits = inputs, None, None

    def on_train_end(self, args, state, control, model=None, **kwargs):
        import torch

        was_training = model.training
        model.eval()
        with torch.no_grad():
            device = next(model.parameters()).device
            batch = {k: v.to(device) for k, v in self.inputs.items()}
            self.logits = model(**batch).logits.float().cpu()
            if hasattr(model, "disable_adapter"):
                with model.disable_adapter():
                    self.base_logits = model(**batch).logits.float().cpu()
        model.train(was_training)


def printed_scores(text: str) -> dict[str, tuple[float | None, ...]]:
    """The demo's score table as printed: engine → (word F1, line F1, mean IoU, NED, NTED),
    None where a cell shows "–" (the PDF row scores words only)."""
    import re

    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if len(cells) == 7 and re.fullmatch(r"\d\.\d{3}", cells[1]):
            rows[cells[0]] = tuple(None if c == "–" else float(c) for c in cells[1:6])
    return rows


# The shipped sample page against its truth as this release's demo prints it: the bundled
# reader (stage 14, beams of 3, the present piece cut), Tesseract 5.3 and the PDF's text layer.
DEMO_SCORES = {
    "bundled reader": (0.947, 1.000, 0.758, 0.989, 0.997),
    "tesseract": (1.000, 1.000, 0.764, 1.000, 1.000),
    "auto (PDF text layer)": (1.000, None, None, None, None),
}


# The sentinel streaming tests' layouts and the policies' definitions written out
# (tests/test_sentinel_stream.py, tests/test_sentinel_policies.py).
SR = 3


def layout(lengths, cfg):
    ids = [4 + (7 * i) % 60 for i in range(sum(lengths))]
    from literate.sentinel import prepare_sentinels

    b = prepare_sentinels([ids], [lengths], SR, cfg)
    return b.input_ids[0], b.position_ids[0], b.chunk_ids[0], b.is_sentinel[0]


def ordinary_index(sent) -> list[int]:
    """Each token's index among the ordinary (non-``<SR>``) tokens before it, written out."""
    out, seen = [], 0
    for x in sent:
        out.append(seen)
        seen += not x
    return out


def policy_allowed(name, budget, cfg, chunk, sent, rows=None):
    """Who may see whom under each policy, written out from its definition (DESIGN.md and
    the module's docstring), one query and one key at a time, independently of
    ``Policy.visible``: full: every earlier token; window: the last ``budget`` tokens;
    sinks: the first ``S`` tokens and the last ``budget - S``; sentinel: bounded mode with
    ``S`` sinks, the ordinary tokens of the own and ``local_chunks`` previous chunks, and the
    ``<SR>`` of as many earlier chunks as the rest of the budget holds; an ``<SR>`` query
    sees its own chunk."""
    s = cfg.sink_tokens
    own_window = (cfg.local_chunks + 1) * cfg.max_chunk_tokens + 1  # chunks + their <SR>
    spare = None if budget is None else budget - s - own_window
    t = len(chunk)
    ordinal = ordinary_index(sent)
    out = torch.zeros(t, t, dtype=torch.bool)
    for q in range(t) if rows is None else rows:  # (only these queries' rows, if given)
        for k in range(q + 1):
            if name == "full":
                ok = True
            elif name == "window":
                ok = q - k < budget
            elif name == "sinks":
                ok = k < s or q - k < budget - s
            elif sent[q]:
                ok = chunk[k] == chunk[q]
            else:
                local = not sent[k] and chunk[k] >= chunk[q] - cfg.local_chunks
                summary = sent[k] and chunk[q] - spare <= chunk[k] < chunk[q]
                sink = not sent[k] and ordinal[k] < s
                ok = local or summary or sink
            out[q, k] = ok
    return out


def text_page(path: Path, text: str = "Hello reader") -> Path:
    """A one-line image page that Tesseract reads, saved at ``path``."""
    img = Image.new("RGB", (360, 90), "white")
    ImageDraw.Draw(img).text((10, 30), text, fill="black", font_size=28)
    img.save(path)
    return path
