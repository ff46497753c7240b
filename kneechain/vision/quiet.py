"""Keeping the pose model's start-up lines off the console.

MediaPipe's C++ code and TensorFlow Lite write start-up notices straight to file descriptor 2
(graph set-up warnings, the XNNPACK delegate notice) before any logging is configured; they
are harmless and no setting turns them off. Models are therefore created and warmed up with
fd 2 pointed at the null device for that moment, and helper processes, which report their
errors to the main process through a queue, keep it there. Anything written to stderr by
other threads during such a moment is lost, so the moment is kept short (model start-up
only) and kneechain's own progress display draws from the main thread.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def silenced() -> Iterator[None]:
    """File descriptor 2 goes to the null device inside the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def silence_for_good() -> None:
    """File descriptor 2 goes to the null device from now on (helper processes)."""
    sys.stderr.flush()
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
