"""Clips that are readable videos but cannot give the test's measurement, analysed as jobs the
way the web's uploads are: only a head (no legs), and several people none of whom moves. Each
ends as a clear error or a result; the worker survives (the next job runs on it) and a failed
job keeps no result folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from kneechain.errors import KneechainError
from kneechain.services import video
from kneechain.services.context import ServiceContext
from kneechain.settings import Settings
from tests.reliability.hostile import head_only, still_people, tiny_clip
from tests.reliability.test_media_full import clip_file


@pytest.mark.slow
def test_clips_without_a_measurable_person(tmp_path: Path) -> None:
    source = clip_file(tmp_path)
    folder = tmp_path / "clips"
    folder.mkdir()
    clips = {
        "head-only": head_only(source, folder),
        "still-people": still_people(source, folder),
        "nobody": tiny_clip(folder),
    }
    with ServiceContext.open(Settings(data_dir=tmp_path / "data", database_url=None)) as ctx:
        runner = video.local_runner(ctx)
        try:
            outcomes = {}
            for name, path in clips.items():
                request = video.ClipAnalysisRequest(video=path, test_id="gait", clip=False)
                try:
                    outcomes[name] = video.analyse_clip(ctx, request, runner=runner)
                except KneechainError as error:
                    outcomes[name] = error
                    assert error.message and "Traceback" not in error.text(), name
                    job = runner.submit(request.job_request())  # the same job, as stored
                    assert job.status.value == "failed" and job.result_ref is None, name
        finally:
            runner.close()
    assert isinstance(outcomes["nobody"], KneechainError)
    assert all(
        isinstance(v, KneechainError) or v.result.measurements is not None
        for v in outcomes.values()
    )
