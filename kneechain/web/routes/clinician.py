"""Pages for clinicians: the caseload."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.responses import Response

from kneechain.services import people
from kneechain.web.deps import Ctx, CurrentClinician
from kneechain.web.pages import render

router = APIRouter(tags=["pages: clinician"])


@router.get("/caseload", summary="The clients linked to a clinician")
def caseload(request: Request, ctx: Ctx, viewer: CurrentClinician) -> Response:
    rows = people.caseload(ctx, viewer.name, date.today())
    return render(request, "caseload.html", {"title": "Caseload", "rows": rows, "nav": "caseload"})
