"""Builders of realistic records for the tracking tests (values within the knowledge ranges)."""

from __future__ import annotations

from datetime import date

from kneechain.assess.case import Case
from kneechain.track.db import Store
from kneechain.track.logbook import CoachedSet, ExerciseDone, SessionEntry
from kneechain.track.people import add_person


def case_on(day: date, *, left_ir: float, right_ir: float, nprs: float | None = None) -> Case:
    """A case with lying hip internal rotation on both sides and, optionally, pain now."""
    return Case.model_validate(
        {
            "assessed_on": day.isoformat(),
            "complaint": {"side": "right", "nprs_now": nprs},
            "measurements": [
                {"measure": "hip_ir_supine", "side": "left", "value": left_ir},
                {"measure": "hip_ir_supine", "side": "right", "value": right_ir},
                {"measure": "cadence", "value": 168, "provenance": "video"},
            ],
        }
    )


def session_on(day: date, pain_before: int | None = 4, pain_after: int | None = 3) -> SessionEntry:
    return SessionEntry(
        performed_on=day,
        exercises=[
            ExerciseDone(exercise_id="glute_ball_release", sets_done=1),
            ExerciseDone(
                exercise_id="glute_bridge",
                sets_done=3,
                coached=[CoachedSet(reps=12, seconds_under_tension=26.4, cues={"pelvis_level": 1})],
            ),
            ExerciseDone(
                exercise_id="lateral_lunge", sets_done=2, regression_id="lateral_lunge_supported"
            ),
        ],
        pain_before=pain_before,
        pain_after=pain_after,
        note="felt fine",
    )


def make_person(store: Store, name: str = "Alex") -> None:
    with store.session() as db:
        add_person(db, name, birth_year=1990, sex="female")
