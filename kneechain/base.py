"""The one base class for frozen pydantic models, shared by every package.

A `Frozen` model cannot be changed after it is built and refuses fields it does not declare, so a
misspelt key in a data file or a request is an error, never silently ignored.

This module imports nothing from kneechain, so every package may use it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Immutable, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")
