"""Use cases of the program: build it for an assessment, write the handout and calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from kneechain.assess.result import AssessmentResult
from kneechain.errors import ErrorKind, KneechainError
from kneechain.program.build import ProgramOptions, build_program, first_monday
from kneechain.program.models import Program
from kneechain.program.source import ProgramInput, read_input
from kneechain.services.context import ServiceContext


class ProgramRequest(BaseModel):
    """What a person may choose about the program's shape; everything else is rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date | None = Field(
        None, description="First day; default the Monday on or after the assessment."
    )
    weeks: int | None = Field(None, ge=1, le=52, description="Program length in weeks.")
    daily_minutes: tuple[float, float] | None = Field(
        None, description="Shortest and longest daily routine, in minutes."
    )


class HandoutFiles(BaseModel):
    """What `write_handout` wrote, and what it could not write (with the reason)."""

    written: list[Path] = []
    skipped: dict[str, str] = {}


def start_date(request: ProgramRequest, assessed_on: date | None, today: date) -> date:
    """The chosen first day, or the Monday on or after the assessment (or today)."""
    return request.start or first_monday(assessed_on or today)


def read_source(path: Path) -> ProgramInput:
    """A case file (assessed on reading) or a saved assessment result."""
    return read_input(path)


def build(
    ctx: ServiceContext,
    result: AssessmentResult,
    request: ProgramRequest | None = None,
    assessed_on: date | None = None,
    today: date | None = None,
) -> Program:
    """The ordered, dosed program for an assessment result."""
    request = request or ProgramRequest()
    options = ProgramOptions(
        start_date=start_date(request, assessed_on, today or date.today()),
        weeks=request.weeks,
        daily_minutes=request.daily_minutes,
    )
    domain = ctx.domain
    return build_program(result, options, domain.program_rules, domain.knowledge)


def _write(path: Path, data: bytes) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise KneechainError(
            "file.unwritable",
            f"{path} could not be written: {exc.strerror or exc}.",
            hint="Choose a folder you can write to.",
            kind=ErrorKind.unavailable,
        ) from exc
    return path


def write_handout(
    ctx: ServiceContext,
    program: Program,
    *,
    html: Path | None = None,
    pdf: Path | None = None,
    ics: Path | None = None,
    pdf_required: bool = True,
) -> HandoutFiles:
    """The printable handout (HTML and/or PDF, one layout) and the calendar file.

    Without the PDF engine's system libraries the PDF is an error, or, with
    `pdf_required=False`, listed under `skipped` with the reason."""
    from kneechain.report.handout import PdfUnavailableError, render_html, render_pdf

    files = HandoutFiles()
    if html or pdf:
        page = render_html(program, ctx.domain.knowledge, ctx.domain.program_rules)
        if html:
            files.written.append(_write(html, page.encode("utf-8")))
        if pdf:
            try:
                files.written.append(_write(pdf, render_pdf(page)))
            except PdfUnavailableError as exc:
                if pdf_required:
                    raise
                files.skipped[str(pdf)] = exc.message
    if ics:
        from kneechain.report.calendar import render_ics

        files.written.append(_write(ics, render_ics(program)))
    return files


def handout_in(ctx: ServiceContext, program: Program, folder: Path) -> HandoutFiles:
    """program.html, program.pdf (where it can be made) and program.ics in `folder`."""
    return write_handout(
        ctx,
        program,
        html=folder / "program.html",
        pdf=folder / "program.pdf",
        ics=folder / "program.ics",
        pdf_required=False,
    )
