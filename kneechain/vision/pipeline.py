"""The library call behind `kneechain pose`: video in, trajectories, angles and evidence out.

    analysis = analyse(Path("squat.mp4"), PoseOptions())          # in memory
    analysis = run_pose(Path("squat.mp4"), Path("out/"), PoseOptions())  # and written

Steps: probe the video; sample it about twice a second to find every person and judge light
and focus; choose the person (the user's box or the test's subject); pose every frame once
(in pieces over the cores), on a crop following that person when several are in view; drop
frames whose skeleton is not theirs; judge the clip; clean; compute angles. `write_outputs`
writes into a temporary folder and moves it into place only when everything succeeded, so a
failed run never leaves a half-written result.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from kneechain.vision import angles3d, export, followed, summary
from kneechain.vision.angles import angle_table, body_height
from kneechain.vision.belongs import limb_outliers, off_track, ranges
from kneechain.vision.cleaning import CleaningConfig, CleaningReport, clean, even_grid
from kneechain.vision.errors import VideoError
from kneechain.vision.evidence import write_key_frames, write_overlay
from kneechain.vision.parallel import plan_pieces
from kneechain.vision.person import Box, PersonChoice, choose_person, followed_trail
from kneechain.vision.pose import PoseJob, RawPose, join, to_trajectories
from kneechain.vision.quality import QualityConfig, check_clip
from kneechain.vision.runner import VisionRunner
from kneechain.vision.stash import FrameStash
from kneechain.vision.subject import Subject
from kneechain.vision.survey import POSED_SUBJECTS, SurveyJob
from kneechain.vision.trajectories import ProcessingStep, Trajectories, save
from kneechain.vision.video import (
    REFILM,
    VideoInfo,
    frame_times,
    frames_by_time,
    probe,
    read_frame,
    sha256_of,
    step_for_rate,
)
from kneechain.vision.view import ViewEstimate, estimate_view

ProgressHook = Callable[[str, int, int], None]
"""progress(stage, advance, total): called with advance=0 first to announce a stage's total."""


class PoseOptions(BaseModel):
    """Everything `kneechain pose` can be told."""

    model_config = ConfigDict(frozen=True)

    person: tuple[int, int, int, int] | None = Field(None, description="x, y, w, h in pixels.")
    every: int = Field(1, ge=1, description="Analyse every N-th frame.")
    pose_rate_hz: float | None = Field(
        None,
        gt=0,
        description="Frames per second the analysis needs (a test's declared rate): every "
        "N-th frame is posed, the largest N that keeps this rate (never fewer than `every`).",
    )
    workers: int = Field(0, ge=0, description="Pose processes; 0 means one per core.")
    backend: str = "mediapipe"
    max_side: int = Field(0, ge=0, description="Shrink larger frames before pose (0: never).")
    overlay: bool = True
    keep_frames: bool = Field(
        False,
        description="Keep downsized copies of the posed frames (PoseAnalysis.frames) for an "
        "annotated clip written later, so the video is not decoded again.",
    )
    key_frames: bool = True
    fit_3d: bool = Field(
        False,
        description="Fit a 3D skeleton to the whole clip and add its knee flexion, hip "
        "flexion and knee frontal-plane angles with their +- (angles3d.py) to the angles. "
        "Off unless asked: with the refits that find its second answers it costs about twice "
        "the posing time (bench/pose_throughput.py, 2026-11-30), for values of +-13-14 "
        "degrees.",
    )
    sample_interval_s: float = Field(0.5, gt=0, description="Time between person-search samples.")
    subject: Subject = Field(
        "any", description="What the test's subject does, to tell them from other people."
    )
    cleaning: CleaningConfig = CleaningConfig()
    quality: QualityConfig = QualityConfig()


@dataclass(frozen=True)
class PoseAnalysis:
    """Everything one run found."""

    info: VideoInfo
    raw: Trajectories
    clean: Trajectories
    angles: dict[str, np.ndarray]
    cleaning: CleaningReport
    person: PersonChoice
    warnings: list[str]
    body_height_px: float
    brightness: float
    sharpness: float
    timings: dict[str, float] = field(default_factory=dict)
    frames: FrameStash | None = None  # the posed frames, downsized (PoseOptions.keep_frames)
    view: ViewEstimate | None = None  # where the camera stood (with PoseOptions.fit_3d)


def _pose_ranges(
    runner: VisionRunner,
    info: VideoInfo,
    job: PoseJob,
    ranges: list[tuple[int, int]],
    stage: str,
    progress: ProgressHook | None,
) -> list[RawPose]:
    """The ranges posed in pieces on a grid that depends on them alone (parallel.py), so
    the result is the same whatever the runner's number of processes."""
    pieces = plan_pieces(ranges, job.every, job.chosen)
    if job.chosen:
        total = sum(sum(a <= f < b for f in job.chosen) for a, b in ranges)
    else:
        total = sum(-(-(b - a) // job.every) for a, b in ranges)
    if progress:
        progress(stage, 0, total)
    tick = (lambda n: progress(stage, n, total)) if progress else None
    return runner.pose(info.path, pieces, job, tick)


@dataclass(frozen=True)
class TimedFrames:
    """The frames to pose chosen by time on a clip whose frames are unevenly spaced (a
    variable frame rate) when a test asks for a rate; empty on an evenly spaced clip, which is
    posed every N-th frame by count, as always."""

    posed: tuple[int, ...] = ()
    times: tuple[float, ...] = ()

    @classmethod
    def of(cls, info: VideoInfo, opts: PoseOptions) -> TimedFrames:
        """From the packets' times (no decoding). Posed frames: at least `pose_rate_hz` a
        second (video.frames_by_time), unless no rate is asked or `every` is set by hand (the
        frame step the person chose)."""
        if opts.pose_rate_hz is None or opts.every != 1:
            return cls()
        times = frame_times(info.path)
        if even_grid(times) is None:
            return cls()
        posed = frames_by_time(times, 1.0 / opts.pose_rate_hz)
        if len(posed) == len(times):
            return cls()
        return cls(posed, tuple(float(t) for t in times))

    def posed_rate(self) -> float:
        """Posed frames a second over the span they cover."""
        span = self.times[self.posed[-1]] - self.times[self.posed[0]]
        return (len(self.posed) - 1) / span if span > 0 else 0.0


def _hip_centre(raw: RawPose) -> np.ndarray:
    left, right = raw.keypoints.index("left_hip"), raw.keypoints.index("right_hip")
    return (raw.xy[:, left] + raw.xy[:, right]) / 2.0


def not_belonging(raw: RawPose, choice: PersonChoice) -> np.ndarray:
    """Rows whose skeleton is not the followed person's (belongs.py): away from the
    followed person's detected track, or with limbs of impossible length."""
    confident = raw.visibility >= 0.5
    bad = limb_outliers(raw.xy, raw.world, confident, raw.keypoints)
    if choice.crop is not None and choice.followed:
        others = tuple(p for t, p in enumerate(choice.people) if t not in choice.followed)
        bad |= off_track(raw.time, _hip_centre(raw), followed_trail(choice), others)
    return bad


def dropped_warning(choice: PersonChoice, frame: np.ndarray, time: np.ndarray) -> str:
    """The plain sentence for frames dropped because their skeleton was someone else's."""
    rows = np.isin(frame, choice.dropped)
    spans = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in ranges(rows, time)[:6])
    return (
        f"{len(choice.dropped)} frames ({spans}) were left out: the skeleton there was not "
        "all the followed person's (another person in the way, or the model jumped to them)."
    )


def _drop(raw: RawPose, rows: np.ndarray) -> RawPose:
    """`raw` with the landmarks of `rows` removed (unknown, confidence 0)."""
    raw.xy[rows] = np.nan
    raw.world[rows] = np.nan
    raw.visibility[rows] = 0.0
    return raw


def _warm_up_frames(info: VideoInfo) -> Iterator[np.ndarray]:
    """The first frame (RGB), if it decodes, to start the model on, read when the model
    starts (Models.pose_model takes its warm-up frames lazily): after the helpers are
    spawned, which then start the 0.05 s this read takes sooner. When it shows nobody, the
    survey settles the model on its first frame with a person (Models.settle): reading a
    later frame here (the middle one, as before) decoded half the clip, 0.5 s of CPU on the
    shared 7.7-s clip, whose first frame is empty."""
    try:
        image = read_frame(info.path, 0).image
    except VideoError:
        return
    yield cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def pose_one_person(
    info: VideoInfo,
    opts: PoseOptions,
    progress: ProgressHook | None = None,
    runner: VisionRunner | None = None,
    stash: FrameStash | None = None,
    timed: TimedFrames | None = None,
) -> tuple[RawPose, PersonChoice, int, int]:
    """Find every person in sparse samples (survey.py), choose the test's subject (or the
    user's box) before posing, then pose every frame once, on a crop that follows the chosen
    person when several are in view. Frames whose skeleton is not that person's are dropped
    (`PersonChoice.dropped`). Returns the landmarks, the choice, the number of processes
    used and the number of frames posed twice (none: the person is chosen first). Without
    a `runner`, one of `opts.workers` processes is made for the call and closed. `timed`:
    the frames chosen by time on a variable-frame-rate clip (TimedFrames)."""
    if runner is None:
        with VisionRunner(opts.workers) as own:
            return pose_one_person(info, opts, progress, own, stash, timed)
    timed = timed or TimedFrames()
    sample_every = max(1, round(info.fps * opts.sample_interval_s))
    # started before any progress is drawn, on the first frame: start-up lines hidden; the
    # helpers load while this process starts finding the people, then share that work
    runner.prepare(opts.backend, _warm_up_frames(info), detector=True, frames=info.frame_count)
    count = -(-info.frame_count // sample_every)
    if progress:
        progress("people", 0, count)
    tick = (lambda n: progress("people", n, count)) if progress else None
    posed = opts.backend if opts.subject in POSED_SUBJECTS else None
    looking = SurveyJob(sample_every, posed, settle=opts.backend)
    samples = runner.survey(info.path, info.frame_count, looking, tick)
    hint = Box.from_xywh(*opts.person) if opts.person else None
    choice = choose_person(samples, info.width, info.height, hint, opts.subject)
    job = PoseJob(opts.backend, opts.every, choice.crop, 0, opts.max_side)
    job = replace(job, stash=str(stash.folder) if stash is not None else "", chosen=timed.posed)
    raw = join(_pose_ranges(runner, info, job, [(0, info.frame_count)], "pose", progress))
    raw.samples = tuple(samples)
    bad = not_belonging(raw, choice)
    choice = replace(choice, dropped=tuple(int(f) for f in raw.frame[bad]))
    return _drop(raw, bad), choice, runner.processes, 0


def analyse(
    video: Path,
    options: PoseOptions | None = None,
    progress: ProgressHook | None = None,
    runner: VisionRunner | None = None,
) -> PoseAnalysis:
    """Run the whole analysis in memory (see the module docstring). Poses on `runner`
    (runner.py); without one, a runner of `options.workers` processes is made for the call
    and closed, leaving the calling process as it was."""
    opts = options or PoseOptions()
    start = time.perf_counter()
    info = probe(video)
    timed = TimedFrames.of(info, opts)
    opts = opts.model_copy(
        update={"every": max(opts.every, step_for_rate(info.fps, opts.pose_rate_hz))}
    )
    stash = FrameStash() if opts.keep_frames or opts.overlay else None
    if timed.posed:  # chosen by time: no step by count
        opts = opts.model_copy(update={"every": 1})
    raw, choice, workers, again = pose_one_person(info, opts, progress, runner, stash, timed)
    timings = {"pose_s": time.perf_counter() - start}
    if len(raw.frame) == 0:
        raise_no_frames(info)
    check_decoded(info, len(raw.frame), opts.every, len(timed.posed))
    by_time = {"frames_by_time": True} if timed.posed else {}
    step = ProcessingStep(
        name="pose",
        params={
            "backend": raw.backend,
            "every": opts.every,
            "pose_rate_hz": opts.pose_rate_hz,
            "analysed_fps": round(timed.posed_rate() if timed.posed else info.fps / opts.every, 3),
            **by_time,
            "workers": workers,
            "person": choice.chosen_by,
            "crop": choice.crop is not None,
            "frames_posed_again": again,
            "frames_dropped": len(choice.dropped),
        },
    )
    traj = to_trajectories(raw, info, sha256_of(info.path), step)
    light = float(np.nanmedian([s.brightness for s in raw.samples] or [np.nan]))
    focus = float(np.nanmedian([s.sharpness for s in raw.samples] or [np.nan]))
    warnings = check_clip(traj, light, focus, opts.quality)
    if choice.people_seen > 1 or choice.crop is not None:
        warnings.insert(0, followed.sentence(choice, info.width))
    if choice.dropped:
        warnings.insert(1, dropped_warning(choice, raw.frame, raw.time))
    tic = time.perf_counter()
    view = None
    cleaned, report = clean(traj, opts.cleaning)
    angles = angle_table(cleaned)
    timings["clean_and_angles_s"] = time.perf_counter() - tic
    if opts.fit_3d:
        tic = time.perf_counter()
        fitted, note = angles3d.fitted_table(cleaned)
        angles |= fitted
        if note:
            warnings.append(note)
        view = estimate_view(cleaned, use_fit=True)  # as the protocols' view check reads it
        timings["fit_3d_s"] = time.perf_counter() - tic
    return PoseAnalysis(
        info,
        traj,
        cleaned,
        angles,
        report,
        choice,
        warnings,
        body_height(cleaned),
        light,
        focus,
        timings,
        stash,
        view,
    )


DECODED_SHARE = 0.9
"""Below this share of the frames the file announces, the file counts as damaged/truncated."""


def check_decoded(info: VideoInfo, decoded: int, every: int = 1, chosen: int = 0) -> None:
    """A `VideoError` when far fewer frames decoded than the file announces: the rest of the
    file is missing or damaged, and measuring the part that is left would blame the filming
    ("no steps found") for what is a broken copy. `chosen`: the number of frames chosen by
    time to pose (TimedFrames), when they were."""
    expected = chosen or -(-info.frame_count // max(every, 1))
    if expected > 0 and decoded < DECODED_SHARE * expected:
        raise VideoError(
            f"{info.path.name} is damaged or truncated: only {decoded} of its {expected} "
            "frames could be decoded (the file was probably cut short while copying, "
            "uploading or recording).",
            "Copy the original video again from the phone (or film it again), then retry.",
        )


def raise_no_frames(info: VideoInfo) -> None:
    """No frame decoded at all after the first one: a damaged file."""
    raise VideoError(f"{info.path.name} has no frame that could be decoded.", REFILM)


def write_outputs(
    analysis: PoseAnalysis, folder: Path, options: PoseOptions, progress: ProgressHook | None = None
) -> dict[str, Path]:
    """Write every output file into `folder` (which must exist)."""
    files = {
        "trajectories": save(analysis.clean, folder / "trajectories.npz"),
        "trajectories_raw": save(analysis.raw, folder / "trajectories_raw.npz"),
        "trajectories_csv": export.trajectories_csv(analysis.clean, folder / "trajectories.csv"),
        "angles_csv": export.angles_csv(analysis.clean, analysis.angles, folder / "angles.csv"),
        "json": export.to_json(analysis.clean, analysis.angles, folder / "pose.json"),
        "trc": export.to_trc(analysis.clean, folder / "pose.trc"),
    }
    tic = time.perf_counter()
    video, clean, angles = analysis.info.path, analysis.clean, analysis.angles
    key_folder = folder / "key_frames" if options.key_frames else None
    if options.overlay:
        total = len(clean)
        if progress:
            progress("overlay", 0, total)
        tick = (lambda n: progress("overlay", n, total)) if progress else None
        media = write_overlay(
            video, clean, angles, folder / "overlay.mp4", tick, key_folder, stash=analysis.frames
        )
        files["overlay"] = media[0]
        files |= {f"key_frame_{i}": p for i, p in enumerate(media[1:])}
    elif key_folder is not None:
        pictures = write_key_frames(video, clean, angles, key_folder)
        files |= {f"key_frame_{i}": p for i, p in enumerate(pictures)}
    analysis.timings["evidence_s"] = time.perf_counter() - tic
    picture = followed.write_picture(video, analysis.person, folder / "followed.png")
    if picture is not None:
        files["followed"] = picture
    files["summary"] = summary.write(analysis, folder / "summary.json", files)
    return files


def _place(tmp: Path, out: Path) -> None:
    """Move the finished folder `tmp` to `out`, replacing an earlier kneechain result only."""
    if out.exists():
        if any(out.iterdir()) and not (out / "summary.json").is_file():
            raise FileExistsError(
                f"{out} exists and is not an earlier kneechain pose result; choose another --out."
            )
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out)


def run_pose(
    video: Path,
    out: Path,
    options: PoseOptions | None = None,
    progress: ProgressHook | None = None,
    runner: VisionRunner | None = None,
) -> tuple[PoseAnalysis, dict[str, Path]]:
    """`analyse` and `write_outputs` into `out`, atomically (nothing left behind on failure)."""
    opts = options or PoseOptions()
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and any(out.iterdir()) and not (out / "summary.json").is_file():
        raise FileExistsError(
            f"{out} exists and is not an earlier kneechain pose result; choose another --out."
        )
    analysis = analyse(video, opts, progress, runner)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        files = write_outputs(analysis, tmp, opts, progress)
        _place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return analysis, {k: out / p.relative_to(tmp) for k, p in files.items()}
