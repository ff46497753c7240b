"""Is the clip good enough to measure? Errors for unusable clips, warnings for partial ones.

Every message says what is wrong and how to film again. Thresholds live in `QualityConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from kneechain.vision.errors import VideoError
from kneechain.vision.trajectories import Trajectories

CORE = tuple(
    f"{side}_{part}" for part in ("shoulder", "hip", "knee", "ankle") for side in ("left", "right")
)
LOWER_BODY = tuple(
    f"{side}_{part}" for part in ("hip", "knee", "ankle") for side in ("left", "right")
)


class QualityConfig(BaseModel):
    """Limits used to judge a clip."""

    model_config = ConfigDict(frozen=True)

    min_pose_confidence: float = Field(0.5, description="Mean visibility of the core joints.")
    warn_below_fraction: float = Field(0.7, description="Warn when fewer frames have a pose.")
    dark_brightness: float = Field(40.0, description="Mean luma (0..255) below which it is dark.")
    blurred_sharpness: float = Field(15.0, description="Laplacian variance below which blurred.")
    min_in_frame_fraction: float = Field(0.2, description="Frames with the lower body in view.")


@dataclass(frozen=True)
class TimeRange:
    start_s: float
    end_s: float

    def __str__(self) -> str:
        return f"{self.start_s:.1f}-{self.end_s:.1f} s"


def confident_frames(traj: Trajectories, threshold: float) -> np.ndarray:
    """True for frames whose core joints (shoulders, hips, knees, ankles) are confidently seen."""
    cols = [traj.index(n) for n in CORE if n in traj.keypoints]
    return np.nanmean(traj.confidence[:, cols], axis=1) >= threshold


def time_ranges(mask: np.ndarray, time: np.ndarray) -> list[TimeRange]:
    """Time ranges of the runs of True values in `mask`."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [
        TimeRange(float(time[a]), float(time[b - 1]))
        for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]


def in_frame(traj: Trajectories) -> np.ndarray:
    """True for frames where every lower-body joint lies inside the image (the model places
    joints it cannot see outside the picture, with coordinates beyond its edges)."""
    cols = [traj.index(n) for n in LOWER_BODY]
    xy = traj.position[:, cols, :]
    inside = (
        (xy[..., 0] >= 0)
        & (xy[..., 0] < traj.meta.image_width)
        & (xy[..., 1] >= 0)
        & (xy[..., 1] < traj.meta.image_height)
    )
    return np.all(inside, axis=1)


def _light_and_focus(brightness: float, sharpness: float, cfg: QualityConfig) -> str:
    if brightness < cfg.dark_brightness:
        return f" The frames are too dark (mean brightness {brightness:.0f} of 255)."
    if sharpness < cfg.blurred_sharpness:
        return f" The frames are blurred (sharpness {sharpness:.1f})."
    return ""


def check_clip(
    traj: Trajectories, brightness: float, sharpness: float, cfg: QualityConfig
) -> list[str]:
    """Raise `VideoError` when the clip cannot be measured; return warnings otherwise.

    `brightness` and `sharpness` are medians over sampled frames (see video.py).
    """
    condition = _light_and_focus(brightness, sharpness, cfg)
    good = confident_frames(traj, cfg.min_pose_confidence)
    if not good.any():
        advice = "Film the whole body, side or front on, in good light, with the phone held still."
        if "dark" in condition:
            advice = "Film in daylight or a well-lit room, with no bright window behind the person."
        elif "blurred" in condition:
            advice = (
                "Hold the phone still (lean it on something), clean the lens, and let it focus."
            )
        raise VideoError(f"No person was found with confidence in any frame.{condition}", advice)
    inside = in_frame(traj)
    if inside[good].mean() < cfg.min_in_frame_fraction:
        raise VideoError(
            "The person is only partly in the frame: hips, knees and ankles must all be visible.",
            "Step back or turn the phone so the whole body, feet included, stays in view.",
        )
    warnings = []
    if condition:
        warnings.append(condition.strip() + " Measurements may be less precise.")
    fraction = float(good.mean())
    if fraction < cfg.warn_below_fraction:
        missing = ", ".join(str(r) for r in time_ranges(~good, traj.time))
        warnings.append(
            f"Only {fraction:.0%} of the frames show a confident pose; none at {missing}."
        )
    outside = good & ~inside
    if outside.mean() > 1 - cfg.warn_below_fraction:
        ranges = ", ".join(str(r) for r in time_ranges(outside, traj.time))
        warnings.append(f"Part of the lower body leaves the frame at {ranges}.")
    return warnings
