"""Pages of the program: the day's routine with pictures, dose, cautions and hold timers, the
easier variant when an exercise is too hard or too painful, logging the session, the calendar
file and the printable handout."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from pydantic import ValidationError
from starlette.responses import Response

from kneechain.errors import KneechainError, invalid
from kneechain.services import programs, routine
from kneechain.track.logbook import SessionEntry
from kneechain.web import views
from kneechain.web.deps import Ctx, CurrentViewer, Subject
from kneechain.web.pages import render

router = APIRouter(tags=["pages: program"])

#: the 0-10 pain scale's choices, made once (escaping its 22 numbers on every page showed in
#: py-spy under load)
PAIN_OPTIONS = Markup("".join(f'<option value="{n}">{n}</option>' for n in range(11)))


@router.get("/pictures/{picture_id}.svg", summary="The picture of an exercise or a test")
def picture(ctx: Ctx, picture_id: str) -> Response:
    svg = routine.picture_svg(ctx, picture_id)
    headers = {"Cache-Control": "public, max-age=86400"}
    return Response(svg, media_type="image/svg+xml", headers=headers)


def _program_page(
    request: Request,
    ctx: Ctx,
    viewer: CurrentViewer,
    subject: Subject,
    session: str | None,
    easier: set[str],
    error: KneechainError | None = None,
    saved: bool = False,
) -> Response:
    own = subject.uid == viewer.person_uid
    current = views.current_program(ctx, subject.name)
    today = routine.routine(ctx, subject.name, date.today(), session, current) if current else None
    context = {
        "title": "Your program" if own else f"{subject.name}: program",
        "subject": subject,
        "own": own,
        "nav": "program" if own else "caseload",
        "current": current,
        "routine": today,
        "easier": easier,
        "toggle": toggle_links(subject.uid, today, easier) if today else {},
        "error": error,
        "saved": saved,
        "pain_options": PAIN_OPTIONS,
    }
    status = error.http_status if error else 200
    return render(request, "program.html", context, status_code=status)


def toggle_links(uid: str, today: routine.Routine, easier: set[str]) -> dict[str, str]:
    """For each exercise, the address of the page with its easier version switched on or off."""
    links = {}
    for ex in today.exercises:
        chosen = easier ^ {ex.main.exercise_id}
        query = urlencode(
            {
                "session": today.session.id if today.session else "",
                "easier": ",".join(sorted(chosen)),
            }
        )
        links[ex.main.exercise_id] = f"/people/{uid}/program?{query}#ex-{ex.main.exercise_id}"
    return links


@router.get("/people/{uid}/program", summary="The program: today's routine")
def program_page(
    request: Request,
    ctx: Ctx,
    viewer: CurrentViewer,
    subject: Subject,
    session: str | None = None,
    easier: str | None = None,
    saved: bool = False,
) -> Response:
    chosen = {e for e in (easier or "").split(",") if e}
    return _program_page(request, ctx, viewer, subject, session, chosen, saved=saved)


def _pain(form: dict[str, str], name: str) -> int | None:
    value = form.get(name, "")
    return int(value) if value.isdigit() else None


def session_entry(form: dict[str, str], ids: list[str], today: date) -> SessionEntry:
    """The session a person ticked on the routine form, as the tracker's input model."""
    exercises = []
    for exercise_id in ids:
        if form.get(f"done_{exercise_id}") != "on":
            continue
        sets = form.get(f"sets_{exercise_id}", "1") or "1"
        exercises.append(
            {
                "exercise_id": exercise_id,
                "sets_done": int(sets) if sets.isdigit() else sets,
                "regression_id": form.get(f"easier_{exercise_id}") or None,
            }
        )
    data = {
        "performed_on": form.get("performed_on") or today.isoformat(),
        "exercises": exercises,
        "pain_before": _pain(form, "pain_before"),
        "pain_after": _pain(form, "pain_after"),
        "note": form.get("note") or None,
    }
    try:
        return SessionEntry.model_validate(data)
    except ValidationError as exc:
        problems = invalid("session.invalid", "The session needs a change.", exc, SessionEntry)
        if not exercises:
            problems.message = "Tick at least one exercise you did."
            problems.problems = []
        raise problems from exc


@router.post("/people/{uid}/sessions", summary="Log a session")
async def log_session(
    request: Request, ctx: Ctx, viewer: CurrentViewer, subject: Subject
) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    session = form.get("session") or None
    easier = {k.removeprefix("easier_") for k, v in form.items() if k.startswith("easier_") and v}
    on = date.today()

    def entry_for(today: routine.Routine) -> SessionEntry:
        return session_entry(form, [e.main.exercise_id for e in today.exercises], on)

    try:
        routine.log_day(ctx, subject.name, on, session, entry_for)
    except KneechainError as error:
        return _program_page(request, ctx, viewer, subject, session, easier, error)
    target = f"/people/{subject.uid}/program?saved=1"
    return RedirectResponse(target + (f"&session={session}" if session else ""), status_code=303)


@router.get("/people/{uid}/calendar.ics", summary="Sessions and re-tests as a calendar file")
def calendar(ctx: Ctx, subject: Subject) -> Response:
    data = programs.calendar_file(ctx, subject.name)
    headers = {"Content-Disposition": 'attachment; filename="kneechain-program.ics"'}
    return Response(data, media_type="text/calendar", headers=headers)


@router.get("/people/{uid}/handout.pdf", summary="The printable handout (PDF)")
def handout(ctx: Ctx, subject: Subject) -> Response:
    data = programs.handout_pdf(ctx, subject.name)
    headers = {"Content-Disposition": 'inline; filename="kneechain-program.pdf"'}
    return Response(data, media_type="application/pdf", headers=headers)
