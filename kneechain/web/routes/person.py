"""Pages of one person's record: the start page (shared by the person and their clinicians)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kneechain.web import views
from kneechain.web.deps import Ctx, CurrentViewer, Subject
from kneechain.web.pages import render

router = APIRouter(tags=["pages: record"])


@router.get("/people/{uid}", summary="A person's record: start page")
def record(request: Request, ctx: Ctx, viewer: CurrentViewer, subject: Subject) -> Response:
    own = subject.uid == viewer.person_uid
    context = {
        "title": "Your knee" if own else subject.name,
        "subject": subject,
        "own": own,
        "nav": "home" if own else "caseload",
        "view": views.start_page(ctx, subject),
    }
    return render(request, "record.html", context)
