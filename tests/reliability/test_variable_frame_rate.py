"""A variable-frame-rate clip: the walker of the demo clip filmed as a phone does in failing
light, every frame for 2.7 s and then every third (30 then 10 frames a second), each frame at
its own time. Time-based measures (step times, cadence) must follow the frames' timestamps,
not their count at one nominal rate: the same steps are found as in the constant-rate clip.

The signal pieces are checked on their own too: a filter or a peak search whose spacing is a
number of rows at the clip's median rate loses the steps filmed at the lower rate."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kneechain.assess.protocols import constructed, gait, gait_events, signals, thomas
from kneechain.assess.protocols.config import default_config
from kneechain.assess.protocols.walker_clip import WALKER_BOX, cut_walker, pose_walker
from kneechain.services import video
from kneechain.services.context import ServiceContext
from kneechain.settings import Settings
from kneechain.vision.cleaning import (
    even_grid,
    hampel_mask,
    hampel_mask_at,
    lowpass,
    lowpass_at,
    reject_outliers,
    sampling_rate,
)
from kneechain.vision.evidence import write_overlay
from kneechain.vision.parallel import plan_pieces
from kneechain.vision.pipeline import PoseOptions, TimedFrames, analyse
from kneechain.vision.trajectories import from_points
from kneechain.vision.video import (
    FrameSource,
    frame_times,
    frames_by_time,
    iter_frames,
    probe,
    step_for_rate,
)
from kneechain.vision.view import estimate_view
from tests.reliability.hostile import variable_rate_walker
from tests.reliability.test_media_full import clip_file
from tests.vision.skeleton3d import seen

#: 30 frames a second for 3 s, then 10 a second for 3 s
UNEVEN = np.concatenate([np.arange(0, 3, 1 / 30), 3 + np.arange(0, 3, 1 / 10)])


def test_peaks_are_spaced_in_time_not_rows() -> None:
    """A 1 Hz swing: 6 peaks, 1 s apart, whatever the rate of each half."""
    found = signals.peaks(np.sin(2 * np.pi * (UNEVEN - 0.25)), UNEVEN, 0.5, 0.5)
    assert np.round(UNEVEN[found], 1).tolist() == [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]


def test_the_cutoff_is_a_frequency_in_time() -> None:
    """A 1.5 Hz swing passes a 4 Hz low-pass in both halves (a filter designed for the median
    30 Hz acts at 4/3 Hz on the 10 Hz half and flattens it)."""
    swing = np.sin(2 * np.pi * 1.5 * UNEVEN)
    kept = lowpass_at(swing, UNEVEN, 4.0, 2)
    slow = UNEVEN > 3.5
    assert np.max(np.abs(kept[slow] - swing[slow])) < 0.1
    assert even_grid(UNEVEN) is not None


def test_the_outlier_window_is_a_span_of_time() -> None:
    """A foot's quick kick of 0.2 s is motion in both halves (six rows at 30 a second, two at
    10), and a one-row glitch is an outlier in both: a window of 9 rows (0.3 s at the median
    30 a second) spans 0.9 s in the 10-a-second half, where the kick is a minority of its rows
    and was thrown away as if it were a glitch."""
    time = UNEVEN
    x = np.full(len(time), 300.0)
    for start in (1.0, 4.0):  # a kick in each half: 6 rows, then 2
        x[(time > start - 1e-9) & (time < start + 0.2 - 1e-9)] += 120.0
    glitch = int(np.searchsorted(UNEVEN, 5.0))
    x[glitch] += 200.0
    points = np.c_[x, np.full(len(x), 400.0)]
    traj = from_points({"left_ankle": points}, UNEVEN)
    out, count = reject_outliers(traj, 0.3, 5.0)
    assert count == 1
    assert np.flatnonzero(np.isnan(out.xy("left_ankle")[:, 0])).tolist() == [glitch]


@settings(max_examples=30, deadline=None)
@given(n=st.integers(12, 120), seed=st.integers(0, 2**16), half=st.integers(1, 5))
def test_the_time_window_on_even_rows_is_the_row_window(n: int, seed: int, half: int) -> None:
    """On evenly spaced rows, the time-windowed filter flags what the row-windowed one does
    (away from the clip's ends, where the row filter repeats the end value)."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=n).cumsum()
    values[rng.integers(0, n, 3)] += rng.choice([-8.0, 8.0], 3)
    time = np.arange(n) / 30.0
    by_rows = hampel_mask(values, 2 * half + 1, 3.0, 0.1)
    by_time = hampel_mask_at(values, time, half / 30.0, 3.0, 0.1)
    inner = slice(2 * half, n - 2 * half)  # the deviation is a median of medians
    assert np.array_equal(by_rows[inner], by_time[inner])


def _local_step(time: np.ndarray, row: int) -> float:
    return float(np.max(np.diff(time[max(row - 1, 0) : row + 2])))


def _in_the_middle(time: np.ndarray, a: int, key: int, b: int) -> bool:
    """The key row is within half a frame of the middle of rows a..b in time."""
    middle = (time[a] + time[b]) / 2
    return abs(time[key] - middle) <= _local_step(time, key) / 2 + 1e-9


def test_mid_stance_is_the_middle_in_time_side_view() -> None:
    """A walker on a treadmill seen from the side, filmed at 30 then 10 frames a second: each
    stance's key row (between contact and toe-off) is its middle in time, also for the stance
    over the change of rate (2.77-3.5 s), where the middle row was 0.17 s early."""
    traj = constructed.side_walker(UNEVEN)
    stances = gait_events.sagittal_stances(traj, np.ones(len(traj)), 400.0, 0.1, 0.25, 10.0)
    whole = [s for s in stances if s.off is not None]
    assert len(whole) >= 8 and any(s.contact < 90 < s.off for s in whole)  # one over the change
    for stance in whole:
        assert _in_the_middle(UNEVEN, stance.contact, stance.key, stance.off), stance


def test_mid_stance_is_the_middle_in_time_front_view() -> None:
    """Front view: the left heel lower from 2.8 s to 3.8 s, seen in rows 85-97 (2.83-3.7 s):
    its middle is row 93 (3.3 s), not row 91 (3.1 s), the middle of the rows."""
    dy = 100 * np.sin(np.pi * (UNEVEN - 2.8))  # left heel lower for 1 s in every 2 from 0.8 s
    zeros = np.zeros(len(UNEVEN))
    traj = from_points(
        {"left_heel": np.c_[zeros, 500 + dy / 2], "right_heel": np.c_[zeros, 500 - dy / 2]}, UNEVEN
    )
    stances = gait_events.frontal_stances(traj, 100.0, 0.02, 0.1, 6.0)
    assert stances
    for stance in stances:
        a, key, b = stance.contact, stance.key, stance.off
        assert b is not None and _in_the_middle(UNEVEN, a, key, b), stance
    over = next(s for s in stances if s.contact < 90 < (s.off or 0))
    assert (over.contact, over.key, over.off) == (85, 93, 97)


def test_a_hold_is_keyed_at_its_middle_in_time() -> None:
    """Thomas test: a still hold from 2 s to 5 s (over the change of rate) is read at 3.5 s,
    the middle of the hold, not at the middle of its rows (3.0 s)."""
    thigh = np.interp(UNEVEN, [0, 1.5, 2, 5, 5.5, 6], [40, 40, 10, 10, 40, 40])
    traj = constructed.lying_thomas(UNEVEN, thigh, 60.0)
    result = thomas.analyse(traj, default_config(), side="left")
    held = [r for r in result.repetitions if abs(r.values["thomas_thigh_angle"] - 10) < 1]
    assert len(held) == 1
    a, key, b = held[0].start_frame, held[0].key_frame, held[0].end_frame  # rows: frames 0..
    assert UNEVEN[a] < 2.5 and UNEVEN[b] > 4.5, (UNEVEN[a], UNEVEN[b])
    assert _in_the_middle(UNEVEN, a, key, b), (UNEVEN[a], UNEVEN[key], UNEVEN[b])


def test_balance_gaps_and_settling_are_spans_of_time() -> None:
    """Single-leg balance: a touch-down of 0.3 s in the 10-a-second half (3 rows) is not
    bridged by the 0.2 s bridge (6 rows at the median 30 a second), one of 0.1 s (1 row) is;
    the sway starts 0.5 s after the lift (5 rows there, not 15)."""
    lifted = np.ones(len(UNEVEN), bool)
    short, long = int(np.searchsorted(UNEVEN, 3.5)), int(np.searchsorted(UNEVEN, 4.5))
    lifted[short] = False
    lifted[long : long + 3] = False
    bridged = signals.bridge_at(lifted, UNEVEN, 0.2)
    assert signals.runs(bridged) == [(0, long), (long + 3, len(UNEVEN))]
    start = int(np.searchsorted(UNEVEN, 3.2))
    assert UNEVEN[signals.row_after(UNEVEN, start, 0.5)] == pytest.approx(3.7)
    even = np.arange(180) / 30
    assert signals.row_after(even, 10, 0.5) == 25
    assert signals.runs(signals.bridge_at(~(np.arange(20) % 7 == 3), even[:20], 0.04)) == [(0, 20)]


@settings(max_examples=60, deadline=None)
@given(
    fps=st.sampled_from([10.0, 25.0, 29.97, 30.0, 60.0]),
    a=st.integers(0, 60),
    length=st.integers(0, 60),
    seed=st.integers(0, 2**16),
)
def test_the_middle_of_evenly_spaced_rows_is_as_before(
    fps: float, a: int, length: int, seed: int
) -> None:
    """Jitter within a tenth of a step: the middle row in time is `(a + b) // 2`."""
    rng = np.random.default_rng(seed)
    time = np.arange(130) / fps + rng.uniform(-0.05, 0.05, 130) / fps
    assert signals.middle_row(time, a, a + length) == (2 * a + length) // 2


def _turning(time: np.ndarray, at_s: float):  # type: ignore[no-untyped-def]
    """A person seen from the front who turns their side to the camera at `at_s`."""
    front, _ = seen(0.0, time)
    side, _ = seen(90.0, time)
    turn = int(np.searchsorted(time, at_s - 1e-9))
    return replace(front, world=np.concatenate([front.world[:turn], side.world[turn:]]))


def test_view_phases_are_windows_of_time() -> None:
    """A turn at 4 s, in the 10-a-second half: the side-on phase starts at 4 s (windows of
    0.5 s), not at 4.5 s (15 rows at the median 30 a second are 1.5 s there)."""
    phases = estimate_view(_turning(UNEVEN, 4.0)).phases
    assert len(phases) == 2 and abs(phases[1].bearing_deg - 90) < 1
    assert UNEVEN[phases[1].start_row] == pytest.approx(4.0)


def test_view_windows_and_looks_follow_the_posed_rows_not_the_video_rate() -> None:
    """Every third frame of a 30-a-second video posed (10 rows a second, as the protocols
    that read held positions do): the same rows give the same phases and uncertainty as a
    video filmed at 10 a second; with the video's 30 a second, a window was 1.5 s (the turn
    at 2 s found at 1.5 s) and a second of frames 4/3 of an independent look."""
    time = np.arange(0, 6, 0.1)
    ten = _turning(time, 2.0)
    thirty = replace(ten, meta=ten.meta.model_copy(update={"fps": 30.0}))
    for traj in (ten, thirty):
        phases = estimate_view(traj).phases
        assert len(phases) == 2 and time[phases[1].start_row] == pytest.approx(2.0)
    noisy, _ = seen(30.0, time, world_noise_m=0.03, seed=4)
    posed_every_third = replace(noisy, meta=noisy.meta.model_copy(update={"fps": 30.0}))
    assert noisy.meta.fps == pytest.approx(10.0)
    assert estimate_view(posed_every_third).sigma_deg == estimate_view(noisy).sigma_deg


def _uneven_clip(path: Path, time: np.ndarray) -> Path:
    """A small H.264 clip whose frames lie at `time` (multiples of 1/30 s), written by PyAV."""
    import fractions

    import av

    tick = fractions.Fraction(1, 30)
    with av.open(str(path), "w") as box:
        stream = box.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.codec_context.time_base = tick
        stream.codec_context.thread_count = 1
        for i, t in enumerate(time):
            picture = av.VideoFrame.from_ndarray(np.full((120, 160, 3), 5 * i, np.uint8), "bgr24")
            picture.pts, picture.time_base = round(t * 30), tick
            box.mux(stream.encode(picture))
        box.mux(stream.encode())
    return path


@pytest.mark.parametrize("suffix", [".webm", ".mp4"])
def test_the_annotated_clip_plays_each_frame_at_its_time(tmp_path: Path, suffix: str) -> None:
    """The annotated clip of a variable-rate clip keeps its frames' times (to the
    millisecond, from the first analysed frame): a second at 30 frames then a second at 10
    plays 2 s long, not 40 frames at one average rate (1.33 s at 30)."""
    time = np.concatenate([np.arange(0, 1, 1 / 30), 1 + np.arange(0, 1, 1 / 10)])
    clip = _uneven_clip(tmp_path / "uneven.mp4", time)
    assert np.allclose([f.time for f in iter_frames(clip)], time, atol=1e-3)
    knee = np.c_[80 + 10 * np.sin(time), 60 + 0 * time]
    traj = from_points({"left_knee": knee, "left_hip": knee - [0, 30]}, time, (160, 120))
    out = write_overlay(clip, traj, {}, tmp_path / f"annotated{suffix}")[0]
    read = np.array([f.time for f in iter_frames(out)])
    assert len(read) == len(time)
    assert np.allclose(read - read[0], time - time[0], atol=1.5e-3), read


def test_a_gap_over_the_change_of_rate_is_filled_along_time() -> None:
    """A knee angle rising steadily in time, unseen from 2.5 s to 3.5 s (15 rows at 30 a
    second, then 5 at 10): the detection signal follows the rise in time; filled along rows,
    it read 3/4 of the way up at 3 s instead of halfway."""
    angle = 10.0 * UNEVEN
    seen_angle = np.where((UNEVEN > 2.5) & (UNEVEN < 3.5), np.nan, angle)
    assert np.allclose(signals.fill(seen_angle, UNEVEN), angle)
    assert np.allclose(signals.smooth(seen_angle, UNEVEN, 6.0), angle, atol=0.05)


def test_the_view_fit_reads_frames_evenly_spaced_in_time(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The view's 3D fit reads at most 60 frames of a phase, evenly spaced in time (the fit
    smooths the joints' motion with one time step): about every 0.1 s in both halves, not
    every second row (1/15 s, then 0.2 s)."""
    from kneechain.vision import view

    seen_times: list[np.ndarray] = []

    def record(thin):  # type: ignore[no-untyped-def]
        seen_times.append(thin.time)
        raise ValueError("recorded")

    monkeypatch.setattr(view.fit3d, "fit", record)
    traj, _ = seen(0.0, UNEVEN)
    assert view.fitted_bearing(traj)[2] == 0
    steps = np.diff(seen_times[0])
    assert len(seen_times[0]) <= view.FIT_MAX_ROWS
    assert steps.max() <= 1.5 * steps.min(), (steps.min(), steps.max())
    even = np.arange(300) / 30
    assert np.array_equal(view.thin_rows(even, 60), np.arange(0, 300, 5))


@settings(max_examples=40, deadline=None)
@given(
    fps=st.sampled_from([10.0, 25.0, 29.97, 30.0, 60.0]),
    n=st.integers(20, 200),
    seed=st.integers(0, 2**16),
)
def test_evenly_spaced_rows_are_filtered_as_before(fps: float, n: int, seed: int) -> None:
    """Jitter within a quarter of a step (a phone's timing) keeps the plain filter, unchanged."""
    rng = np.random.default_rng(seed)
    time = np.arange(n) / fps + rng.uniform(-0.1, 0.1, n) / fps
    values = rng.normal(size=n).cumsum()
    assert even_grid(time) is None
    assert np.array_equal(
        lowpass_at(values, time, 3.0, 2), lowpass(values, sampling_rate(time), 3.0, 2)
    )


def _cadence(result):  # type: ignore[no-untyped-def]
    return next(m for m in result.measurements if m.measure == "cadence")


@pytest.fixture(scope="module")
def walks(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The variable-rate clip with its frames' true times, and the constant-rate clip's
    cadence (the reference)."""
    folder = tmp_path_factory.mktemp("vfr")
    source = clip_file(folder)
    clip, true_times = variable_rate_walker(source, folder)
    constant = gait.analyse(
        pose_walker(cut_walker(source, folder / "cfr.mp4"), WALKER_BOX), default_config()
    )
    return clip, true_times, _cadence(constant)


def _same_steps(got, want, true_times: list[float]) -> None:  # type: ignore[no-untyped-def]
    """Every step is found in the 10-a-second half too, at the same time (within one frame)."""
    step_times = [true_times[row] for row in got.source.frames]
    assert got.repetitions == want.repetitions, (step_times, want.source.frames)
    assert np.allclose(step_times, np.array(want.source.frames) / 30, atol=0.1 + 1e-6)
    assert abs(got.value - want.value) <= 5, (got.value, want.value)


@pytest.mark.slow
def test_a_variable_rate_walk_gives_the_steps_of_the_constant_rate_one(walks) -> None:  # type: ignore[no-untyped-def]
    clip, true_times, want = walks
    info = probe(clip)
    # OpenCV reports an average rate (about 20 frames a second: neither 30 nor 10) and the
    # right count...
    assert info.frame_count == len(true_times) and 15 < info.fps < 25
    # ...and each frame's own time, read on or after a seek (pose chunks start mid-clip)
    read = [f.time for f in iter_frames(clip)]
    assert np.allclose(read, true_times, atol=1e-3)
    assert np.allclose([f.time for f in iter_frames(clip, start=90)], true_times[90:], atol=1e-3)
    traj = pose_walker(clip, WALKER_BOX)
    assert np.allclose(traj.time, true_times, atol=1e-3)
    _same_steps(_cadence(gait.analyse(traj, default_config())), want, true_times)


@pytest.mark.slow
def test_a_variable_rate_upload_analysed_as_a_job(walks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The way the web analyses an upload: a job on worker processes, the person found by
    the survey (no box), the clip posed in pieces that start with a seek."""
    clip, true_times, want = walks
    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    with ServiceContext.open(settings) as ctx:
        runner = video.local_runner(ctx)
        try:
            request = video.ClipAnalysisRequest(video=clip, test_id="gait", clip=False)
            analysed = video.analyse_clip(ctx, request, runner=runner)
        finally:
            runner.close()
    _same_steps(_cadence(analysed.result), want, true_times)


def test_frames_for_a_rate_are_chosen_by_time() -> None:
    """At 10 posed frames a second: every third frame of the 30-a-second half and every frame
    of the 10-a-second one, each 0.1 s after the last (every second frame by count at the
    clip's average rate left 0.2 s gaps in the slower half)."""
    chosen = list(frames_by_time(UNEVEN, 0.1))
    assert np.allclose(np.diff(UNEVEN[chosen]), 0.1)
    assert set(np.flatnonzero(UNEVEN > 3 - 1e-9)) <= set(chosen)


@settings(max_examples=60, deadline=None)
@given(
    fps=st.sampled_from([10.0, 15.0, 24.0, 25.0, 29.97, 30.0, 50.0, 59.94, 60.0, 120.0]),
    n=st.integers(0, 400),
    rate=st.sampled_from([5.0, 10.0, 12.5, 15.0]),
)
def test_on_evenly_spaced_frames_they_are_the_frames_of_the_step(
    fps: float, n: int, rate: float
) -> None:
    """The rule by time picks on a constant-rate clip the frames the step by count picks."""
    step = step_for_rate(fps, rate)
    assert frames_by_time(np.arange(n) / fps, 1 / rate) == tuple(range(0, n, step))


def test_a_variable_rate_clip_is_posed_by_time(tmp_path: Path) -> None:
    """The frames a test posing 10 frames a second poses are chosen from the frames' times
    (the packets, no decoding): the pose pieces lie on them,
    each reads exactly its frames (also after a seek) and its warm-up frames are chosen ones;
    a constant-rate clip keeps its steps by count."""
    clip = _uneven_clip(tmp_path / "uneven.mp4", UNEVEN)
    info = probe(clip)
    assert np.allclose(frame_times(clip), UNEVEN, atol=1e-3)
    timed = TimedFrames.of(info, PoseOptions(pose_rate_hz=10))
    posed = UNEVEN[list(timed.posed)]
    assert np.diff(posed).max() < 0.1 + 1e-3 and np.diff(posed).min() > 0.1 - 1e-3
    assert timed.posed_rate() == pytest.approx(10.0, abs=0.01)
    assert TimedFrames.of(info, PoseOptions(pose_rate_hz=10, every=2)).posed == ()
    pieces = plan_pieces([(0, 60), (60, info.frame_count)], 1, timed.posed)
    assert [a for a, _ in pieces] == [0, 60] and pieces[-1][1] == info.frame_count
    source = FrameSource(clip)
    try:
        read = [f.index for a, b in pieces[::-1] for f in source.frames(a, b, 1, timed.posed)]
    finally:
        source.close()
    assert sorted(read) == list(timed.posed)
    constant = _uneven_clip(tmp_path / "constant.mp4", np.arange(120) / 30)
    assert TimedFrames.of(probe(constant), PoseOptions(pose_rate_hz=10)) == TimedFrames()


@pytest.mark.slow
def test_frames_chosen_by_time_are_posed_the_same_in_any_process(tmp_path: Path) -> None:
    """Pieces of frames chosen by time, with their warm-up frames, posed by the calling
    process alone and shared with a helper at random delays: the same rows, bit for bit."""
    from kneechain.vision.models import Models
    from kneechain.vision.parallel import PosePool
    from kneechain.vision.pose import PoseJob

    clip, _ = variable_rate_walker(clip_file(tmp_path), tmp_path)
    timed = TimedFrames.of(probe(clip), PoseOptions(pose_rate_hz=10))
    job = PoseJob(chosen=timed.posed)
    pieces = plan_pieces([(0, 40), (40, 75), (75, probe(clip).frame_count)], 1, timed.posed)
    results = []
    for helpers, delay in ((0, 0.0), (1, 0.3)):
        pool = PosePool(Models(), helpers=helpers, delay_s=delay)
        try:
            results.append(pool.run(clip, pieces, job, None))
        finally:
            pool.close()
            pool.models.release()
    alone, shared = results
    assert np.concatenate([p.frame for p in alone]).tolist() == list(timed.posed)
    for a, b in zip(alone, shared, strict=True):
        np.testing.assert_array_equal(a.xy, b.xy)
        np.testing.assert_array_equal(a.time, b.time)


@pytest.mark.slow
def test_a_variable_rate_clip_is_posed_ten_times_a_second(tmp_path: Path) -> None:
    """A test that reads held positions at 10 posed frames a second gets them on a
    variable-rate clip too: every frame of the 10-a-second part, not every second one (0.2 s
    apart) as the step by count at the average 20.5 frames a second chose; the provenance
    says so."""
    clip, true_times = variable_rate_walker(clip_file(tmp_path), tmp_path)
    options = PoseOptions(
        person=WALKER_BOX, pose_rate_hz=10, workers=1, overlay=False, key_frames=False
    )
    analysis = analyse(clip, options)
    gaps = np.diff(analysis.raw.time)
    assert gaps.max() < 0.1 + 1e-3 and gaps.min() > 0.1 - 1e-3
    assert analysis.raw.frame[-1] == len(true_times) - 1
    pose = next(s for s in analysis.raw.meta.provenance if s.name == "pose").params
    assert pose["frames_by_time"] is True and pose["every"] == 1
    assert pose["analysed_fps"] == pytest.approx(10.0, abs=0.05)


def test_the_trc_data_rate_is_the_rows_rate(tmp_path: Path) -> None:
    """OpenSim reads each row's time from the TRC's Time column; a reader that counts rows
    at `DataRate` must reach the same times: rows posed 10 a second of a 30-a-second clip
    say 10 (the video's 30 stays in CameraRate), variable-rate rows their average rate."""
    from kneechain.vision import export

    def header(time: np.ndarray, fps: float) -> list[str]:
        traj = from_points({"left_knee": np.c_[time, time]}, time)
        traj = replace(traj, meta=traj.meta.model_copy(update={"fps": fps}))
        lines = export.to_trc(traj, tmp_path / "p.trc").read_text().splitlines()
        assert [float(r.split("\t")[1]) for r in lines[6:]] == pytest.approx(time, abs=1e-5)
        return lines[2].split("\t")

    rate, camera, count = header(np.arange(30) / 10, 30.0)[:3]
    assert (rate, camera, count) == ("10.00", "30.00", "30")
    rate, camera = header(UNEVEN, 20.5)[:2]
    assert float(rate) == pytest.approx((len(UNEVEN) - 1) / (UNEVEN[-1] - UNEVEN[0]), abs=0.01)
    assert camera == "20.50"
