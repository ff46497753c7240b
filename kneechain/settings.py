"""The one runtime settings model: declared once here, read from the environment, documented by
generation (`kneechain settings --docs` writes docs/settings.md; a test fails when a setting has
no description or the page is stale).

Every setting is read from `KNEECHAIN_<NAME>` (e.g. `KNEECHAIN_DATABASE_URL`); explicit values
passed by a caller win. Front ends build one `Settings` and pass it down; no module reads the
environment on its own.

This module imports only `kneechain.errors`, so every package may use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args, get_origin

from platformdirs import user_data_path
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from kneechain.errors import KneechainError, validation_problems

ENV_PREFIX = "KNEECHAIN_"
DB_FILENAME = "kneechain.db"


def default_data_dir() -> Path:
    """The user's data folder for kneechain (created on first use)."""
    return user_data_path("kneechain", appauthor=False)


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain `postgresql://` URLs (SQLAlchemy defaults to psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    """Where kneechain keeps its data and how it runs. Environment: KNEECHAIN_<NAME>."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Folder for the SQLite database, media files and job outputs.",
    )
    database_url: str | None = Field(
        None,
        description=(
            "Database URL: a SQLite file (sqlite:///path.db) or a PostgreSQL server "
            "(postgresql://user:pass@host/db). Default: kneechain.db in the data folder."
        ),
    )
    pose_workers: int = Field(
        0,
        ge=0,
        le=64,
        description="Processes that pose one clip in parallel; 0 means one per CPU core.",
    )
    job_runner: Literal["local", "ray"] = Field(
        "local",
        description="Where video analysis jobs run: local worker processes, or a Ray cluster.",
    )
    job_workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Worker processes of the local job runner (jobs run at the same time).",
    )
    job_max_attempts: int = Field(
        3,
        ge=1,
        le=10,
        description="How often a job is tried when its worker dies; bad input is never retried.",
    )
    ray_address: str | None = Field(
        None,
        description="Address of the Ray cluster (ray://host:10001); none starts Ray locally.",
    )
    ray_cpus_per_job: int = Field(
        1,
        ge=1,
        le=64,
        description=(
            "CPUs each video analysis job declares on Ray (num_cpus); the clip is posed on "
            "that many processes, so Ray's scheduling matches the work done."
        ),
    )
    upload_max_mb: int = Field(
        300, ge=1, le=10_000, description="Largest video upload accepted, in megabytes."
    )
    upload_max_seconds: float = Field(
        120.0, gt=0, le=3600, description="Longest video upload accepted, in seconds."
    )

    web_host: str = Field(
        "127.0.0.1",
        description="Address the web app listens on; 0.0.0.0 listens on every network interface.",
    )
    web_port: int = Field(8000, ge=1, le=65535, description="Port the web app listens on.")
    web_threads: int = Field(
        4,
        ge=1,
        le=200,
        description=(
            "Threads each web worker runs its database and page work on. Few is faster: "
            "under many clients at once, many threads share one interpreter lock and each "
            "request waits its turn many times over."
        ),
    )
    web_session_hours: int = Field(
        336, ge=1, le=8760, description="How long a browser stays signed in, in hours."
    )
    web_secure_cookies: bool | None = Field(
        None,
        description=(
            "Send cookies over HTTPS only. Unset: when the request came over HTTPS "
            "(behind a proxy, run it with forwarded headers trusted)."
        ),
    )
    login_max_failures: int = Field(
        5,
        ge=1,
        le=1000,
        description=(
            "Failed log-ins allowed per e-mail address, and per client address, within the "
            "login window; further tries are refused until the window has passed."
        ),
    )
    login_window_minutes: int = Field(
        15, ge=1, le=1440, description="The login window for counting failed log-ins, in minutes."
    )

    @property
    def resolved_database_url(self) -> str:
        """The database URL in use (the SQLite file in the data folder by default)."""
        return normalise_url(self.database_url or f"sqlite:///{self.data_dir / DB_FILENAME}")

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"


def load_settings(**explicit: object) -> Settings:
    """Settings from the environment (explicit values win); a bad value is a KneechainError
    naming the variable, in plain words."""
    try:
        return Settings(**explicit)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = [
            f"{ENV_PREFIX}{line.split(':', 1)[0].upper()}:{line.split(':', 1)[1]}"
            if ":" in line
            else line
            for line in validation_problems(exc, Settings)
        ]
        raise KneechainError(
            "settings.invalid",
            "A kneechain setting has a value that cannot be used.",
            problems=problems,
            hint="Correct or unset the environment variable named.",
        ) from exc


def type_words(annotation: object) -> str:
    """A field's type in words: 'whole number', 'one of: local, ray', 'text (optional)'."""
    args = get_args(annotation)
    if get_origin(annotation) is Literal:
        return "one of: " + ", ".join(str(a) for a in args)
    if type(None) in args:
        inner = [a for a in args if a is not type(None)]
        return f"{type_words(inner[0])} (optional)" if len(inner) == 1 else "value (optional)"
    words = {
        int: "whole number",
        float: "number",
        str: "text",
        bool: "true or false",
        Path: "folder",
    }
    return words.get(annotation, getattr(annotation, "__name__", str(annotation)))  # type: ignore[call-overload]


def settings_reference() -> str:
    """docs/settings.md: every setting with its variable, type, default and description."""
    lines = [
        "# Settings",
        "",
        "Generated by `kneechain settings --docs`; do not edit by hand. Each setting is read from",
        "the environment variable shown (explicit values given by a caller win).",
        "",
        "| variable | type | default | what it sets |",
        "|---|---|---|---|",
    ]
    for name, info in Settings.model_fields.items():
        if info.default_factory is not None:
            default = "the user data folder" if name == "data_dir" else "(computed)"
        else:
            default = "(not set)" if info.default is None else f"`{info.default}`"
        variable = f"`{ENV_PREFIX}{name.upper()}`"
        lines.append(
            f"| {variable} | {type_words(info.annotation)} | {default} | {info.description} |"
        )
    return "\n".join(lines) + "\n"
