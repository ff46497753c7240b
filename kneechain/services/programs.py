"""Use cases of the program: build it for an assessment, write the handout and calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from kneechain.assess.result import AssessmentResult
from kneechain.errors import ErrorKind, KneechainError
from kneechain.program.build import ProgramOptions, build_program, first_monday
from kneechain.program.edit import ProgramEdit, apply_edit
from kneechain.program.models import Program
from kneechain.program.source import ProgramInput, read_input
from kneechain.services.context import ServiceContext
from kneechain.services.domain import Domain
from kneechain.services.people import lock, resolve
from kneechain.track.models import AssessmentRecord, PersonRecord, ProgramRecord
from kneechain.track.records import LOOK_UP, current_program, program_of, save_program


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
    runner: bool = Field(False, description="The person runs: the plan adds running advice.")


class HandoutFiles(BaseModel):
    """What `write_handout` wrote, and what it could not write (with the reason)."""

    written: list[Path] = []
    skipped: dict[str, str] = {}


def start_date(request: ProgramRequest, assessed_on: date | None, today: date) -> date:
    """The chosen first day, or the Monday on or after the assessment (or today)."""
    return request.start or first_monday(assessed_on or today)


def read_source(path: Path, domain: Domain | None = None) -> ProgramInput:
    """A case file (assessed on reading, with `domain`: the packaged one when none is given) or
    a saved assessment result."""
    domain = domain or Domain.packaged()
    return read_input(path, domain.assessment_rules, domain.knowledge)


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
        runner=request.runner,
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
        d = ctx.domain
        page = render_html(program, d.knowledge, d.program_rules, d.illustrations)
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


class ProgramVersion(BaseModel):
    """A stored program version: which one, since when, and the changes that made it."""

    uid: str
    version: int
    started_on: date
    program: Program


def _current(db: Session, person: str | None) -> tuple[PersonRecord, ProgramRecord]:
    who = resolve(db, person)
    record = current_program(db, who)
    if record is None:
        raise KneechainError(
            "program.none",
            f"No program is stored for {who.name}.",
            hint="Record an assessment first; its program is stored with it.",
            kind=ErrorKind.not_found,
        )
    return who, record


def current_in(
    db: Session, person: str | None
) -> tuple[PersonRecord, ProgramRecord, ProgramVersion]:
    """The person, their current program's record and its version, inside the caller's unit of
    work (an error when there is no program yet)."""
    who, record = _current(db, person)
    return who, record, _version(record)


def current(ctx: ServiceContext, person: str | None) -> ProgramVersion:
    """The program sessions are logged against now."""
    with ctx.db(read_only=True) as db:
        _, record = _current(db, person)
        return _version(record)


def current_of(
    db: Session, who: PersonRecord, record: ProgramRecord | Literal["look up"] | None = LOOK_UP
) -> ProgramVersion | None:
    """The program in use inside a unit of work that holds the person (None: none yet); its
    stored record when the caller already loaded it."""
    record = program_of(db, who, record)
    return _version(record) if record is not None else None


def _version(record: ProgramRecord) -> ProgramVersion:
    program = Program.model_validate(record.doc)  # validated once (a large document)
    return ProgramVersion(
        uid=record.uid, version=program.version, started_on=record.started_on, program=program
    )


def _lock_programs(db: Session, person: str | None) -> None:
    """Hold the person's row until this unit of work ends, so that two edits of their program
    queue and the second reads the version the first stored."""
    lock(db, person)


def edit(
    ctx: ServiceContext,
    person: str | None,
    edits: list[ProgramEdit],
    *,
    by: str | None = None,
    expected_version: int | None = None,
    today: date | None = None,
) -> ProgramVersion:
    """Apply a clinician's changes to the current program and store the result as a new
    version (the earlier versions stay stored). With `expected_version`, a program changed by
    someone else meanwhile is refused instead of silently overwritten."""
    if not edits:
        raise KneechainError("program.no_edit", "No change was given.")
    domain = ctx.domain
    with ctx.db() as db:
        _lock_programs(db, person)
        who, record = _current(db, person)
        program = Program.model_validate(record.doc)
        if expected_version is not None and program.version != expected_version:
            raise KneechainError(
                "program.changed",
                f"The program was changed meanwhile (now version {program.version}, "
                f"you edited version {expected_version}).",
                hint="Reload it and make the change again.",
                kind=ErrorKind.conflict,
            )
        for change in edits:
            program = apply_edit(
                program, change, domain.knowledge, domain.program_rules, by=by, on=today
            )
        stored = save_program(
            db,
            who,
            program.model_dump(mode="json"),
            kb=domain.knowledge,
            schema_version=program.program_version,
            started_on=record.started_on,
            assessment=db.get(AssessmentRecord, record.assessment_id)
            if record.assessment_id
            else None,
        )
        return ProgramVersion(
            uid=stored.uid, version=program.version, started_on=stored.started_on, program=program
        )


def read_program_file(path: Path) -> Program:
    """A program JSON file written by the program generator, validated."""
    import json

    from pydantic import ValidationError

    from kneechain.errors import invalid

    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KneechainError(
            "program_file.unreadable",
            f"{path} cannot be read as a program.",
            hint="Give the JSON written by `kneechain program --format json`.",
            problems=[str(exc)],
        ) from exc
    try:
        return Program.model_validate(data)
    except ValidationError as exc:
        raise invalid(
            "program_file.invalid", f"{path} is not a valid program.", exc, Program
        ) from exc


def calendar_file(ctx: ServiceContext, person: str | None) -> bytes:
    """The current program's sessions and re-tests as an iCalendar file."""
    from kneechain.report.calendar import render_ics

    return render_ics(current(ctx, person).program)


def handout_pdf(ctx: ServiceContext, person: str | None) -> bytes:
    """The current program's printable handout as PDF (the same layout as the HTML handout);
    KneechainError (unavailable) when the PDF engine's system libraries are missing."""
    from kneechain.report.handout import render_html, render_pdf

    program, d = current(ctx, person).program, ctx.domain
    return render_pdf(render_html(program, d.knowledge, d.program_rules, d.illustrations))
