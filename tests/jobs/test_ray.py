"""The Ray runner end to end on this machine (`ray.init()` started locally): jobs done,
bad input failed once, progress events, the same key not computed twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from kneechain.errors import ErrorKind
from kneechain.jobs.models import ClipRequest, JobEvent, JobStatus
from kneechain.jobs.runner import open_runner
from kneechain.settings import Settings
from kneechain.track.db import Store
from tests.jobs.conftest import squat_npz


@pytest.mark.slow
def test_ray_runner_end_to_end(store: Store, settings: Settings, tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    clips = tmp_path / "clips"
    good = [squat_npz(clips, f"s{depth:.0f}.npz", depth) for depth in (70.0, 90.0)]
    broken = clips / "broken.npz"
    broken.write_bytes(b"nope")
    events: list[JobEvent] = []
    with open_runner(settings, store, runner="ray", workers=2) as runner:
        assert ray.is_initialized()
        requests = [ClipRequest(video=p, test_id="double_leg_squat") for p in [*good, broken]]
        views = runner.run(requests, on_event=events.append)
        again = runner.run(requests[:1])
    assert not ray.is_initialized()  # started here, so shut down with the runner
    assert [v.status for v in views] == [JobStatus.done, JobStatus.done, JobStatus.failed]
    depths = [
        next(
            m["value"]
            for m in v.result["protocol"]["measurements"]
            if m["measure"] == "squat_depth"
        )
        for v in views[:2]
    ]
    assert depths == [70.0, 90.0]
    error = views[2].error
    assert error is not None and error.kind is ErrorKind.bad_media and views[2].attempts == 1
    assert again[0].id == views[0].id and again[0].attempts == 1
    assert {e.status for e in events} >= {JobStatus.running, JobStatus.done, JobStatus.failed}
