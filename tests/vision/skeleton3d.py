"""A walking 3D stick figure seen by a known camera: world landmarks in the camera's axes and
pinhole image positions, for view, swap and fit tests with known answers.

The person stands at the origin of a room (z up), faces +x and walks on the spot: each leg
swings in the sagittal plane (hip flexion) and bends at the knee, half a cycle apart. The
camera stands `distance` metres away at `bearing_deg` around the person (0 = in front, +90 at
the person's left, 180 behind), at `height` metres, looking at the mid-hip.
"""

from __future__ import annotations

import numpy as np

from kneechain.vision.trajectories import Trajectories, from_points

THIGH, SHANK, FOOT, HEEL_BACK = 0.45, 0.43, 0.2, 0.05
HIP_HALF, SHOULDER_HALF, TRUNK, HIP_HEIGHT = 0.1, 0.19, 0.55, 0.95
FOCAL, WIDTH, HEIGHT = 1400.0, 1080, 1920


def pose(time: np.ndarray, stride_hz: float = 1.0, knee_peak: float = 60.0) -> dict:
    """Room coordinates (T, 3) of the landmarks; hip flexion +-25 degrees, knee flexion from
    5 to `knee_peak` degrees, the right leg half a cycle behind the left."""
    n = len(time)
    pts: dict[str, np.ndarray] = {}
    phase = 2 * np.pi * stride_hz * np.asarray(time, float)
    for side, y, shift in (("left", HIP_HALF, 0.0), ("right", -HIP_HALF, np.pi)):
        hip_flex = np.radians(25.0 * np.sin(phase + shift))
        knee = np.radians(5 + (knee_peak - 5) * (0.5 + 0.5 * np.sin(phase + shift + 1.2)))
        hip = np.tile([0.0, y, HIP_HEIGHT], (n, 1))
        thigh_dir = np.stack([np.sin(hip_flex), np.zeros(n), -np.cos(hip_flex)], axis=1)
        shank_angle = hip_flex - knee
        shank_dir = np.stack([np.sin(shank_angle), np.zeros(n), -np.cos(shank_angle)], axis=1)
        knee_p = hip + THIGH * thigh_dir
        ankle = knee_p + SHANK * shank_dir
        foot_dir = np.stack([np.cos(shank_angle), np.zeros(n), np.sin(shank_angle)], axis=1)
        pts[f"{side}_hip"], pts[f"{side}_knee"], pts[f"{side}_ankle"] = hip, knee_p, ankle
        pts[f"{side}_heel"] = ankle - HEEL_BACK * foot_dir + [0, 0, -0.03]
        pts[f"{side}_foot_index"] = ankle + FOOT * foot_dir + [0, 0, -0.05]
        pts[f"{side}_shoulder"] = np.tile(
            [0.0, y * SHOULDER_HALF / HIP_HALF, HIP_HEIGHT + TRUNK], (n, 1)
        )
        pts[f"{side}_ear"] = np.tile([-0.02, y * 0.8, HIP_HEIGHT + TRUNK + 0.2], (n, 1))
    pts["nose"] = np.tile([0.1, 0.0, HIP_HEIGHT + TRUNK + 0.18], (n, 1))
    return pts


def camera(bearing_deg: float, distance: float = 4.0, height: float = 1.0) -> tuple:
    """World-to-camera rotation R (rows: camera x right, y down, z forward) and position."""
    b = np.radians(bearing_deg)
    position = np.array([distance * np.cos(b), distance * np.sin(b), height])
    forward = np.array([0.0, 0.0, HIP_HEIGHT]) - position
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    return np.stack([right, down, forward]), position


def seen(
    bearing_deg: float,
    time: np.ndarray | None = None,
    height: float = 1.0,
    world_noise_m: float = 0.0,
    seed: int = 0,
    **kw: float,
) -> tuple[Trajectories, dict[str, np.ndarray]]:
    """Trajectories of the figure filmed from `bearing_deg`, and its room coordinates."""
    time = np.arange(0, 3, 1 / 30) if time is None else time
    room = pose(time, **kw)
    R, position = camera(bearing_deg, height=height)
    mid_hip = (room["left_hip"] + room["right_hip"]) / 2
    rng = np.random.default_rng(seed)
    image, world = {}, {}
    for name, p in room.items():
        cam = (p - position) @ R.T
        image[name] = FOCAL * cam[:, :2] / cam[:, 2:3] + [WIDTH / 2, HEIGHT / 2]
        world[name] = (p - mid_hip) @ R.T + rng.normal(0, world_noise_m, p.shape)
    return from_points(image, time, (WIDTH, HEIGHT), world), room
