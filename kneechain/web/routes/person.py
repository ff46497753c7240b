"""Pages of one person's record: the start page (shared by the person and their clinicians)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.responses import Response

from kneechain.services import overview as overview_service
from kneechain.web.deps import Ctx, CurrentViewer, Subject
from kneechain.web.pages import render

router = APIRouter(tags=["pages: record"])


@router.get("/people/{uid}", summary="A person's record: start page")
def record(request: Request, ctx: Ctx, viewer: CurrentViewer, subject: Subject) -> Response:
    view = overview_service.overview(ctx, viewer, subject.uid, date.today())
    own = subject.uid == viewer.person_uid
    title = "Your knee" if own else subject.name
    context = {"title": title, "view": view, "own": own, "nav": "home" if own else "caseload"}
    return render(request, "record.html", context)
