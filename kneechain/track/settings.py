"""Where the tracking database and media store live: user data dir by default, env overrides."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path
from pydantic import BaseModel, ConfigDict

#: Environment variable naming the database URL (SQLite file or PostgreSQL server).
DATABASE_URL_ENV = "KNEECHAIN_DATABASE_URL"
#: Environment variable naming the data directory (SQLite file and media store); tests set it.
DATA_DIR_ENV = "KNEECHAIN_DATA_DIR"
DB_FILENAME = "kneechain.db"


class StoreSettings(BaseModel):
    """Resolved storage locations."""

    model_config = ConfigDict(frozen=True)

    database_url: str
    data_dir: Path

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain `postgresql://` URLs (SQLAlchemy defaults to psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def resolve_settings(
    database_url: str | None = None, data_dir: Path | None = None
) -> StoreSettings:
    """Explicit arguments win, then the environment, then the user's data directory."""
    env_dir = os.environ.get(DATA_DIR_ENV)
    base = data_dir or (Path(env_dir) if env_dir else user_data_path("kneechain", appauthor=False))
    url = database_url or os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{base / DB_FILENAME}"
    return StoreSettings(database_url=normalise_url(url), data_dir=base)
