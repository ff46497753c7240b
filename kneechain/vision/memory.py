"""Keeping a pose process's memory flat however many pieces of video it poses.

MediaPipe runs each graph on its own threads, and glibc gives every thread its own memory
arena; after a graph is closed the arenas keep their pages, fragmented, so each new piece of
video grew a process by about 30 MB (six pieces: 333 -> 489 MB peak). With at most two arenas
and the freed pages handed back after each piece, six pieces stay at 363 MB. Both calls are
glibc's (Linux); elsewhere they do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

M_ARENA_MAX = -8


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    if libc is None or not hasattr(libc, "mallopt") or not hasattr(libc, "malloc_trim"):
        return None
    return libc


def limit_arenas(count: int = 2) -> bool:
    """Cap glibc's malloc arenas for this process (call before the model threads start)."""
    libc = _libc()
    return bool(libc and libc.mallopt(M_ARENA_MAX, count))


def give_back() -> bool:
    """Return freed heap pages to the system (after a piece's model is closed)."""
    libc = _libc()
    return bool(libc and libc.malloc_trim(0))
