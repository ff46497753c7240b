"""The audit log of a record: who read or changed it, for the person and their clinicians."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kneechain.services import audit
from kneechain.web.deps import Ctx, CurrentViewer, Subject
from kneechain.web.pages import render

router = APIRouter(tags=["pages: audit"])


@router.get("/people/{uid}/audit", summary="Who read or changed this record")
def audit_page(request: Request, ctx: Ctx, viewer: CurrentViewer, subject: Subject) -> Response:
    own = subject.uid == viewer.person_uid
    context = {
        "title": "Who opened your record" if own else f"{subject.name}: who opened the record",
        "subject": subject,
        "own": own,
        "nav": "account" if own else "caseload",
        "trail": audit.trail(ctx, viewer, subject.uid),
    }
    return render(request, "audit.html", context)


@router.get("/api/people/{uid}/audit", summary="Who read or changed this record", tags=["api"])
def audit_api(ctx: Ctx, viewer: CurrentViewer, subject: Subject) -> audit.AuditTrail:
    return audit.trail(ctx, viewer, subject.uid)
