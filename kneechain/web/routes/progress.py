"""The progress page: the session log, adherence per week, changes against the smallest real
change, the progress charts and the re-tests due."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from kneechain.services import tracking
from kneechain.web import charts
from kneechain.web.deps import Ctx, CurrentViewer, Subject
from kneechain.web.pages import render

router = APIRouter(tags=["pages: progress"])


@router.get("/people/{uid}/progress", summary="Sessions, pain, changes and re-tests")
def progress_page(request: Request, ctx: Ctx, viewer: CurrentViewer, subject: Subject) -> Response:
    own = subject.uid == viewer.person_uid
    today = date.today()
    panels = tracking.chart_panels(ctx, subject.name)
    context = {
        "title": "Your progress" if own else f"{subject.name}: progress",
        "subject": subject,
        "own": own,
        "nav": "progress" if own else "caseload",
        "history": tracking.history(ctx, subject.name, today),
        "changes": tracking.progress(ctx, subject.name).changes,
        "retests": tracking.retests(ctx, subject.name, today),
        "charts": [
            {"panel": p, "svg": Markup(charts.panel_svg(p)), "caption": charts.caption(p)}
            for p in panels
            if p.lines or p.extra
        ],
    }
    return render(request, "progress.html", context)
