"""TrainingClock: training seconds carried across a resume through the trainer state."""

from transformers import TrainerControl, TrainerState, TrainingArguments

from literate.clock import TrainingClock


def begin(clock: TrainingClock, state: TrainerState) -> None:
    clock.on_train_begin(TrainingArguments("unused", report_to="none"), state, TrainerControl())


def test_a_resumed_run_starts_from_the_checkpoint_seconds():
    saved = TrainingClock(before=120.0).state()  # as a checkpoint's trainer state holds it
    state = TrainerState(global_step=8)
    state.stateful_callbacks = {"TrainingClock": saved}
    clock = TrainingClock()
    begin(clock, state)
    assert clock.before == 120.0
    assert clock.seconds >= 120.0
    assert clock.state()["args"]["before"] >= 120.0


def test_a_fresh_run_starts_at_zero_and_stops_at_the_end():
    state = TrainerState(global_step=0, stateful_callbacks=[TrainingClock(before=50.0)])
    clock = TrainingClock()
    begin(clock, state)
    assert clock.before == 0.0  # nothing trained yet: a stored value is the initial state
    clock.on_train_end(None, state, TrainerControl())
    first = clock.this_run
    assert clock.this_run == first == clock.seconds  # stopped at the end: saving is not counted


def test_a_checkpoint_from_before_the_clock_gets_an_entry():
    state = TrainerState(global_step=4)
    state.stateful_callbacks = {}  # written before TrainingClock existed
    clock = TrainingClock()
    begin(clock, state)
    assert clock.before == 0.0
    assert "TrainingClock" in state.stateful_callbacks  # the Trainer's next save looks it up
