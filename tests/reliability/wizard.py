"""Walking the check-up wizard to its first clip question, as the page's forms do."""

from __future__ import annotations

from kneechain.services import checkups
from kneechain.services.context import ServiceContext
from tests.web.conftest import Browser
from tests.web.test_journey import form_for


def to_first_clip(browser: Browser, ctx: ServiceContext, name: str, limit: int = 200) -> str:
    """Answer until a clip is asked for (choosing to film the first test); its question id."""
    url = f"/people/{browser.person_uid}/checkup/answer"
    for _ in range(limit):
        question = checkups.current(ctx, name).question
        assert question is not None, "the check-up ended before any clip was asked for"
        if question.kind == "clip":
            return question.id
        form = form_for(ctx, name)
        if question.kind == "choice" and "film" in {o.value for o in question.options}:
            form["answer"] = "film"
        response = browser.post(url, form)
        assert response.status_code == 303, response.text[:500]
    raise AssertionError("no clip question within the limit")
