"""Training time that survives a resume.

A long run is stopped and resumed from its last checkpoint, and a summary that timed only
the last ``trainer.train`` call under-reports it. ``TrainingClock`` stores the seconds
trained so far in each checkpoint's trainer state (``ExportableState``) and, when a run
resumes, starts from the seconds stored in the checkpoint it resumes from. Time spent
after that checkpoint and before the interruption is not counted: that work is redone.
"""

from __future__ import annotations

import time

from transformers import TrainerCallback
from transformers.trainer_callback import ExportableState


class TrainingClock(TrainerCallback, ExportableState):
    """Wall-clock seconds of training, across resumes (``seconds``); it stops at the end of
    training, so saving the model afterwards is not counted."""

    def __init__(self, before: float = 0.0):
        self.before = before  # seconds trained before this run (restored from a checkpoint)
        self._start: float | None = None
        self._end: float | None = None

    def on_train_begin(self, args, state, control, **kwargs):
        name = type(self).__name__
        stored = state.stateful_callbacks.get(name)
        if isinstance(stored, list):  # several clocks were stored: the last is ours
            stored = stored[-1] if stored else None
        if state.global_step > 0 and stored:  # resumed: the checkpoint's trainer state
            self.before = float(stored.get("args", {}).get("before", 0.0))
        self._start, self._end = time.perf_counter(), None
        # a checkpoint written before the clock existed has no entry, which the Trainer's
        # next save would look up
        state.stateful_callbacks.setdefault(name, self.state())

    def on_train_end(self, args, state, control, **kwargs):
        self._end = time.perf_counter()

    @property
    def this_run(self) -> float:
        """Seconds since this run's ``on_train_begin``."""
        if self._start is None:
            return 0.0
        return (self._end or time.perf_counter()) - self._start

    @property
    def seconds(self) -> float:
        """Seconds trained in all runs up to now."""
        return self.before + self.this_run

    def state(self) -> dict:
        return {"args": {"before": self.seconds}, "attributes": {}}
