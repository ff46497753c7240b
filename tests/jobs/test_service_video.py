"""The video analysis use case: a clip measured as a job, reused, failed, stored for a person."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kneechain.assess.protocols import constructed as c
from kneechain.assess.protocols.config import ProtocolConfig, default_config
from kneechain.errors import ErrorKind, KneechainError
from kneechain.services import people
from kneechain.services import video as service
from kneechain.services.context import ServiceContext
from kneechain.services.domain import Domain
from kneechain.settings import Settings
from kneechain.track.models import MeasurementRecord, MediaItemRecord, VideoAnalysisRecord
from kneechain.vision.trajectories import save
from tests.jobs.conftest import squat_npz
from tests.jobs.test_key import _knowledge_copy
from tests.protocols.shapes import clock, dips


@pytest.fixture()
def ctx(settings: Settings) -> Iterator[ServiceContext]:
    with ServiceContext.open(settings) as opened:
        yield opened


def test_a_clip_is_measured_once_and_kept_once(ctx: ServiceContext, squat_file: Path) -> None:
    request = service.ClipAnalysisRequest(video=squat_file, test_id="double_leg_squat")
    first = service.analyse_clip(ctx, request)
    again = service.analyse_clip(ctx, request)
    assert not first.reused and again.reused and again.job_id == first.job_id
    depth = {m.side: m.value for m in first.result.measurements if m.measure == "squat_depth"}
    assert depth == {"left": 90.0, "right": 90.0}
    assert first.frames == 330 and set(first.versions) >= {"engine", "knowledge", "pose"}
    assert service.job_status(ctx, first.job_id).status.value == "done"
    people.add(ctx, "Ann")
    kept = service.store_analysis(ctx, first)
    twice = service.store_analysis(ctx, again, person="Ann")
    assert kept.stored is not None and twice.stored is not None
    assert kept.stored.person == "Ann" and not kept.stored.already_stored
    assert twice.stored.already_stored and twice.stored.id == kept.stored.id
    with ctx.db() as db:
        assert db.scalar(select(func.count()).select_from(VideoAnalysisRecord)) == 1
        rows = db.scalar(select(func.count()).select_from(MeasurementRecord))
        assert rows == len(first.result.measurements)
        assert db.scalar(select(func.count()).select_from(MediaItemRecord)) == 1  # the clip


def test_a_clip_that_cannot_be_measured_raises_its_error(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a trajectories file")
    request = service.ClipAnalysisRequest(video=broken, test_id="double_leg_squat")
    with pytest.raises(KneechainError) as err:
        service.analyse_clip(ctx, request)
    assert err.value.kind is ErrorKind.bad_media and "broken.npz" in err.value.message
    with pytest.raises(KneechainError) as missing:
        service.job_status(ctx, "f" * 32)
    assert missing.value.kind is ErrorKind.not_found


def test_the_web_way_submit_then_poll(ctx: ServiceContext, squat_file: Path) -> None:
    request = service.ClipAnalysisRequest(video=squat_file, test_id="double_leg_squat", side="left")
    with service.local_runner(ctx) as runner:
        job = service.submit_clip(ctx, request, runner)
        runner.wait([job.id])
    done = service.job_status(ctx, job.id)
    out = service.analysis_of(ctx, done, request)
    assert out.job_id == job.id and {m.side for m in out.result.measurements} <= {"left", None}


@pytest.mark.slow
def test_a_real_clip_with_evidence_stored_for_a_person(ctx: ServiceContext, tmp_path: Path) -> None:
    from kneechain.assess.protocols.walker_clip import WALKER_BOX, cut_walker
    from kneechain.vision import sample_data

    demo = sample_data.demo_video()
    if demo is None:
        pytest.skip(f"real demo video unavailable: {sample_data.last_failure()}")
    clip = cut_walker(demo, tmp_path / "walker.mp4")
    request = service.ClipAnalysisRequest(
        video=clip,
        test_id="gait",
        person=WALKER_BOX,
        clip=False,
        evidence_dir=tmp_path / "evidence",
    )
    out = service.analyse_clip(ctx, request)
    pictures = sorted((tmp_path / "evidence").glob("*.png"))
    assert pictures and sorted(out.evidence_files) == pictures
    names = {p.name for p in pictures}
    for ev in out.result.evidence:  # every measurement's proof picture is there
        assert f"{ev.measure}{'_' + ev.side if ev.side else ''}_frame{ev.frame}.png" in names
    people.add(ctx, "Walker")
    kept = service.store_analysis(ctx, out, "Walker")
    assert kept.stored is not None and kept.stored.evidence_files == len(pictures)
    with ctx.db() as db:
        media = db.scalar(select(func.count()).select_from(MediaItemRecord))
    assert media == 1 + len(pictures)


def _more_squats_asked(reps: int) -> ProtocolConfig:
    """The packaged protocol parameters with the double-leg squat's `min_reps` changed."""
    packaged = default_config()
    squat = packaged.protocols.double_leg_squat.model_copy(update={"min_reps": reps})
    protocols = packaged.protocols.model_copy(update={"double_leg_squat": squat})
    return packaged.model_copy(update={"protocols": protocols})


@pytest.mark.parametrize("runner", ["in_process", "local"])
def test_the_callers_protocol_parameters_reach_the_worker_and_the_key(
    runner: str, settings: Settings, squat_file: Path
) -> None:
    """A domain with edited protocol parameters (8 squats asked instead of 3) gets its own job
    key and a result analysed with them, in this process and in a job worker alike; the
    packaged domain's result is neither reused for it nor replaced by it."""
    request = service.ClipAnalysisRequest(video=squat_file, test_id="double_leg_squat")
    edited = Domain(protocols=_more_squats_asked(8))

    def analysed(domain: Domain) -> service.ClipAnalysis:
        with (
            ServiceContext.open(settings, domain) as ctx,
            service.job_runner(ctx, runner=runner, workers=1) as jobs,
        ):
            return service.analyse_clip(ctx, request, runner=jobs)

    first = analysed(Domain.packaged())
    mine = analysed(edited)
    again = analysed(Domain.packaged())
    assert not first.reused and not mine.reused and again.reused
    assert mine.job_key != first.job_key and again.job_key == first.job_key
    asked = "Only 5 squat(s) found; do at least 8"
    assert any(asked in w for w in mine.result.warnings)
    assert not any("squat(s) found" in w for w in first.result.warnings + again.result.warnings)
    reps = {d.quality.repetitions for d in mine.result.details}
    assert reps and max(reps) < min(d.quality.repetitions for d in first.result.details)


#: the squat depth's plausible range in an edited knowledge copy: at most 80 degrees (160)
DEPTH_RANGE = (
    '{id: squat_depth, name: "Squat depth (knee flexion)", unit: deg, per_side: true, '
    'description: "Greatest knee bend reached.", valid_min: 0, valid_max: 160}',
    '{id: squat_depth, name: "Squat depth (knee flexion)", unit: deg, per_side: true, '
    'description: "Greatest knee bend reached.", valid_min: 0, valid_max: 80}',
)


@pytest.mark.parametrize("runner", ["in_process", "local"])
def test_the_callers_knowledge_base_reaches_the_protocol_in_the_worker(
    runner: str, settings: Settings, squat_file: Path, tmp_path: Path
) -> None:
    """The protocol checks a measure's plausible range against the caller's knowledge base,
    in this process and in a job worker alike: with the squat depth capped at 80 degrees the
    90-degree squats give no depth (the packaged base reports them), under their own key."""
    edited = Domain.from_folder(_knowledge_copy(tmp_path / "kb", DEPTH_RANGE))

    def analysed(domain: Domain) -> service.ClipAnalysis:
        with (
            ServiceContext.open(settings, domain) as ctx,
            service.job_runner(ctx, runner=runner, workers=1) as jobs,
        ):
            request = service.ClipAnalysisRequest(video=squat_file, test_id="double_leg_squat")
            return service.analyse_clip(ctx, request, runner=jobs)

    packaged, mine = analysed(Domain.packaged()), analysed(edited)
    assert not mine.reused and mine.job_key != packaged.job_key

    def depths(analysis: service.ClipAnalysis) -> list[float]:
        return [m.value for m in analysis.result.measurements if m.measure == "squat_depth"]

    assert depths(packaged) == [90.0, 90.0] and depths(mine) == []
    capped = "squat_depth (left): 90.0 deg is outside the plausible range 0.0 to 80.0"
    assert any(w.startswith(capped) for w in mine.result.warnings)


#: an edited filming instruction of the double-leg squat
ADVICE = (
    "Face the camera squarely; wear shorts so your knees are visible.",
    "Face the camera squarely; wear bright red shorts.",
)


@pytest.mark.parametrize("runner", ["in_process", "local"])
def test_a_refused_clip_gives_the_callers_filming_advice(
    runner: str, settings: Settings, tmp_path: Path
) -> None:
    """A clip without a squat is refused with the filming advice of the caller's knowledge
    base, in this process and in a job worker alike (the packaged advice otherwise)."""
    shallow = squat_npz(tmp_path / "clips", "shallow.npz", depth_deg=5.0)
    edited = Domain.from_folder(_knowledge_copy(tmp_path / "kb", ADVICE))

    def refused(domain: Domain) -> KneechainError:
        with (
            ServiceContext.open(settings, domain) as ctx,
            service.job_runner(ctx, runner=runner, workers=1) as jobs,
        ):
            request = service.ClipAnalysisRequest(video=shallow, test_id="double_leg_squat")
            with pytest.raises(KneechainError) as err:
                service.analyse_clip(ctx, request, runner=jobs)
            return err.value

    packaged, mine = refused(Domain.packaged()), refused(edited)
    assert packaged.message == mine.message and mine.message.startswith("No squat was found")
    assert mine.hint is not None and "wear bright red shorts" in mine.hint
    assert packaged.hint is not None and "wear shorts so your knees" in packaged.hint


#: the squat FPPA's plausible range in an edited knowledge copy: up to 80 degrees (60)
FPPA_RANGE = (
    '{id: squat_fppa, name: "Frontal plane projection angle at the deepest point", unit: deg, '
    'per_side: true, description: "Angle between thigh and shin seen from the front; positive '
    'when the knee falls inward.", valid_min: -40, valid_max: 60}',
    '{id: squat_fppa, name: "Frontal plane projection angle at the deepest point", unit: deg, '
    'per_side: true, description: "Angle between thigh and shin seen from the front; positive '
    'when the knee falls inward.", valid_min: -40, valid_max: 80}',
)


@pytest.mark.parametrize("runner", ["in_process", "local"])
def test_a_measurement_is_checked_against_the_callers_knowledge_base(
    runner: str, settings: Settings, tmp_path: Path
) -> None:
    """A 70-degree FPPA is beyond the packaged range (-40 to 60) but inside an edited copy's
    (-40 to 80): with the edited copy the measurement is made and kept, not refused by the case
    model's check against the packaged base (which failed the job as an unreadable clip)."""
    time = clock(11)
    depth = dips(time, 90.0, 5)
    traj = c.standing_front(time, depth=(depth, depth), fppa=(depth * 70 / 90, depth / 45))
    (tmp_path / "clips").mkdir()
    clip = save(traj, tmp_path / "clips" / "inward.npz")
    edited = Domain.from_folder(_knowledge_copy(tmp_path / "kb", FPPA_RANGE))

    def fppa(domain: Domain) -> dict[str | None, float]:
        with (
            ServiceContext.open(settings, domain) as ctx,
            service.job_runner(ctx, runner=runner, workers=1) as jobs,
        ):
            request = service.ClipAnalysisRequest(video=clip, test_id="double_leg_squat")
            out = service.analyse_clip(ctx, request, runner=jobs)
        return {m.side: m.value for m in out.result.measurements if m.measure == "squat_fppa"}

    assert fppa(Domain.packaged()) == {"right": 2.0}
    assert fppa(edited) == {"left": 70.0, "right": 2.0}
