"""`kneechain demo`: the main journey on embedded defaults, one stage after another.

knowledge -> assessment of an example case -> its program (handout, PDF, calendar) -> stored in
a tracking database with its re-test schedule -> a real walking clip measured by the gait
protocol, with the frames that prove each value. Every file it writes goes under the output folder
(the demo database included); the user's own data folder is never touched.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.rule import Rule

from kneechain.assess.case import Case
from kneechain.assess.caseio import CaseError, load_case
from kneechain.assess.cli_render import report
from kneechain.assess.engine import assess
from kneechain.assess.result import AssessmentResult
from kneechain.knowledge.loader import default_knowledge
from kneechain.program.build import ProgramOptions, build_program, first_monday
from kneechain.program.models import Program
from kneechain.report.calendar import render_ics
from kneechain.report.cli_render import program_view
from kneechain.report.handout import PdfUnavailableError, render_html, render_pdf
from kneechain.track.cli_views import print_due
from kneechain.track.db import open_store
from kneechain.track.errors import TrackError
from kneechain.track.people import add_person, delete_person, find_person
from kneechain.track.records import save_assessment, save_program_model
from kneechain.track.retest import due_for

console = Console()

DEFAULT_CASE = Path("examples/runner_right_valgus_pelvic_drop.json")
EXAMPLE_PERSON = "Example (demo)"


def show_knowledge() -> None:
    """One line on what the tool knows; `kneechain knowledge list ...` shows it all."""
    kb = default_knowledge()
    main = len(kb.primary_exercises())
    console.print(Rule("1. What kneechain knows"))
    console.print(
        f"{len(kb.tests)} tests, {len(kb.findings)} findings, "
        f"{main} exercises (+{len(kb.exercises) - main} easier/harder variants), "
        f"{len(kb.red_flags)} red flags, {len(kb.sources)} sources. "
        "Try `kneechain knowledge list exercises`."
    )


def write_handout(program: Program, out: Path) -> list[Path]:
    """The printable handout (HTML, and PDF where WeasyPrint can run) and the calendar."""
    page = render_html(program)
    written = [out / "program.html", out / "program.ics"]
    written[0].write_text(page, encoding="utf-8")
    written[1].write_bytes(render_ics(program))
    try:
        (out / "program.pdf").write_bytes(render_pdf(page))
        written.append(out / "program.pdf")
    except PdfUnavailableError as exc:
        console.print(f"[yellow]PDF skipped:[/] {exc}")
    return written


def track_example(case: Case, result: AssessmentResult, program: Program, out: Path) -> None:
    """Store the example in a demo database under `out` and show which re-tests are due."""
    store = open_store(data_dir=out / "data")
    try:
        with store.session() as db:
            with suppress(TrackError):  # a re-run starts the example person afresh
                delete_person(db, find_person(db, EXAMPLE_PERSON))
            person = add_person(db, EXAMPLE_PERSON)
            stored = save_assessment(db, person, case, result)
            save_program_model(db, person, program, assessment=stored)
            today = program.start_date or date.today()
            items, schedule = due_for(db, person, today)
            print_due(console, person, items, schedule, today)
    finally:
        store.close()
    console.print(f"Stored in {store.settings.database_url}")


def measure_video(out: Path) -> None:
    """The gait protocol on the demo clip's walker (found locally or in a pinned wheel)."""
    from kneechain.assess.protocols.cli_render import report as protocol_report
    from kneechain.assess.protocols.evidence import write_evidence
    from kneechain.assess.protocols.run import analyse_file
    from kneechain.assess.protocols.walker_clip import WALKER_BOX
    from kneechain.vision.pipeline import PoseOptions
    from kneechain.vision.sample_data import demo_video, last_failure

    video = demo_video()
    if video is None:
        console.print(f"[yellow]No demo clip available, video step skipped:[/] {last_failure()}")
        return
    console.print(
        f"{video.name}: two people in view; following the walker in the box {WALKER_BOX}."
    )
    options = PoseOptions(person=WALKER_BOX, overlay=False, key_frames=False)
    analysis = analyse_file(video, "gait", options=options)
    for warning in analysis.pose_warnings:
        console.print(f"[yellow]Warning:[/] {warning}", highlight=False)
    console.print(protocol_report(analysis.result))
    files = write_evidence(
        video, analysis.trajectories, analysis.result, out / "gait-evidence", False
    )
    console.print(f"{len(files)} evidence pictures in {out / 'gait-evidence'}")


def demo(
    case: Path = typer.Option(DEFAULT_CASE, "--case", help="Example case to assess."),
    out: Path = typer.Option(Path("out/demo"), "--out", help="Folder for the files it writes."),
    video: bool = typer.Option(True, "--video/--no-video", help="Include the video step."),
) -> None:
    """Run the main journey on embedded defaults (no set-up, no network)."""
    show_knowledge()
    console.print(Rule(f"2. Assessment of {case.name}"))
    try:
        loaded = load_case(case)
    except CaseError as exc:
        console.print(f"[red]Cannot read the example case:[/] {'; '.join(exc.problems)}")
        raise typer.Exit(code=2) from exc
    result = assess(loaded)
    console.print(report(result))
    console.print(Rule("3. The corrective program"))
    start = first_monday(loaded.assessed_on or date.today())
    program = build_program(result, ProgramOptions(start_date=start))
    console.print(program_view(program))
    out.mkdir(parents=True, exist_ok=True)
    for path in write_handout(program, out):
        console.print(f"wrote {path}")
    console.print(Rule("4. Tracking: stored, with the re-tests it schedules"))
    track_example(loaded, result, program, out)
    if video:
        console.print(Rule("5. Measuring from a phone video: walking, side view"))
        measure_video(out)
