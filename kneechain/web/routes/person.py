"""Pages of one person's record: the start page (shared by the person and their clinicians)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from kneechain.services import results
from kneechain.web import bands, views
from kneechain.web.deps import Ctx, CurrentViewer, Subject
from kneechain.web.pages import render

router = APIRouter(tags=["pages: record"])


@router.get("/people/{uid}", summary="A person's record: start page")
def record(
    request: Request,
    ctx: Ctx,
    viewer: CurrentViewer,
    subject: Subject,
    hands_on_saved: bool = False,
    hands_on_error: str | None = None,
) -> Response:
    own = subject.uid == viewer.person_uid
    from kneechain.web.routes.clinician import hands_on_measures

    context = {
        "hands_on": hands_on_measures(ctx) if viewer.role == "clinician" and not own else [],
        "hands_on_saved": hands_on_saved,
        "hands_on_error": hands_on_error[:300] if hands_on_error else None,
        "title": "Your knee" if own else subject.name,
        "subject": subject,
        "own": own,
        "nav": "home" if own else "caseload",
        "view": views.start_page(ctx, subject),
    }
    return render(request, "record.html", context)


@router.get("/people/{uid}/checkups/{checkup_uid}", summary="A check-up's results")
def checkup_report(
    request: Request, ctx: Ctx, viewer: CurrentViewer, subject: Subject, checkup_uid: str
) -> Response:
    own = subject.uid == viewer.person_uid
    report = results.report(ctx, subject.name, checkup_uid)
    context = {
        "title": "Your results" if own else f"{subject.name}: results",
        "subject": subject,
        "own": own,
        "nav": "checkup" if own else "caseload",
        "report": report,
        "band_for": lambda value: Markup(bands.band_svg(value)),
    }
    return render(request, "report.html", context)


@router.get("/people/{uid}/media/{sha256}", summary="A proof picture or clip of the record")
def media(ctx: Ctx, subject: Subject, sha256: str) -> Response:
    data, kind = results.media_file(ctx, subject.name, sha256)
    headers = {"Cache-Control": "private, max-age=3600", "Content-Disposition": "inline"}
    return Response(data, media_type=kind, headers=headers)


@router.get("/people/{uid}/checkups/{checkup_uid}/letter", summary="A letter for a clinician")
def letter(
    request: Request, ctx: Ctx, viewer: CurrentViewer, subject: Subject, checkup_uid: str
) -> Response:
    report = results.report(ctx, subject.name, checkup_uid)
    context = {"title": "Letter for a clinician", "subject": subject, "report": report}
    return render(request, "letter.html", context)
