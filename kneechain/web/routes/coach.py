"""Live coaching with the camera (docs/coaching.md): the page that counts, times and cues one
exercise of the program in the person's browser, the pose runtime it loads from our own
static files, and "save to my log". The video never leaves the device; only the counts of a
set the person chooses to save are sent (a POST with the CSRF header, through the services)."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import Response

from kneechain.errors import ErrorKind, KneechainError, invalid
from kneechain.knowledge.coaching import Coaching, Target, coaching, target
from kneechain.knowledge.loader import default_knowledge
from kneechain.program.models import Prescription
from kneechain.services import tracking
from kneechain.track.logbook import CoachedSet, ExerciseDone, SessionEntry
from kneechain.web import coach_assets, views
from kneechain.web.deps import Ctx, CurrentViewer, Subject
from kneechain.web.pages import render, templates
from kneechain.web.security import CSP

router = APIRouter(tags=["pages: coaching"])


@cache
def _coached() -> frozenset[str]:
    return frozenset(coaching(default_knowledge()))


def coachable(exercise_id: str) -> bool:
    """Whether the camera coaches this exercise (the program page shows its button); the
    packaged coaching file is checked once per process, not once per exercise shown."""
    return exercise_id in _coached()


templates().env.globals["coachable"] = coachable

#: The coaching page's policy: the site's CSP, plus 'wasm-unsafe-eval' in script-src, which
#: lets the page compile WebAssembly (BlazePose's pose_solution_*_wasm_bin.wasm, served from our
#: own /coach/pose/). It does not allow eval() or inline script; nothing is loaded from
#: elsewhere. Only this page gets it.
COACH_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'")
#: the pose files never change for a pinned version: cache them for a year
ASSET_CACHE = "public, max-age=31536000, immutable"


@router.get("/coach/pose/{name}", summary="The browser pose runtime (pinned @mediapipe/pose)")
def pose_file(name: str) -> Response:
    try:
        path = coach_assets.asset_path(name)
    except KeyError:
        raise KneechainError(
            "coach.no_such_file", "There is no such file.", kind=ErrorKind.not_found
        ) from None
    except coach_assets.AssetsMissing as missing:
        raise KneechainError(
            "coach.not_installed", str(missing), kind=ErrorKind.unavailable
        ) from None
    media_type = coach_assets.MEDIA_TYPES[path.suffix]
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": ASSET_CACHE})


class Coached(BaseModel):
    """An exercise of the program as the coach sees it."""

    model_config = ConfigDict(frozen=True)

    main_id: str  # the program's exercise (logged under this id)
    exercise_id: str  # the one done: the main one or its easier / harder version
    name: str
    dosage_text: str
    steps: list[str]
    cautions: list[str]
    target: Target
    coaching: Coaching
    findings: dict[str, str]  # finding id -> name, the person's reasons for this exercise
    side: str | None  # the program's emphasis side, if any


def coached_exercise(ctx: Ctx, person: str, exercise_id: str) -> Coached:
    """The program exercise `exercise_id` (or a variant of one) with its coaching entry."""
    current = views.current_program(ctx, person)
    if current is None:
        raise KneechainError(
            "coach.no_program",
            "There is no program yet, so there is nothing to coach.",
            hint="Finish your check-up first; the program is made from it.",
            kind=ErrorKind.not_found,
        )
    kb = ctx.domain.knowledge
    entries = coaching(kb)
    for item in current.program.exercises:
        found = _match(item, exercise_id)
        if found is None:
            continue
        entry = entries.get(exercise_id)
        if entry is None:
            raise KneechainError(
                "coach.not_coached",
                f"The camera cannot coach the {found} yet.",
                hint="Use the hold timer and the steps on the program page.",
                kind=ErrorKind.not_found,
            )
        ex = kb.exercises[exercise_id]
        own = exercise_id == item.exercise_id
        return Coached(
            main_id=item.exercise_id,
            exercise_id=exercise_id,
            name=found,
            dosage_text=item.dosage_text if own else _variant(item, exercise_id),
            steps=item.steps if own else ex.steps,
            cautions=item.cautions if own else ex.cautions,
            target=target(item.dosage if own else ex.dosage),
            coaching=entry,
            findings={r.finding_id: r.finding_name for r in item.reasons},
            side=item.emphasis_side,
        )
    raise KneechainError(
        "coach.not_in_program",
        "This exercise is not in your current program.",
        hint="Pick an exercise on the program page.",
        kind=ErrorKind.not_found,
    )


def _match(item: Prescription, exercise_id: str) -> str | None:
    if item.exercise_id == exercise_id:
        return item.name
    for variant in (item.regression, item.progression):
        if variant is not None and variant.exercise_id == exercise_id:
            return variant.name
    return None


def _variant(item: Prescription, exercise_id: str) -> str:
    for variant in (item.regression, item.progression):
        if variant is not None and variant.exercise_id == exercise_id:
            return variant.dosage_text
    return item.dosage_text


def page_config(found: Coached) -> dict[str, Any]:
    """What the page's script needs: the coaching entry, the dose, and which cues matter more
    for this person (their findings)."""
    entry = found.coaching.model_dump(mode="json")
    for cue in entry["cues"]:
        mine = [found.findings[f] for f in cue["findings"] if f in found.findings]
        cue["yours"] = mine
    entry["target"] = found.target.model_dump()
    entry["exercise_id"] = found.exercise_id
    entry["name"] = found.name
    return entry


@router.get("/people/{uid}/program/coach/{exercise_id}", summary="Coach an exercise live")
def coach_page(
    request: Request, ctx: Ctx, viewer: CurrentViewer, subject: Subject, exercise_id: str
) -> Response:
    found = coached_exercise(ctx, subject.name, exercise_id)
    context = {
        "title": f"Coach: {found.name}",
        "subject": subject,
        "own": subject.uid == viewer.person_uid,
        "nav": "program" if subject.uid == viewer.person_uid else "caseload",
        "ex": found,
        "config": page_config(found),
        "assets_ready": coach_assets.installed(),
    }
    response = render(request, "coach.html", context)
    response.headers["Content-Security-Policy"] = COACH_CSP
    return response


class SaveSets(BaseModel):
    """What "save to my log" sends: the sets counted on the device, nothing else."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sets: list[CoachedSet] = Field(min_length=1, max_length=50)
    performed_on: date | None = None


@router.post("/people/{uid}/program/coach/{exercise_id}/sets", summary="Save coached sets")
async def save_sets(request: Request, ctx: Ctx, subject: Subject, exercise_id: str) -> Response:
    found = coached_exercise(ctx, subject.name, exercise_id)
    try:
        body = SaveSets.model_validate_json(await request.body())
    except ValidationError as exc:
        raise invalid("coach.invalid", "These counts could not be saved.", exc, SaveSets) from exc
    variant = None if found.exercise_id == found.main_id else found.exercise_id
    done = ExerciseDone(
        exercise_id=found.main_id,
        sets_done=len(body.sets),
        regression_id=variant,
        coached=body.sets,
    )
    entry = SessionEntry(performed_on=body.performed_on or date.today(), exercises=[done])
    saved = tracking.log(ctx, subject.name, entry)
    return JSONResponse({"saved": True, "session": saved.model_dump(mode="json")})
