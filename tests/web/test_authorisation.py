"""The authorisation matrix, walked over every route in the app's route table (so a new route
cannot be missed): as nobody, as another person, as a clinician who is not linked, as the owner
and as the linked clinician."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI

from kneechain.web.app import route_table
from tests.web.conftest import Browser, Cast

#: (method, path) anybody may use without logging in
PUBLIC = {
    ("GET", "/"),
    ("GET", "/signup"),
    ("POST", "/signup"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/api/csrf"),
    ("POST", "/api/accounts"),
    ("POST", "/api/session"),
    ("DELETE", "/api/session"),
    ("GET", "/pictures/{picture_id}.svg"),
    ("GET", "/coach/pose/{name}"),  # the pinned @mediapipe/pose files, public like /static
}
#: only clinicians may use these (a person gets 403)
CLINICIAN_ONLY = {("GET", "/caseload"), ("GET", "/api/clients")}
FILLER = "0" * 32


def routes(app: FastAPI) -> list[tuple[str, str]]:
    return route_table(app)


def url_for(path: str, uid: str) -> str:
    url = path.replace("{uid}", uid)
    return re.sub(r"\{[^}]+\}", FILLER, url)


def call(browser: Browser, method: str, url: str) -> Any:
    if method == "GET":
        return browser.get(url)
    token = browser.csrf()
    return browser.client.request(
        method, url, headers={"X-CSRF-Token": token}, data={"csrf_token": token}
    )


def test_the_route_table_is_walked(app: FastAPI) -> None:
    table = routes(app)
    assert ("GET", "/people/{uid}") in table
    assert len([r for r in table if "{uid}" in r[1]]) >= 1


def test_nobody_reaches_only_the_public_routes(app: FastAPI, cast: Cast) -> None:
    assert cast.alex.person_uid
    for method, path in routes(app):
        if (method, path) in PUBLIC:
            continue
        response = call(cast.nobody, method, url_for(path, cast.alex.person_uid))
        where = f"{method} {path}"
        if path.startswith("/api/") or method != "GET":
            assert response.status_code == 401, where
        else:
            assert response.status_code == 303, where
            assert response.headers["location"].startswith("/login?next="), where


@pytest.mark.parametrize("who", ["blair", "stranger"])
def test_another_person_or_an_unlinked_clinician_is_refused(
    app: FastAPI, cast: Cast, who: str
) -> None:
    intruder: Browser = getattr(cast, who)
    assert cast.alex.person_uid
    checked = 0
    for method, path in routes(app):
        if "{uid}" not in path:
            continue
        response = call(intruder, method, url_for(path, cast.alex.person_uid))
        assert response.status_code == 403, f"{who}: {method} {path}"
        assert cast.alex.person_uid not in response.text
        checked += 1
    assert checked >= 2


def test_a_record_that_does_not_exist_looks_like_one_not_yours(cast: Cast) -> None:
    response = cast.blair.get(f"/api/people/{FILLER}")
    assert response.status_code == 403
    assert response.json()["code"] == "person.forbidden"


def test_owner_and_linked_clinician_see_the_record(cast: Cast) -> None:
    url = f"/people/{cast.alex.person_uid}"
    for browser in (cast.alex, cast.clinician):
        response = browser.get(url)
        assert response.status_code == 200
        assert "Alex" in response.text
    data = cast.clinician.get(f"/api/people/{cast.alex.person_uid}").json()
    assert data["history"]["person"]["name"] == "Alex"


def test_clinician_pages_refuse_a_person(app: FastAPI, cast: Cast) -> None:
    for method, path in CLINICIAN_ONLY:
        assert (method, path) in routes(app)
        assert call(cast.alex, method, path).status_code == 403
        assert call(cast.clinician, method, path).status_code == 200


def test_the_caseload_lists_only_linked_clients(cast: Cast) -> None:
    page = cast.clinician.get("/caseload").text
    assert "Alex" in page
    assert "Blair" not in page
    assert "Alex" not in cast.stranger.get("/caseload").text


def test_unlinking_removes_the_clinicians_access(cast: Cast) -> None:
    clinician_uid = cast.clinician.person_uid
    url = f"/people/{cast.alex.person_uid}"
    assert cast.clinician.get(url).status_code == 200
    assert cast.alex.post(f"/account/clinicians/{clinician_uid}/unlink").status_code == 303
    assert cast.clinician.get(url).status_code == 403
