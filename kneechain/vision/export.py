"""Export trajectories and angles: CSV, JSON, and OpenSim TRC (for OpenSim / Pose2Sim).

TRC holds the 3D world landmarks converted to OpenSim axes: X forward-ish (the image x),
Y UP (minus MediaPipe's downward y), Z = minus MediaPipe's z, which keeps the axes
right-handed (a half turn about X). Units: metres.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from kneechain.vision.angles3d import is_fit_column
from kneechain.vision.trajectories import Trajectories


def _num(value: float, digits: int = 4) -> str:
    return "" if not math.isfinite(value) else f"{value:.{digits}f}"


def trajectories_csv(traj: Trajectories, path: Path) -> Path:
    """One row per frame: frame, time_s, then <keypoint>_x, _y (pixels), _conf for each point."""
    header = ["frame", "time_s"]
    for name in traj.keypoints:
        header += [f"{name}_x", f"{name}_y", f"{name}_conf"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for t in range(len(traj)):
            row = [str(int(traj.frame[t])), _num(traj.time[t], 5)]
            for k in range(len(traj.keypoints)):
                row += [_num(traj.position[t, k, 0], 2), _num(traj.position[t, k, 1], 2)]
                row.append(_num(traj.confidence[t, k], 3))
            writer.writerow(row)
    return path


def _digits(name: str) -> int:
    """Decimals of an angle column: the 3D fit's values and sds are whole degrees (their
    error is about 14 degrees), the rest two."""
    return 0 if is_fit_column(name) else 2


def angles_csv(traj: Trajectories, angles: dict[str, np.ndarray], path: Path) -> Path:
    """One row per frame: frame, time_s, then every angle (degrees; empty where unknown)."""
    names = list(angles)
    digits = [_digits(n) for n in names]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["frame", "time_s", *names])
        for t in range(len(traj)):
            values = [_num(float(angles[n][t]), d) for n, d in zip(names, digits, strict=True)]
            writer.writerow([str(int(traj.frame[t])), _num(traj.time[t], 5), *values])
    return path


def _clean_list(values: np.ndarray, digits: int = 4) -> list[Any]:
    """Rounded nested lists with None for unknown values."""
    rounded = np.round(np.asarray(values, float), digits).astype(object)
    rounded[~np.isfinite(np.asarray(values, float))] = None
    return rounded.tolist()


def _clean_value(value: float, digits: int) -> float | int | None:
    """A rounded number (an int for whole degrees), None when unknown."""
    if not math.isfinite(value):
        return None
    return round(value) if digits == 0 else round(value, digits)


def to_json(traj: Trajectories, angles: dict[str, np.ndarray], path: Path) -> Path:
    """Metadata, keypoint names, then one object per frame (frame, time_s, position_px,
    confidence, world_m, angles_deg); null = unknown. Written frame by frame, so memory does
    not grow with the length of the video."""
    head = {"meta": traj.meta.model_dump(mode="json"), "keypoints": list(traj.keypoints)}
    names = list(angles)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(head)[:-1] + ', "frames": [')
        for t in range(len(traj)):
            row = {
                "frame": int(traj.frame[t]),
                "time_s": round(float(traj.time[t]), 5),
                "position_px": _clean_list(traj.position[t], 2),
                "confidence": _clean_list(traj.confidence[t], 3),
                "world_m": _clean_list(traj.world[t], 4),
                "angles_deg": {n: _clean_value(float(angles[n][t]), _digits(n)) for n in names},
            }
            fh.write(("" if t == 0 else ",\n") + json.dumps(row, allow_nan=False))
        fh.write("]}\n")
    return path


def opensim_axes(world: np.ndarray) -> np.ndarray:
    """MediaPipe world axes (x right, y down, z away) to OpenSim axes (Y up), right-handed."""
    return world * np.array([1.0, -1.0, -1.0])


def trc_data_rate(time: np.ndarray, fps: float) -> float:
    """The rows' average rate: rows less one over the time they span (`fps`, the video's
    rate, for fewer than two rows), so that row / rate spans the Time column's time."""
    time = np.asarray(time, float)
    span = float(time[-1] - time[0]) if len(time) >= 2 else 0.0
    return (len(time) - 1) / span if span > 0 else float(fps)


def to_trc(traj: Trajectories, path: Path) -> Path:
    """OpenSim TRC marker file of the world landmarks (metres); unknown values left empty.

    OpenSim's reader (TRCFileAdapter) takes each row's time from the Time column and keeps
    the header's rates as text; a reader that counts rows instead needs `DataRate` to be the
    rows' rate (`trc_data_rate`), not the video's: a test posed 10 frames a second of a
    30-a-second clip, or a variable-frame-rate clip. `CameraRate` and `OrigDataRate` are the
    video's rate."""
    markers = list(traj.keypoints)
    xyz = opensim_axes(traj.world)
    rate = f"{trc_data_rate(traj.time, traj.meta.fps):.2f}"
    camera = f"{traj.meta.fps:.2f}"
    n = len(traj)
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{rate}\t{camera}\t{n}\t{len(markers)}\tm\t{camera}\t1\t{n}",
        "Frame#\tTime\t" + "\t\t\t".join(markers),
        "\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, len(markers) + 1)),
        "",
    ]
    with path.open("w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
        for t in range(n):
            cells = [str(t + 1), f"{traj.time[t]:.5f}"]
            cells += [_num(v, 5) for v in xyz[t].ravel()]
            fh.write("\t".join(cells) + "\n")
    return path
