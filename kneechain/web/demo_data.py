"""Demo records for the web app (`make demo`, the browser tests and the screenshots): a clinician
and two clients, each with a first check-up from the packaged examples, a program, a re-test and
a few weeks of logged sessions. Every name says "demo"; nothing here is shown as a real person.

Everything is stored through the service layer, as a person using the app would store it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kneechain.assess.case import Case
from kneechain.services import accounts, assessment, routine, tracking
from kneechain.services.context import ServiceContext
from kneechain.track.logbook import SessionEntry

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DEMO_PASSWORD = "demo-password-1"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    name: str
    role: str


def _case(name: str, on: date, changes: dict[tuple[str, str | None], float] | None = None) -> Case:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    data["assessed_on"] = on.isoformat()
    for item in data.get("measurements", []):
        key = (item["measure"], item.get("side"))
        if changes and key in changes:
            item["value"] = changes[key]
    return Case.model_validate(data)


def _account(ctx: ServiceContext, email: str, name: str, role: str) -> DemoLogin:
    accounts.sign_up(ctx, {"email": email, "password": DEMO_PASSWORD, "name": name, "role": role})
    return DemoLogin(email, DEMO_PASSWORD, name, role)


def _log_weeks(
    ctx: ServiceContext, name: str, start: date, until: date, pains: list[int], skip: set[int]
) -> None:
    """Sessions on the planned days from `start` to `until` (days in `skip` missed), with the
    pain after each session taken in turn from `pains`."""
    day, count = start, 0
    while day <= until:
        plan = routine.routine(ctx, name, day)
        if plan.exercises and (day - start).days not in skip:
            pain = pains[min(count, len(pains) - 1)]
            done = [{"exercise_id": e.main.exercise_id, "sets_done": 1} for e in plan.exercises]
            if count % 4 == 1 and plan.exercises[-1].easier is not None:
                last = plan.exercises[-1]
                done[-1]["regression_id"] = last.easier.exercise_id if last.easier else None
            entry = SessionEntry.model_validate(
                {
                    "performed_on": day.isoformat(),
                    "exercises": done,
                    "pain_before": min(pain + 1, 10),
                    "pain_after": pain,
                }
            )
            tracking.log(ctx, name, entry)
            count += 1
        day += timedelta(days=1)


def seed_demo(ctx: ServiceContext, today: date | None = None) -> list[DemoLogin]:
    """Store the demo clinician and clients; returns their logins."""
    today = today or date.today()
    logins = [
        _account(ctx, "clinician@demo.kneechain", "Dr Demo (demo clinician)", "clinician"),
        _account(ctx, "sam@demo.kneechain", "Sam (demo)", "person"),
        _account(ctx, "robin@demo.kneechain", "Robin (demo)", "person"),
    ]
    for login in logins[1:]:
        signed = accounts.log_in(ctx, login.email, login.password, "demo-seed")
        accounts.link_clinician(ctx, signed.viewer, logins[0].email)
        accounts.log_out(ctx, signed.token)

    sam, robin = logins[1].name, logins[2].name
    start = today - timedelta(days=35)
    first = assessment.record(ctx, sam, _case("desk_worker_bilateral_ir_deficit.json", start))
    _log_weeks(ctx, sam, first.program_start or start, today - timedelta(days=1),
               [5, 5, 4, 4, 4, 3, 3, 3, 2, 2, 2, 2, 1], skip={3, 10, 11, 19, 26})  # fmt: skip
    retest = {("hip_ir_supine", "left"): 27.0, ("hip_ir_supine", "right"): 29.0}
    assessment.record(
        ctx,
        sam,
        _case("desk_worker_bilateral_ir_deficit.json", today - timedelta(days=3), retest),
        with_program=False,
    )
    tracking.scores(ctx, sam, today - timedelta(days=3), {"nprs": 2})

    start = today - timedelta(days=24)
    first = assessment.record(ctx, robin, _case("runner_right_valgus_pelvic_drop.json", start))
    _log_weeks(ctx, robin, first.program_start or start, today - timedelta(days=9),
               [3, 3, 4, 4, 5, 5, 6], skip={2, 5})  # fmt: skip
    tracking.scores(ctx, robin, today - timedelta(days=9), {"nprs": 6})
    return logins
