"""Expected failures.

Every error a user can cause is a ``LiterateError``: the CLI prints its message as one line
and exits with code 2, never a traceback. Code raises the most specific subclass so tests
(and callers) can tell the cases apart.
"""

from __future__ import annotations


class LiterateError(Exception):
    """A failure with a message fit for one line of a terminal."""

    exit_code = 2


class InputNotFoundError(LiterateError):
    """A path the user named does not exist."""


class UnknownCorpusError(LiterateError):
    """A corpus name that is neither built in nor a path."""


class BadValueError(LiterateError):
    """A flag or argument value outside what it accepts."""


class CheckpointError(LiterateError):
    """A model or tokenizer directory that cannot be read."""


class OutputError(LiterateError):
    """An output that cannot be written (a folder or a file in the way, no permission, a
    read-only or virtual file system); the message names the path. No temporary file is
    left behind. ``literate read`` counts it against that input alone (exit 1)."""


class DocumentError(LiterateError):
    """An input file that cannot be read (damaged, unsupported, unreadable): that input fails
    alone, the others are still read, and the command exits 1."""

    exit_code = 1
