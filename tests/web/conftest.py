"""Fixtures of the web tests: an app over its own data folder, and browsers that sign up, log in
and send forms with their CSRF token the way a page does."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*")

from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from kneechain.services.context import ServiceContext  # noqa: E402
from kneechain.settings import Settings  # noqa: E402
from kneechain.web.app import create_app  # noqa: E402

PASSWORD = "a long enough password"


@pytest.fixture(autouse=True)
def _quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its lowest cost: the tests check what is stored and checked, not its strength."""
    from argon2 import PasswordHasher

    from kneechain.services import accounts

    monkeypatch.setattr(
        accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=None, login_max_failures=5)


@pytest.fixture
def ctx(settings: Settings) -> Iterator[ServiceContext]:
    context = ServiceContext.open(settings)
    yield context
    context.close()


@pytest.fixture
def app(ctx: ServiceContext) -> Iterator[FastAPI]:
    web = create_app(ctx)
    yield web
    runner = getattr(web.state, "jobs", None)
    if runner is not None:  # its worker processes end with it
        runner.close()


class Browser:
    """A test client that behaves like a browser on our pages (cookies, CSRF token)."""

    def __init__(self, app: FastAPI, base_url: str = "http://testserver") -> None:
        self.client = TestClient(app, base_url=base_url, follow_redirects=False)
        self.person_uid: str | None = None

    def csrf(self) -> str:
        token: str = self.client.get("/api/csrf").json()["csrf_token"]
        return token

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        form = {"csrf_token": self.csrf(), **(data or {})}
        return self.client.post(url, data=form, **kwargs)

    def signup(self, email: str, name: str, role: str = "person") -> Browser:
        data = {"email": email, "password": PASSWORD, "name": name, "role": role}
        response = self.post("/signup", data)
        assert response.status_code == 303, response.text
        self.person_uid = self.client.get("/api/me").json()["person_uid"]
        return self


@dataclass
class Cast:
    """Everyone the authorisation tests need: two people, a linked and an unlinked clinician."""

    alex: Browser
    blair: Browser
    clinician: Browser
    stranger: Browser
    nobody: Browser


@pytest.fixture
def browser(app: FastAPI) -> Browser:
    return Browser(app)


@pytest.fixture
def cast(app: FastAPI) -> Cast:
    alex = Browser(app).signup("alex@example.org", "Alex")
    blair = Browser(app).signup("blair@example.org", "Blair")
    clinician = Browser(app).signup("dr.kim@example.org", "Dr Kim", "clinician")
    stranger = Browser(app).signup("dr.lee@example.org", "Dr Lee", "clinician")
    assert (
        alex.post("/account/clinicians", {"clinician_email": "dr.kim@example.org"}).status_code
        == 303
    )
    return Cast(alex, blair, clinician, stranger, Browser(app))
