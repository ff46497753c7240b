"""Running a protocol on a video file (through the vision pipeline) or on saved trajectories.

A ``.npz`` input is a trajectories file written by `kneechain pose` (already cleaned); any
other file is treated as a video and goes through pose estimation and cleaning first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kneechain.assess.case import Measurement, Side
from kneechain.assess.protocols.config import ProtocolConfig
from kneechain.assess.protocols.registry import protocol
from kneechain.assess.protocols.result import ProtocolResult
from kneechain.vision.cleaning import CleaningConfig
from kneechain.vision.person import PersonChoice
from kneechain.vision.pipeline import PoseOptions, ProgressHook
from kneechain.vision.pipeline import analyse as pose_video
from kneechain.vision.runner import VisionRunner
from kneechain.vision.stash import FrameStash
from kneechain.vision.trajectories import Trajectories, load


@dataclass(frozen=True)
class Analysis:
    """A protocol result with the trajectories it came from and the pose warnings."""

    result: ProtocolResult
    trajectories: Trajectories
    video: Path | None
    pose_warnings: list[str]
    person: PersonChoice | None = None
    frames: FrameStash | None = None  # posed frames kept for the annotated clip (keep_frames)


def trajectories_of(
    path: Path,
    test_id: str,
    config: ProtocolConfig,
    options: PoseOptions | None = None,
    progress: ProgressHook | None = None,
    runner: VisionRunner | None = None,
) -> tuple[Trajectories, Path | None, list[str], PersonChoice | None]:
    """Cleaned trajectories from a ``.npz`` file or a video, posed at the protocol's frame
    rate (`pose_rate_hz`) and cleaned with its filter cut-off, the person chosen by the
    protocol's `subject`, on `runner` when given (kneechain.vision.runner); the video path
    (None for ``.npz``), the pose warnings and whom the pose followed (None for ``.npz``)."""
    traj, video, warnings, person, _ = pose_for_test(
        path, test_id, config, options, progress, runner
    )
    return traj, video, warnings, person


def pose_for_test(
    path: Path,
    test_id: str,
    config: ProtocolConfig,
    options: PoseOptions | None = None,
    progress: ProgressHook | None = None,
    runner: VisionRunner | None = None,
) -> tuple[Trajectories, Path | None, list[str], PersonChoice | None, FrameStash | None]:
    """`trajectories_of` plus the posed frames kept for the annotated clip (None unless
    `options.keep_frames`, and for ``.npz`` input)."""
    if path.suffix.lower() == ".npz":
        return load(path), None, [], None, None
    params = getattr(config.protocols, test_id)
    opts = options or PoseOptions(overlay=False, key_frames=False)
    cleaning = opts.cleaning.model_copy(update={"cutoff_hz": params.cutoff_hz})
    # the protocols read their angles from the trajectories (and the view check fits its own
    # thinned 3D skeleton, views.py): the per-frame 3D angles of `kneechain pose` would only
    # cost CPU here
    update = {"cleaning": CleaningConfig.model_validate(cleaning), "fit_3d": False}
    if opts.pose_rate_hz is None:  # the rate the protocol declares (None: every frame)
        update["pose_rate_hz"] = params.pose_rate_hz
    if opts.subject == "any":  # the protocol says whom to look for among several people
        update["subject"] = params.subject
    pose = pose_video(path, opts.model_copy(update=update), progress, runner)
    return pose.clean, path, pose.warnings, pose.person, pose.frames


def analyse_file(
    path: Path,
    test_id: str,
    config: ProtocolConfig,
    side: Side | None = None,
    options: PoseOptions | None = None,
    progress: ProgressHook | None = None,
    runner: VisionRunner | None = None,
) -> Analysis:
    """Run `test_id`'s protocol, with the caller's protocol parameters, on a video or
    trajectories file."""
    cfg = config
    run = protocol(test_id)
    traj, video, warnings, person, frames = pose_for_test(
        path, test_id, cfg, options, progress, runner
    )
    return Analysis(run(traj, cfg, side), traj, video, warnings, person, frames)


def merge(measurements: list[Measurement], new: list[Measurement]) -> list[Measurement]:
    """`measurements` with every (measure, side) that `new` covers replaced by the new values:
    a fresh video measurement supersedes an older entry of the same measure and side."""
    covered = {(m.measure, m.side) for m in new}
    return [m for m in measurements if (m.measure, m.side) not in covered] + list(new)
