"""The run summary (summary.json): what was analysed, how, how well, and the angle ranges."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kneechain.vision import angles3d, followed
from kneechain.vision.cleaning import Gap

if TYPE_CHECKING:
    from kneechain.vision.pipeline import PoseAnalysis


def _stat(values: np.ndarray) -> dict[str, float | None]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {"min": None, "median": None, "max": None, "valid_fraction": 0.0}
    return {
        "min": round(float(finite.min()), 2),
        "median": round(float(np.median(finite)), 2),
        "max": round(float(finite.max()), 2),
        "valid_fraction": round(finite.size / values.size, 3),
    }


def _gaps(gaps: list[Gap]) -> dict[str, list[list[float]]]:
    """Long gaps per keypoint as [start, end] pairs in seconds."""
    out: dict[str, list[list[float]]] = {}
    for g in gaps:
        out.setdefault(g.keypoint, []).append([round(g.start_s, 2), round(g.end_s, 2)])
    return out


def build(analysis: PoseAnalysis, files: dict[str, Path]) -> dict[str, Any]:
    """The summary as a JSON-ready dict."""
    info, rep = analysis.info, analysis.cleaning
    height = analysis.body_height_px
    return {
        "video": {
            "file": info.path.name,
            "sha256": analysis.raw.meta.source_sha256,
            "width": info.width,
            "height": info.height,
            "fps": info.fps,
            "frames": info.frame_count,
            "rotation_deg": info.rotation,
        },
        "frames_analysed": len(analysis.clean),
        "person": {
            "people_seen": analysis.person.people_seen,
            "chosen_by": analysis.person.chosen_by,
            "cropped": analysis.person.crop is not None,
            "followed": followed.sentence(analysis.person, info.width),
            "frames_dropped": len(analysis.person.dropped),
        },
        "quality": {
            "median_brightness": round(analysis.brightness, 1),
            "median_sharpness": round(analysis.sharpness, 1),
            "body_height_proxy_px": None if not math.isfinite(height) else round(height, 1),
        },
        "cleaning": {
            "low_confidence_points": rep.low_confidence_points,
            "swapped_frames": {k: len(v) for k, v in rep.swapped_frames.items()},
            "outliers": rep.outliers,
            "interpolated_points": rep.interpolated_points,
            "long_gaps_s": _gaps(rep.long_gaps),
        },
        "warnings": analysis.warnings,
        "angles_deg": {
            name: _stat(v)
            for name, v in analysis.angles.items()
            if name != "facing" and not angles3d.is_fit_column(name)
        },
        "fit_3d": (
            angles3d.summary(analysis.angles)
            if any(angles3d.is_fit_column(n) for n in analysis.angles)
            else None
        ),
        "view": None if analysis.view is None else angles3d.view_summary(analysis.view),
        "provenance": [s.model_dump(mode="json") for s in analysis.clean.meta.provenance],
        "timings_s": {k: round(v, 3) for k, v in analysis.timings.items()},
        "files": sorted(p.name for p in files.values()),
    }


def write(analysis: PoseAnalysis, path: Path, files: dict[str, Path]) -> Path:
    path.write_text(json.dumps(build(analysis, files), indent=2), encoding="utf-8")
    return path
