"""Every error reaches a person as a friendly page (browser) or the ErrorBody JSON (API), with
the status its kind maps to; never a traceback."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kneechain.errors import HTTP_STATUS, ErrorBody, ErrorKind, KneechainError
from kneechain.web.errors import error_response
from tests.web.conftest import Browser, Cast


def test_an_unknown_page_is_a_friendly_404(cast: Cast) -> None:
    response = cast.alex.get("/no/such/page")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "Page not found" in response.text and "Back to the start page" in response.text


def test_an_unknown_api_address_is_a_json_404(cast: Cast) -> None:
    response = cast.alex.get("/api/no-such-thing")
    assert response.status_code == 404
    ErrorBody.model_validate(response.json())


def test_invalid_json_input_names_the_field_in_plain_words(browser: Browser) -> None:
    token = browser.csrf()
    response = browser.client.post(
        "/api/accounts",
        json={"email": "not-an-address", "password": "short", "name": "A"},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 422
    body = ErrorBody.model_validate(response.json())
    assert body.code in ("account.invalid", "request.invalid")
    joined = " ".join(body.problems)
    assert "email" in joined and "password" in joined
    assert "Value error" not in joined and "pydantic" not in joined.lower()


def test_a_sign_up_form_error_is_shown_on_the_form_with_the_answers_kept(browser: Browser) -> None:
    data = {"email": "sam@example.org", "password": "short", "name": "Sam", "role": "person"}
    response = browser.post("/signup", data)
    assert response.status_code == 422
    assert "password" in response.text and 'value="sam@example.org"' in response.text


def test_a_second_account_with_the_same_email_is_a_conflict(app: FastAPI, cast: Cast) -> None:
    data = {"email": "Alex@Example.org", "password": "another long password", "name": "Alex Two"}
    response = Browser(app).post("/signup", data)
    assert response.status_code == 409
    assert "already exists" in response.text


def test_every_kind_maps_to_its_status_once(app: FastAPI) -> None:
    from starlette.requests import Request

    for kind in ErrorKind:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/api/x",
            "headers": [],
            "query_string": b"",
            "app": app,
        }
        response = error_response(Request(scope), KneechainError("x", "message", kind=kind))
        assert response.status_code == HTTP_STATUS[kind]


def test_an_unexpected_fault_is_a_plain_500_page_without_internals(app: FastAPI) -> None:
    @app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "secret internal detail" not in response.text and "Traceback" not in response.text
    api = client.get("/boom-for-test", headers={"accept": "application/json"})
    assert api.json()["kind"] == "internal" and "secret" not in api.text
