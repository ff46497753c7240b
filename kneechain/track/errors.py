"""The tracker's error families: both are `KneechainError`s (see `kneechain.errors`)."""

from __future__ import annotations

from kneechain.errors import ErrorKind, MessageError


class TrackError(MessageError, ValueError):
    """Bad input to the tracker (unknown person, out-of-range value, malformed file)."""

    default_code = "track.invalid"
    default_kind = ErrorKind.invalid_input


class StorageError(MessageError, RuntimeError):
    """The database or media store cannot be used as configured."""

    default_code = "storage.unavailable"
    default_kind = ErrorKind.unavailable
