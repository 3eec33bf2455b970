"""Test helpers shared by several test modules."""

from transformers import TrainerCallback


class Interrupt(TrainerCallback):
    """Stops a run like a Ctrl-C after ``at`` optimizer steps (before that step's save)."""

    def __init__(self, at: int):
        self.at = at

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.at:
            raise KeyboardInterrupt
