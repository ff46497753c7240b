"""Output models shared by several use cases (plain pydantic, no database types)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

Role = Literal["person", "clinician"]
Sex = Literal["female", "male"]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


StoredTime = Annotated[datetime, AfterValidator(_utc)]
"""A time read from the database, which stores naive UTC (`track.models.utcnow`): shown with
its offset (`...+00:00`), as the JSON API's documented "date-time" (RFC 3339) requires."""


class PersonOut(BaseModel):
    """A person (or clinician) as every front end shows them."""

    model_config = ConfigDict(from_attributes=True)

    uid: str
    name: str
    role: Role
    birth_year: int | None = None
    sex: Sex | None = None
    created_at: StoredTime
