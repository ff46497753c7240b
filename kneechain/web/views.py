"""What a page shows, gathered from the service layer (several use cases on one page); no rule
of the domain is decided here."""

from __future__ import annotations

from datetime import date

from kneechain.errors import KneechainError
from kneechain.services import overview, programs
from kneechain.services.accounts import PersonRef
from kneechain.services.context import ServiceContext

#: the start page's model (its schema is the JSON API's answer for a record)
StartPage = overview.StartPage


def current_program(ctx: ServiceContext, name: str) -> programs.ProgramVersion | None:
    """The program in use, or None when the person has none yet."""
    try:
        return programs.current(ctx, name)
    except KneechainError as error:
        if error.code == "program.none":
            return None
        raise


def start_page(ctx: ServiceContext, subject: PersonRef, today: date | None = None) -> StartPage:
    return overview.start_page(ctx, subject.name, today)
