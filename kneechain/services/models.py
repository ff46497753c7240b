"""Output models shared by several use cases (plain pydantic, no database types)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

Role = Literal["person", "clinician"]
Sex = Literal["female", "male"]


class PersonOut(BaseModel):
    """A person (or clinician) as every front end shows them."""

    model_config = ConfigDict(from_attributes=True)

    uid: str
    name: str
    role: Role
    birth_year: int | None = None
    sex: Sex | None = None
    created_at: datetime
