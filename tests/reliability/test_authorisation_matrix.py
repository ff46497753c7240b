"""The authorisation matrix, extended to resources of another user: every route of the app's
route table (the web helper's walker) x every role (nobody, the owner, another person, the
linked clinician, an unlinked clinician) x whose resource it names (Alex's record, or the
intruder's own record with Alex's check-up, proof picture or clinician in the path).

A route may answer the owner and the linked clinician; everyone else gets 401/403/404 (or a
redirect to log in), and no refused answer carries Alex's data."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI

from kneechain.web.app import route_table
from tests.reliability.conftest import Owned
from tests.web.conftest import Browser, Cast
from tests.web.test_authorisation import PUBLIC, call

REFUSED = {401, 403, 404}
#: route parameters that name something of one person's record (the others, such as an
#: exercise or a picture of the knowledge base, are the same for everybody)
OWNED = {"checkup_uid", "sha256", "clinician_uid"}


def fill(path: str, uid: str, owned: Owned) -> str:
    """The path with `uid` as the record and Alex's resources in every other parameter."""
    values = {
        "uid": uid,
        "checkup_uid": owned.checkup_uid,
        "sha256": owned.media_sha256,
        "clinician_uid": owned.clinician_uid,
        "exercise_id": owned.exercise_id,
        "picture_id": "glute_bridge",
    }

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"route parameter {name!r} has no resource in this matrix: add it"
        return values[name]

    return re.sub(r"\{([^}]+)\}", value, path)


def alex_data(owned: Owned) -> list[str]:
    return [owned.checkup_uid, owned.media_sha256, "alex's proof picture", "Alex"]


def leaks(response: Any, owned: Owned) -> list[str]:
    body = (
        response.text
        if response.headers.get("content-type", "").startswith(("text", "application/json"))
        else ""
    )
    return [d for d in alex_data(owned) if d in body]


@pytest.mark.parametrize("who", ["blair", "stranger"])
def test_another_users_resources_through_ones_own_record_are_refused(
    app: FastAPI, cast: Cast, owned: Owned, who: str
) -> None:
    """Blair (or an unlinked clinician) names their own record but Alex's check-up, picture
    or clinician: refused, and nothing of Alex's comes back."""
    intruder: Browser = getattr(cast, who)
    assert intruder.person_uid
    walked = 0
    for method, path in route_table(app):
        if "{uid}" not in path or not OWNED & set(re.findall(r"\{([^}]+)\}", path)):
            continue
        if method != "GET":
            continue  # the state-changing ones are checked below, on a fresh record
        response = call(intruder, method, fill(path, intruder.person_uid, owned))
        assert response.status_code in REFUSED, f"{who}: {method} {path} {response.status_code}"
        assert leaks(response, owned) == [], f"{who}: {method} {path}"
        walked += 1
    assert walked >= 2  # the check-up report and the media route at least


def test_unlinking_someone_elses_clinician_changes_nothing(cast: Cast, owned: Owned) -> None:
    """Blair 'unlinks' Dr Kim, who follows Alex: Blair's own links change, Alex's do not."""
    assert cast.blair.post(f"/account/clinicians/{owned.clinician_uid}/unlink").status_code == 303
    assert cast.clinician.get(f"/people/{cast.alex.person_uid}").status_code == 200


ROLES = ("nobody", "alex", "blair", "clinician", "stranger")
ALLOWED = {"alex", "clinician"}


@pytest.mark.parametrize("who", ROLES)
def test_every_route_every_role_on_alexs_record(
    app: FastAPI, cast: Cast, owned: Owned, who: str
) -> None:
    """Every read route of Alex's record (his check-up, his picture): the owner and the linked
    clinician are served (or told the page is clinicians' only), everyone else refused; no
    route answers 500 to anyone."""
    browser: Browser = getattr(cast, who)
    assert cast.alex.person_uid
    for method, path in route_table(app):
        if method != "GET" or (method, path) in PUBLIC or "{uid}" not in path:
            continue
        response = call(browser, method, fill(path, cast.alex.person_uid, owned))
        where = f"{who}: {method} {path} -> {response.status_code}"
        assert response.status_code < 500 or response.status_code == 503, where
        if who in ALLOWED:
            assert response.status_code in (200, 303, 403), where
            if response.status_code == 403:
                assert who == "alex", where  # only clinician tools are refused to the owner
        elif who == "nobody":
            assert response.status_code in (303, 401), where
        else:
            assert response.status_code == 403, where
            assert leaks(response, owned) == [], where
