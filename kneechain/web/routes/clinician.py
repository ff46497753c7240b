"""Pages for clinicians: the caseload."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.responses import Response

from kneechain.services import accounts
from kneechain.services import overview as overview_service
from kneechain.web.deps import Ctx, CurrentClinician
from kneechain.web.pages import render

router = APIRouter(tags=["pages: clinician"])


@router.get("/caseload", summary="The clients linked to a clinician")
def caseload(request: Request, ctx: Ctx, viewer: CurrentClinician) -> Response:
    today = date.today()
    rows = [
        overview_service.overview(ctx, viewer, client.uid, today)
        for client in accounts.clients(ctx, viewer)
    ]
    return render(request, "caseload.html", {"title": "Caseload", "rows": rows, "nav": "caseload"})
