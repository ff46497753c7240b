"""Small builders for assessment test cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kneechain.assess.case import Case
from kneechain.assess.engine import assess
from kneechain.assess.result import AssessmentResult
from tests import packaged

SWAP = {"left": "right", "right": "left", "both": "both", None: None}


def m(measure: str, value: float, side: str | None = None, **extra: Any) -> dict[str, Any]:
    """One measurement as case JSON."""
    out: dict[str, Any] = {"measure": measure, "value": value, **extra}
    if side is not None:
        out["side"] = side
    return out


def both(measure: str, left: float, right: float, **extra: Any) -> list[dict[str, Any]]:
    """The same measure on the left and right sides."""
    return [m(measure, left, "left", **extra), m(measure, right, "right", **extra)]


def case(**data: Any) -> Case:
    """A validated case from keyword sections (person=..., measurements=[...], ...)."""
    return Case.model_validate(data)


def run(**data: Any) -> AssessmentResult:
    """Assess a case built from keyword sections."""
    return assess(case(**data), packaged.rules, packaged.kb)


def mirror(c: Case) -> Case:
    """The same case with left and right swapped everywhere a side appears."""
    data = c.model_dump(mode="json")
    data["complaint"]["side"] = SWAP[data["complaint"]["side"]]
    for key in ("previous_ankle_injury", "previous_knee_injury"):
        data["person"][key] = [SWAP[s] for s in data["person"][key]]
    for meas in data["measurements"]:
        meas["side"] = SWAP[meas["side"]]
    return Case.model_validate(data)


def squat_file(folder: Path) -> Path:
    """Trajectories (.npz) of five squats, the left knee falling inward about 22.5 degrees
    (beyond the 12-degree threshold by more than its +- 6.1)."""
    from kneechain.assess.protocols import constructed
    from kneechain.vision.trajectories import save
    from tests.protocols.shapes import clock, dips

    time = clock(11)
    depth = dips(time, 90.0, 5)
    traj = constructed.standing_front(time, depth=(depth, depth), fppa=(depth / 4, depth / 45))
    return save(traj, folder / "squat.npz")
