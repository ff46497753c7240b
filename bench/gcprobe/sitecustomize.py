"""Garbage-collector pauses of every Python process started with this folder on PYTHONPATH
and KNEECHAIN_BENCH_GC_LOG set (bench/load.py does it for the server it starts, supervisor and
workers): each collection is appended, as it ends, to `$KNEECHAIN_BENCH_GC_LOG.<pid>` as one
line "wall-clock end (s)  generation  duration (s)". One write per collection, not a summary at
exit: uvicorn ends its processes by re-raising SIGTERM, which skips exit handlers."""

from __future__ import annotations

import gc
import os
import time

_LOG = os.environ.get("KNEECHAIN_BENCH_GC_LOG")

if _LOG:
    _fd = os.open(f"{_LOG}.{os.getpid()}", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    _started = [0.0]

    def _collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            _started[0] = time.perf_counter()
            return
        took = time.perf_counter() - _started[0]
        os.write(_fd, f"{time.time():.6f} {info['generation']} {took:.7f}\n".encode())

    gc.callbacks.append(_collection)
