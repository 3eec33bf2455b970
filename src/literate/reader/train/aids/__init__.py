"""Aids for training a reader from scratch (see docs/reader-training.md for what each
measured): an image-signal start and probe, a positional resampler start, neighbour heads,
a glyph head and loss, guided attention, and forward hooks."""
