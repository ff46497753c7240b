"""Pages for clinicians: the caseload."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from kneechain.errors import KneechainError, invalid
from kneechain.program.edit import ProgramEdit
from kneechain.services import assessment, people, programs, reports
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
