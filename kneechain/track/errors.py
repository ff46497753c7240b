"""One error type for everything the user can fix: its message says what is wrong and what to do."""

from __future__ import annotations


class TrackError(ValueError):
    """Bad input to the tracker (unknown person, out-of-range value, malformed file)."""


class StorageError(RuntimeError):
    """The database or media store cannot be used as configured."""
