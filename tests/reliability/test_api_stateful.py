"""schemathesis, stateful: sequences of JSON API calls that feed one answer into the next call,
as a logged-in person (Blair, with a stored check-up) and as nobody, while another person's
record (Alex's) holds a check-up and a picture. No server error, every documented answer in
its documented shape, no answer carrying Alex's data.

The app's schema declares no OpenAPI links, so the test adds them to a copy: who am I ->
every use case of my record; a check-up step -> the answer to the question it asks, back,
finish; a stored check-up -> its report and the comparison; the list of check-ups -> the
first one's report; the program -> an edit of that version. Without them generated ids never
name a real check-up; with them the run reaches Blair's own report (checked below)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.config import SchemathesisConfig

from kneechain.assess.case import Case
from kneechain.services import assessment
from kneechain.services.context import ServiceContext
from tests.reliability.conftest import EXAMPLES, Owned
from tests.reliability.test_api_fuzz import alexs
from tests.web.conftest import Browser, Cast

ME = ("/api/me", "get", "200")
RECORD = "/api/people/{uid}"
STEP_SOURCES = [
    (f"{RECORD}/checkup", "get", "200"),
    (f"{RECORD}/checkup/answers", "post", "200"),
    (f"{RECORD}/checkup/back", "post", "200"),
]
REPORT = f"{RECORD}/checkups/{{checkup_uid}}"
pytestmark = pytest.mark.slow  # 60 call sequences a role: 25-45 s on the shared machine


@pytest.fixture(autouse=True)
def same_draws_whatever_was_imported(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`derandomize` alone does not give the same call sequences on every run: Hypothesis
    (6.170) also draws, now and then, constants read from the source of every local module
    imported so far (kneechain's), so the sequences changed with whatever else the session had
    imported. Run as a whole, tests/reliability collects test_variable_frame_rate.py, which
    imports kneechain.vision and friends; after that no sequence reached Blair's report and the
    signed-in test failed, alone it passed. Here no local constant is drawn (Hypothesis's own
    global ones still are), and its cache of allowed constants is emptied before and after."""
    from hypothesis.internal.conjecture import providers

    monkeypatch.setattr(providers, "_get_local_constants", providers.Constants)
    providers.CONSTANTS_CACHE.cache.clear()
    yield
    providers.CONSTANTS_CACHE.cache.clear()


def linked_schema(app: FastAPI) -> dict[str, Any]:
    """The JSON API's part of the app's schema, with links between its operations. Logging
    out is left out: it would end the signed-in person's session for the rest of the run."""
    raw = copy.deepcopy(app.openapi())
    raw["paths"] = {p: ops for p, ops in raw["paths"].items() if p.startswith("/api/")}
    del raw["paths"]["/api/session"]["delete"]

    def link(source: tuple[str, str, str], path: str, method: str, **how: Any) -> None:
        response = raw["paths"][source[0]][source[1]]["responses"][source[2]]
        target = raw["paths"][path][method]["operationId"]
        response.setdefault("links", {})[f"{method} {path}"] = {"operationId": target, **how}

    own = {"uid": "$response.body#/person_uid"}
    for path, ops in raw["paths"].items():
        if path.startswith(RECORD) and "{" not in path.removeprefix(RECORD):
            for method in ops:
                link(ME, path, method, parameters=own)
    same = {"uid": "$request.path.uid"}
    for source in STEP_SOURCES:
        link(
            source,
            f"{RECORD}/checkup/answers",
            "post",
            parameters=same,
            requestBody={
                "question_id": "$response.body#/question/id",
                "value": "$response.body#/question/minimum",  # a number asked: its least
            },
        )
        link(source, f"{RECORD}/checkup/back", "post", parameters=same)
        link(source, f"{RECORD}/checkup/finish", "post", parameters=same)
    finished = (f"{RECORD}/checkup/finish", "post", "200")
    link(finished, REPORT, "get", parameters=same | {"checkup_uid": "$response.body#/uid"})
    link(
        finished,
        f"{RECORD}/compare",
        "get",
        parameters=same | {"first": "$response.body#/uid", "second": "$response.body#/uid"},
    )
    listed = (f"{RECORD}/checkups", "get", "200")
    link(listed, REPORT, "get", parameters=same | {"checkup_uid": "$response.body#/0/uid"})
    start = (RECORD, "get", "200")
    link(start, REPORT, "get", parameters=same | {"checkup_uid": "$response.body#/checkups/0/uid"})
    program = (f"{RECORD}/program", "get", "200")
    link(
        program,
        f"{RECORD}/program/edits",
        "post",
        parameters=same | {"expected_version": "$response.body#/version"},
    )
    return raw


def run(app: FastAPI, browser: Browser, secrets: list[str]) -> dict[str, set[int]]:
    """The state machine as `browser`; the statuses each operation answered."""
    token = browser.csrf()
    cookies = dict(browser.client.cookies)
    # only the links declared above: schemathesis's own guesses add a dozen targets to most
    # answers, and a chain of three linked calls is then seldom drawn
    only_declared = SchemathesisConfig.from_dict(
        {"phases": {"stateful": {"inference": {"algorithms": []}}}}
    )
    api = schemathesis.openapi.from_dict(linked_schema(app), config=only_declared)
    api.app = app
    seen: dict[str, set[int]] = {}

    class Calls(api.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": {"X-CSRF-Token": token}, "cookies": cookies}

        def validate_response(  # type: ignore[override]
            self, response: Any, case: schemathesis.Case, **kwargs: Any
        ) -> None:
            seen.setdefault(case.operation.label, set()).add(response.status_code)
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )
            for secret in secrets:
                assert secret not in response.text, f"{case.method} {case.formatted_path}"

    run_state_machine_as_test(
        Calls,
        settings=settings(
            max_examples=60,
            derandomize=True,  # the same sequences on every run
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    return seen


def test_linked_calls_as_a_signed_in_person(
    app: FastAPI, ctx: ServiceContext, cast: Cast, owned: Owned
) -> None:
    case = Case.model_validate_json(
        (EXAMPLES / "desk_worker_bilateral_ir_deficit.json").read_text()
    )
    assessment.record(ctx, "Blair", case)
    seen = run(app, cast.blair, alexs(owned, cast))
    # the links were followed: Blair's own check-up report was reached by its real id
    assert 200 in seen.get(f"GET {REPORT}", set()), seen
    assert f"POST {RECORD}/checkup/answers" in seen, seen  # a link's request body


def test_linked_calls_as_nobody(app: FastAPI, cast: Cast, owned: Owned) -> None:
    seen = run(app, cast.nobody, alexs(owned, cast))
    assert seen and all(s < 500 for statuses in seen.values() for s in statuses), seen
