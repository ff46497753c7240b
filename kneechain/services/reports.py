"""A clinician's printable report of one client: the latest findings with their evidence, the
measurements over time against the smallest real change, the program's version history,
adherence and the pain trend (HTML and PDF through the handout's WeasyPrint machinery)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from kneechain.assess.result import FindingResult, RedFlagHit
from kneechain.program.models import EditNote
from kneechain.services.context import ServiceContext
from kneechain.services.models import PersonOut
from kneechain.services.programs import HandoutFiles, _write
from kneechain.services.tracking import ChangeOut, HistoryOut


class ProgramVersionLine(BaseModel):
    """One stored version of the program: when, what it held and the changes that made it."""

    version: int
    started_on: date
    stored_on: date
    exercises: list[str]
    changes: list[EditNote]
    names: dict[str, str]


class ClientReport(BaseModel):
    """Everything the clinician report shows, in the order it shows it."""

    person: PersonOut
    made_on: date
    assessed_on: date | None
    assessments: int
    red_flags: list[RedFlagHit]
    findings: list[FindingResult]
    changes: list[ChangeOut]
    history: HistoryOut
    versions: list[ProgramVersionLine]
    chart_svg: str | None = None


def client_report(
    ctx: ServiceContext, person: str | None, today: date | None = None
) -> ClientReport:
    """Gather one client's report (the latest assessment's findings, every measurement's change,
    the program versions, adherence and pain), with the progress charts as SVG."""
    from sqlalchemy import select

    from kneechain.assess.result import AssessmentResult
    from kneechain.program.models import Program
    from kneechain.services import tracking
    from kneechain.services.people import person_out, resolve
    from kneechain.track.models import AssessmentRecord, ProgramRecord

    today = today or date.today()
    history = tracking.history(ctx, person, today)
    changes = tracking.progress(ctx, person).changes
    with ctx.db() as db:
        who = resolve(db, person)
        rows = list(
            db.scalars(
                select(AssessmentRecord)
                .where(AssessmentRecord.user_id == who.id)
                .order_by(AssessmentRecord.taken_on, AssessmentRecord.id)
            )
        )
        latest = next((r for r in reversed(rows) if r.result_doc), None)
        result = AssessmentResult.model_validate(latest.result_doc) if latest else None
        versions = []
        for record in db.scalars(
            select(ProgramRecord).where(ProgramRecord.user_id == who.id).order_by(ProgramRecord.id)
        ):
            program = Program.model_validate(record.doc)
            names = {p.exercise_id: p.name for p in program.exercises}
            for e in program.edits:
                names.update({i: ctx.domain.knowledge.exercises[i].name for i in _ids(e, ctx)})
            versions.append(
                ProgramVersionLine(
                    version=program.version,
                    started_on=record.started_on,
                    stored_on=record.created_at.date(),
                    exercises=[p.name for p in program.exercises],
                    changes=[e for e in program.edits if e.version == program.version],
                    names=names,
                )
            )
        owner = person_out(who)
    chart = _chart_svg(ctx, owner.name) if changes or history.sessions else None
    return ClientReport(
        person=owner,
        made_on=today,
        assessed_on=latest.taken_on if latest else None,
        assessments=len(rows),
        red_flags=list(result.red_flags) if result else [],
        findings=list(result.findings) if result else [],
        changes=changes,
        history=history,
        versions=versions,
        chart_svg=chart,
    )


def _ids(e: EditNote, ctx: ServiceContext) -> list[str]:
    return [
        i
        for i in (e.exercise_id, e.new_exercise_id)
        if i is not None and i in ctx.domain.knowledge.exercises
    ]


def _chart_svg(ctx: ServiceContext, person: str) -> str | None:
    """The progress charts of `person` as SVG text (None when there is nothing to draw)."""
    from kneechain.errors import KneechainError
    from kneechain.services import tracking

    with tempfile.TemporaryDirectory(prefix="kneechain-report-") as folder:
        path = Path(folder) / "progress.svg"
        try:
            tracking.chart(ctx, person, path)
        except KneechainError:
            return None
        return path.read_text(encoding="utf-8")


def write_client_report(
    ctx: ServiceContext,
    report: ClientReport,
    *,
    html: Path | None = None,
    pdf: Path | None = None,
) -> HandoutFiles:
    """The report as HTML and/or PDF (one layout, the handout's print machinery)."""
    from kneechain.report.clinician import render_client_html
    from kneechain.report.handout import render_pdf

    files = HandoutFiles()
    page = render_client_html(report.model_dump(mode="python"), ctx.domain.knowledge)
    if html:
        files.written.append(_write(html, page.encode("utf-8")))
    if pdf:
        files.written.append(_write(pdf, render_pdf(page)))
    return files


def client_report_pdf(ctx: ServiceContext, report: ClientReport) -> bytes:
    """The report as PDF bytes (for a front end that sends it rather than writes it)."""
    from kneechain.report.clinician import render_client_html
    from kneechain.report.handout import render_pdf

    return render_pdf(render_client_html(report.model_dump(mode="python"), ctx.domain.knowledge))
