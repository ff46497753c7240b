"""schemathesis against the JSON API's OpenAPI (/api/openapi.json), as nobody and as a
logged-in person (Blair) while another person's record (Alex's) exists: no answer is a server
error, every answer the schema documents has the documented shape, and no answer carries
Alex's data."""

from __future__ import annotations

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.reliability.conftest import Owned
from tests.web.conftest import Browser, Cast

QUICK = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def operations(app: FastAPI) -> list[schemathesis.APIOperation]:
    api = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    found = [result.ok() for result in api.get_all_operations()]
    assert len(found) >= 20  # the whole API, not an empty schema
    return found


def alexs(owned: Owned, cast: Cast) -> list[str]:
    assert cast.alex.person_uid
    return [cast.alex.person_uid, owned.checkup_uid, owned.media_sha256, "alex@example.org"]


def fuzz(app: FastAPI, browser: Browser, secrets: list[str]) -> int:
    """Every operation with generated inputs as `browser`; the number of calls made."""
    token = browser.csrf()
    cookies = dict(browser.client.cookies)
    made = 0
    for operation in operations(app):

        @QUICK
        @given(case=operation.as_strategy())
        def one(case: schemathesis.Case) -> None:
            nonlocal made
            response = case.call_and_validate(
                headers={"X-CSRF-Token": token},
                cookies=cookies,
                checks=[not_a_server_error, response_schema_conformance],
            )
            made += 1
            for secret in secrets:
                where = f"{case.method} {case.formatted_path}"
                assert secret not in response.text, where

        one()
    return made


def test_the_api_as_nobody(app: FastAPI, cast: Cast, owned: Owned) -> None:
    assert fuzz(app, cast.nobody, alexs(owned, cast)) > 100


def test_the_api_as_another_person(app: FastAPI, cast: Cast, owned: Owned) -> None:
    assert fuzz(app, cast.blair, alexs(owned, cast)) > 100
