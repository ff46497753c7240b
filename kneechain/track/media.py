"""A content-addressed file store: each file lives once under its SHA-256, in a two-level tree."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from kneechain.track.errors import StorageError, TrackError

#: the errors of a full disk or an exhausted quota
FULL = (errno.ENOSPC, errno.EDQUOT)

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks so large videos do not fill memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_hash(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise TrackError(f"{sha256!r} is not a SHA-256 hash (64 lowercase hex characters)")
    return sha256


class MediaStore:
    """Files addressed by content hash under `root` (created on first write)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        digest = _check_hash(sha256)
        return self.root / digest[:2] / digest[2:]

    def __contains__(self, sha256: object) -> bool:
        return isinstance(sha256, str) and self.path_for(sha256).is_file()

    def put_file(self, source: Path) -> str:
        """Copy `source` into the store (atomically) and return its hash."""
        if not source.is_file():
            raise TrackError(f"media file {source} does not exist or is not a file")
        digest = sha256_file(source)
        if digest not in self:
            self._write(digest, lambda tmp: shutil.copyfile(source, tmp))
        return digest

    def put_bytes(self, data: bytes) -> str:
        """Store `data` and return its hash."""
        digest = hashlib.sha256(data).hexdigest()
        if digest not in self:
            self._write(digest, lambda tmp: Path(tmp).write_bytes(data))
        return digest

    def read_bytes(self, sha256: str) -> bytes:
        path = self.path_for(sha256)
        if not path.is_file():
            raise TrackError(f"media {sha256} is missing from the store at {self.root}")
        return path.read_bytes()

    def _write(self, digest: str, fill: object) -> None:
        target = self.path_for(digest)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        except OSError as exc:
            if exc.errno in FULL:
                raise storage_full() from exc
            raise
        os.close(fd)
        try:
            fill(tmp)  # type: ignore[operator]
            os.replace(tmp, target)
        except OSError as exc:
            if exc.errno in FULL:
                raise storage_full() from exc
            raise
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def remove_unreferenced(self, candidates: Iterable[str], still_used: set[str]) -> list[str]:
        """Delete the candidate files no record refers to any more; return the hashes removed."""
        removed = []
        for digest in sorted(set(candidates) - still_used):
            path = self.path_for(digest)
            if path.is_file():
                path.unlink()
                removed.append(digest)
        return removed


def storage_full() -> StorageError:
    """The plain-words error of a full disk (or quota) where media are kept: nothing of the
    file is left behind, and what was stored before is untouched."""
    return StorageError(
        "There is no room left to store this file: the media storage is full.",
        code="storage.full",
        hint="Nothing was stored and earlier files are kept; free some space, then try again.",
    )
