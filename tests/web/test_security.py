"""Security of the web app: password hashing, cookies, CSRF on every state-changing route, the
login rate limit, body limits and the headers of every response."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import select

from kneechain.services import accounts
from kneechain.services.context import ServiceContext
from kneechain.track.models import AccountRecord, LoginSessionRecord, utcnow
from kneechain.web.app import route_table
from kneechain.web.security import SAFE_METHODS
from tests.web.conftest import PASSWORD, Browser, Cast


def test_passwords_are_stored_as_argon2_hashes(ctx: ServiceContext, cast: Cast) -> None:
    with ctx.db() as db:
        stored = db.scalars(select(AccountRecord.password_hash)).all()
    assert stored and all(h.startswith("$argon2id$") for h in stored)
    assert not any(PASSWORD in h for h in stored)


def test_the_session_cookie_is_httponly_and_samesite(app: FastAPI) -> None:
    browser = Browser(app)
    response = browser.post(
        "/signup", {"email": "a@example.org", "password": PASSWORD, "name": "A", "role": "person"}
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if "kneechain_session" in c)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here (a developer's loopback)


def test_cookies_are_secure_over_https(app: FastAPI) -> None:
    browser = Browser(app, base_url="https://testserver")
    response = browser.post(
        "/signup", {"email": "a@example.org", "password": PASSWORD, "name": "A", "role": "person"}
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if "kneechain_session" in c)
    assert "Secure" in cookie
    assert "max-age=31536000" in response.headers["strict-transport-security"]


def test_only_the_hash_of_the_session_token_is_stored(ctx: ServiceContext, cast: Cast) -> None:
    token = cast.alex.client.cookies["kneechain_session"]
    with ctx.db() as db:
        hashes = db.scalars(select(LoginSessionRecord.token_hash)).all()
    assert token not in hashes and len(hashes) == 4


def test_every_state_changing_route_refuses_a_request_without_csrf_token(
    app: FastAPI, cast: Cast
) -> None:
    checked = 0
    for method, path in route_table(app):
        if method in SAFE_METHODS:
            continue
        url = path.replace("{uid}", cast.alex.person_uid or "")
        response = cast.alex.client.request(method, url.replace("{", "").replace("}", ""))
        assert response.status_code == 403, f"{method} {path}"
        assert "did not come from this site" in response.text
        checked += 1
    assert checked >= 5


def test_a_wrong_csrf_token_is_refused_and_a_right_one_accepted(cast: Cast) -> None:
    data = {"clinician_email": "dr.lee@example.org", "csrf_token": "forged"}
    assert cast.alex.client.post("/account/clinicians", data=data).status_code == 403
    assert (
        cast.alex.post("/account/clinicians", {"clinician_email": "dr.lee@example.org"}).status_code
        == 303
    )


def test_another_browsers_csrf_token_is_refused(cast: Cast) -> None:
    token = cast.blair.csrf()
    data = {"clinician_email": "dr.lee@example.org", "csrf_token": token}
    assert cast.alex.client.post("/account/clinicians", data=data).status_code == 403


def test_login_is_rate_limited_per_email(app: FastAPI, cast: Cast) -> None:
    browser = Browser(app)
    for _ in range(5):
        wrong = browser.post("/login", {"email": "alex@example.org", "password": "not it at all"})
        assert wrong.status_code == 401
        assert "not right" in wrong.text
    refused = browser.post("/login", {"email": "alex@example.org", "password": PASSWORD})
    assert refused.status_code == 429
    assert "Too many failed log-ins" in refused.text
    api = Browser(app).client
    token = api.get("/api/csrf").json()["csrf_token"]
    response = api.post(
        "/api/session",
        json={"email": "ALEX@example.org", "password": PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 429
    assert response.json()["kind"] == "rate_limited"


def test_a_good_login_clears_earlier_failures(app: FastAPI, cast: Cast) -> None:
    browser = Browser(app)
    for _ in range(4):
        browser.post("/login", {"email": "alex@example.org", "password": "wrong password!"})
    assert (
        browser.post("/login", {"email": "alex@example.org", "password": PASSWORD}).status_code
        == 303
    )
    browser.post("/logout")
    for _ in range(4):
        assert (
            browser.post(
                "/login", {"email": "alex@example.org", "password": "nope nope nope"}
            ).status_code
            == 401
        )
    assert (
        browser.post("/login", {"email": "alex@example.org", "password": PASSWORD}).status_code
        == 303
    )


def test_logout_ends_the_session_server_side(cast: Cast) -> None:
    token = cast.alex.client.cookies["kneechain_session"]
    assert cast.alex.post("/logout").status_code == 303
    cast.alex.client.cookies.set("kneechain_session", token)
    assert cast.alex.get("/api/me").status_code == 401


def test_an_expired_session_signs_nobody_in_and_is_removed(ctx: ServiceContext, cast: Cast) -> None:
    token = cast.alex.client.cookies["kneechain_session"]
    with ctx.db() as db:
        for row in db.scalars(select(LoginSessionRecord)):
            row.expires_at = utcnow() - timedelta(seconds=1)
    assert accounts.browser_session(ctx, token) is None
    assert cast.alex.get("/api/me").status_code == 401
    with ctx.db() as db:  # Alex's (looked up twice) is gone; the others' stay until looked up
        hashes = db.scalars(select(LoginSessionRecord.token_hash)).all()
    assert len(hashes) == 3


def test_login_goes_back_only_to_a_page_of_this_site(app: FastAPI, cast: Cast) -> None:
    for target, expected in (
        ("/account", "/account"),
        ("//evil.example", "/home"),
        ("https://evil.example/", "/home"),
    ):
        browser = Browser(app)
        data = {"email": "blair@example.org", "password": PASSWORD, "next": target}
        assert browser.post("/login", data).headers["location"] == expected


def test_security_headers_on_pages_api_errors_and_static_files(cast: Cast) -> None:
    for url in ("/", "/login", "/api/me", "/no-such-page", "/static/css/app.css"):
        headers = cast.alex.get(url).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_pages_carry_no_inline_script_or_style(cast: Cast) -> None:
    for url in ("/", "/login", "/signup", "/account", f"/people/{cast.alex.person_uid}"):
        page = cast.alex.get(url, follow_redirects=True).text
        assert "<script>" not in page and "style=" not in page and " on" + "click=" not in page
        for tag in page.split("<script")[1:]:
            assert tag.lstrip().startswith("src=")


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(
    app: FastAPI, cast: Cast
) -> None:
    limit = app.state.ctx.settings.upload_max_mb * 1024 * 1024
    response = cast.alex.client.post(
        "/account/clinicians",
        content=b"x",
        headers={"content-length": str(limit * 2), "content-type": "application/octet-stream"},
    )
    assert response.status_code == 413
    assert "larger than" in response.text


def test_the_app_runs_its_sync_work_on_the_configured_threads(ctx: ServiceContext) -> None:
    from anyio import to_thread
    from fastapi.testclient import TestClient

    from kneechain.web.app import create_app

    def limit() -> float:
        return to_thread.current_default_thread_limiter().total_tokens

    with TestClient(create_app(ctx)) as client:
        assert client.portal.call(limit) == ctx.settings.web_threads == 4
