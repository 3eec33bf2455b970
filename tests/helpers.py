"""Test helpers shared by several test modules."""

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
