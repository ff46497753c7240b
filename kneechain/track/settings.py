"""Where the tracking database and media store live, resolved from the one settings model."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from kneechain.settings import DB_FILENAME, ENV_PREFIX, Settings, load_settings, normalise_url

#: Environment variable naming the database URL (SQLite file or PostgreSQL server).
DATABASE_URL_ENV = f"{ENV_PREFIX}DATABASE_URL"
#: Environment variable naming the data directory (SQLite file and media store); tests set it.
DATA_DIR_ENV = f"{ENV_PREFIX}DATA_DIR"

__all__ = ["DATABASE_URL_ENV", "DATA_DIR_ENV", "StoreSettings", "normalise_url", "resolve_settings"]


class StoreSettings(BaseModel):
    """Resolved storage locations."""

    model_config = ConfigDict(frozen=True)

    database_url: str
    data_dir: Path

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"


def resolve_settings(
    database_url: str | None = None, data_dir: Path | None = None, settings: Settings | None = None
) -> StoreSettings:
    """Explicit arguments win, then the settings (environment), then the user's data folder."""
    base = settings or load_settings()
    folder = data_dir or base.data_dir
    url = database_url or base.database_url or f"sqlite:///{folder / DB_FILENAME}"
    return StoreSettings(database_url=normalise_url(url), data_dir=folder)
