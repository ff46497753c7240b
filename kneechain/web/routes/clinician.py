"""Pages for clinicians: the caseload."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from kneechain.assess.case import Measurement
from kneechain.errors import KneechainError, invalid
from kneechain.program.edit import ProgramEdit
from kneechain.services import assessment, people, programs, reports, tracking
from kneechain.web.deps import Ctx, CurrentClinician, CurrentViewer, Subject
from kneechain.web.pages import render

router = APIRouter(tags=["pages: clinician"])


@router.get("/caseload", summary="The clients linked to a clinician")
def caseload(request: Request, ctx: Ctx, viewer: CurrentClinician) -> Response:
    rows = people.caseload(ctx, viewer.name, date.today())
    return render(request, "caseload.html", {"title": "Caseload", "rows": rows, "nav": "caseload"})


@router.get("/people/{uid}/compare", summary="Two check-ups side by side")
def compare(
    request: Request,
    ctx: Ctx,
    viewer: CurrentViewer,
    subject: Subject,
    first: str = "1",
    second: str = "-1",
) -> Response:
    comparison = assessment.compare(ctx, subject.name, first, second)
    context = {
        "title": f"{subject.name}: two check-ups",
        "subject": subject,
        "own": subject.uid == viewer.person_uid,
        "nav": "caseload",
        "cmp": comparison,
        "checkups": assessment.assessments(ctx, subject.name),
    }
    return render(request, "compare.html", context)


def _edit_page(
    request: Request,
    ctx: Ctx,
    subject: Subject,
    error: KneechainError | None = None,
    saved: bool = False,
) -> Response:
    kb = ctx.domain.knowledge
    context = {
        "title": f"{subject.name}: edit the program",
        "subject": subject,
        "nav": "caseload",
        "current": programs.current(ctx, subject.name),
        "exercises": sorted(kb.exercises.values(), key=lambda e: e.name),
        "names": {e.id: e.name for e in kb.exercises.values()},
        "error": error,
        "saved": saved,
    }
    return render(request, "program_edit.html", context, error.http_status if error else 200)


@router.get("/people/{uid}/program/edit", summary="Edit a client's program (clinicians)")
def edit_form(
    request: Request, ctx: Ctx, viewer: CurrentClinician, subject: Subject, saved: bool = False
) -> Response:
    return _edit_page(request, ctx, subject, saved=saved)


@router.post("/people/{uid}/program/edit", summary="Change a client's program: a new version")
def edit(
    request: Request,
    ctx: Ctx,
    viewer: CurrentClinician,
    subject: Subject,
    action: Annotated[str, Form()],
    exercise: Annotated[str, Form()],
    expected_version: Annotated[int, Form()],
    new_exercise: Annotated[str, Form()] = "",
    dose: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    try:
        change = ProgramEdit.model_validate(
            {
                "action": action,
                "exercise": exercise,
                "new_exercise": new_exercise or None,
                "dose": dose or None,
                "note": note,
            }
        )
    except ValidationError as exc:
        error = invalid("edit.invalid", "The change needs a correction.", exc, ProgramEdit)
        return _edit_page(request, ctx, subject, error)
    try:
        programs.edit(
            ctx, subject.name, [change], by=viewer.name, expected_version=expected_version
        )
    except KneechainError as error:
        return _edit_page(request, ctx, subject, error)
    return RedirectResponse(f"/people/{subject.uid}/program/edit?saved=1", status_code=303)


@router.get("/people/{uid}/report.pdf", summary="Printable client report (PDF)")
def client_report(ctx: Ctx, viewer: CurrentClinician, subject: Subject) -> Response:
    report = reports.client_report(ctx, subject.name, date.today())
    pdf = reports.client_report_pdf(ctx, report)
    headers = {"Content-Disposition": 'inline; filename="client-report.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


def _sides(per_side: bool) -> list[str | None]:
    return ["left", "right"] if per_side else [None]


def hands_on_measures(ctx: Ctx) -> list[tuple[str, str, str, list[str | None], float, float]]:
    """(measure id, name, unit, sides, low, high) of every test only a clinician performs."""
    kb = ctx.domain.knowledge
    return [
        (
            m.id,
            f"{t.name}: {m.name}",
            m.unit,
            _sides(m.per_side),
            m.valid_min,
            m.valid_max,
        )
        for t in kb.tests.values()
        if t.performer == "clinician"
        for m in t.measures
    ]


@router.post("/people/{uid}/hands-on", summary="Add hands-on findings (clinicians)")
async def hands_on(
    request: Request, ctx: Ctx, viewer: CurrentClinician, subject: Subject
) -> Response:
    form = await request.form()
    items = []
    try:
        for measure_id, _name, _unit, sides, _low, _high in hands_on_measures(ctx):
            for side in sides:
                text = str(form.get(f"{measure_id}.{side or 'both'}", "")).strip()
                if text:
                    data = {"measure": measure_id, "value": text, "provenance": "clinician"}
                    items.append(
                        Measurement.model_validate(data | ({"side": side} if side else {}))
                    )
        if not items:
            raise KneechainError("hands_on.empty", "Type at least one finding.", field="hands_on")
        tracking.measurements(ctx, subject.name, date.today(), items)
    except ValidationError as exc:
        error = invalid("hands_on.invalid", "A finding needs a change.", exc, Measurement)
        return RedirectResponse(
            f"/people/{subject.uid}?hands_on_error={quote(error.text())}", status_code=303
        )
    except KneechainError as error:
        return RedirectResponse(
            f"/people/{subject.uid}?hands_on_error={quote(error.text())}", status_code=303
        )
    return RedirectResponse(f"/people/{subject.uid}?hands_on_saved=1", status_code=303)
