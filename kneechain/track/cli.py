"""Tracking commands: people, logging sessions and scores, history, progress, re-tests, and a
clinician's caseload and comparisons. Each parses options, calls one service and renders it.

The database is the SQLite file in the user data folder unless KNEECHAIN_DATABASE_URL names
another (KNEECHAIN_DATA_DIR moves the data folder, media store included).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kneechain.cli_errors import fail
from kneechain.track import cli_data
from kneechain.track.cli_common import DAY, PERSON, out, parse_day

if TYPE_CHECKING:
    from kneechain.track.logbook import SessionEntry

person_app = typer.Typer(
    help="Add, list, link and delete the people you track.", no_args_is_help=True
)


@person_app.command("add")
def person_add(
    name: str = typer.Argument(..., help="A unique name, e.g. 'Alex'."),
    clinician: bool = typer.Option(False, "--clinician", help="Add a clinician, not a client."),
    birth_year: int | None = typer.Option(None, "--birth-year", help="For age-specific norms."),
    sex: str | None = typer.Option(None, "--sex", help="female or male, for sex-specific norms."),
) -> None:
    """Add a person (or a clinician) to track."""
    from kneechain.services import people
    from kneechain.services.context import ServiceContext

    if sex not in (None, "female", "male"):
        raise fail(f"--sex must be female or male (or left out), not {sex!r}.")
    role = "clinician" if clinician else "person"
    with ServiceContext.open() as ctx:
        added = people.add(ctx, name, role, birth_year, sex)  # type: ignore[arg-type]
    out().print(f"Added {role} [bold]{added.name}[/].")


@person_app.command("list")
def person_list() -> None:
    """List everyone stored."""
    from kneechain.services import people
    from kneechain.services.context import ServiceContext
    from kneechain.track import cli_views as views

    with ServiceContext.open() as ctx:
        out().print(views.people_table(people.list_all(ctx)))


@person_app.command("link")
def person_link(
    clinician: str = typer.Argument(..., help="The clinician's name."),
    client: str = typer.Argument(..., help="The client's name."),
) -> None:
    """Let a clinician follow a client."""
    from kneechain.services import people
    from kneechain.services.context import ServiceContext

    with ServiceContext.open() as ctx:
        people.link(ctx, clinician, client)
    out().print(f"{clinician} now follows {client}.")


@person_app.command("unlink")
def person_unlink(
    clinician: str = typer.Argument(..., help="The clinician's name."),
    client: str = typer.Argument(..., help="The client's name."),
) -> None:
    """Stop a clinician following a client."""
    from kneechain.services import people
    from kneechain.services.context import ServiceContext

    with ServiceContext.open() as ctx:
        was = people.unlink(ctx, clinician, client)
    out().print(f"{clinician} no longer follows {client}." if was else "They were not linked.")


@person_app.command("delete")
def person_delete(
    name: str = typer.Argument(..., help="Whose records to delete."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: this cannot be undone."),
) -> None:
    """Delete a person with all their records and media files."""
    from kneechain.services import people
    from kneechain.services.context import ServiceContext

    if not yes:
        raise fail(
            f"Deleting {name!r} removes all their records and videos.", hint="Add --yes to confirm."
        )
    with ServiceContext.open() as ctx:
        gone = people.delete(ctx, name)
    out().print(f"Deleted {gone.name} and {gone.media_files_removed} media file(s).")


def parse_exercise(text: str) -> dict[str, object]:
    """'glute bridge:3' or 'lateral lunge:2:short lateral lunge holding a support' -> an entry
    (names as the handout writes them; ids work too)."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[1].strip().isdigit():
        raise fail(
            f"--exercise {text!r} should look like NAME:SETS or NAME:SETS:EASIER NAME.",
            hint="For example 'glute bridge:3' or "
            "'lateral lunge:2:short lateral lunge holding a support'.",
        )
    regression = parts[2].strip() if len(parts) == 3 and parts[2].strip() else None
    return {
        "exercise_id": parts[0].strip(),
        "sets_done": int(parts[1]),
        "regression_id": regression,
    }


def _ask_exercise(question: str) -> str | None:
    """Ask for an exercise by name until it is one kneechain knows (blank: None)."""
    from kneechain.errors import KneechainError
    from kneechain.knowledge.loader import default_knowledge
    from kneechain.track.logbook import resolve_exercise

    while True:
        typed = typer.prompt(question, default="", show_default=False).strip()
        if not typed:
            return None
        try:
            return resolve_exercise(typed, default_knowledge())
        except KneechainError as exc:
            typer.echo(exc.text())


def _pick_planned(planned: list, program_doc: dict) -> list:
    """Ask which of the numbered program exercises were done (numbers or names, separated by
    commas; Enter: all of them); a number or name that is not in the list is said at once and
    the question asked again."""
    from kneechain.errors import KneechainError
    from kneechain.knowledge.loader import default_knowledge
    from kneechain.track.logbook import resolve_exercise

    typer.echo("Your program's exercises:")
    for n, item in enumerate(planned, start=1):
        typer.echo(f"  {n}. {item.name}")
    by_id = {item.exercise_id: item for item in planned}
    for item in planned:  # an easier variant's name counts for its main exercise
        if item.easier_id and item.easier_id not in by_id:
            by_id[item.easier_id] = item
    while True:
        typed = typer.prompt(
            "Which did you do? Numbers or names, separated by commas (Enter: all of them)",
            default="",
            show_default=False,
        ).strip()
        if not typed:
            return list(planned)
        chosen, problem = [], None
        for token in (t.strip() for t in typed.split(",") if t.strip()):
            if token.isdigit():
                if not 1 <= int(token) <= len(planned):
                    problem = f"There is no number {token}: choose 1 to {len(planned)}."
                    break
                chosen.append(planned[int(token) - 1])
                continue
            try:
                exercise_id = resolve_exercise(token, default_knowledge(), program_doc)
            except KneechainError as exc:
                problem = exc.text()
                break
            if exercise_id not in by_id:
                problem = f"{token!r} is not in your program; choose from the list above."
                break
            chosen.append(by_id[exercise_id])
        if problem is None:
            return list(dict.fromkeys(chosen))
        typer.echo(problem)


def _ask_int(question: str, low: int, high: int) -> int:
    """A whole number from `low` to `high`, asked again (nothing lost) until it is one."""
    while True:
        typed = typer.prompt(question, default="", show_default=False).strip()
        if typed.isdigit() and low <= int(typed) <= high:
            return int(typed)
        typer.echo(f"Give a whole number from {low} to {high}.")


def prompt_exercises(program_doc: dict | None) -> list[dict[str, object]]:
    """Offer the program's exercises by number and name and ask the sets of each one done;
    without a program, ask for the exercises by name, one at a time, each checked as typed."""
    from kneechain.track.plan import program_exercises

    planned = program_exercises(program_doc) if program_doc else []
    done: list[dict[str, object]] = []
    for item in _pick_planned(planned, program_doc or {}) if planned else []:
        sets = _ask_int(f"Sets (or rounds) of {item.name} done", 0, 99)
        if sets == 0:
            continue
        easier = None
        if item.easier_id and typer.confirm(
            f"Did you do the easier {item.easier_name} instead?", default=False
        ):
            easier = item.easier_id
        done.append({"exercise_id": item.exercise_id, "sets_done": sets, "regression_id": easier})
    while not planned:
        exercise_id = _ask_exercise("Exercise done (its name; leave blank when all are listed)")
        if exercise_id is None:
            break
        sets = _ask_int("Sets (or rounds) done", 0, 99)
        done.append({"exercise_id": exercise_id, "sets_done": sets, "regression_id": None})
    return done


def _entry(data: dict[str, object]) -> SessionEntry:
    from pydantic import ValidationError

    from kneechain.errors import invalid
    from kneechain.track.logbook import SessionEntry

    try:
        return SessionEntry.model_validate(data)
    except ValidationError as exc:
        raise invalid("session.invalid", "The session is not valid.", exc, SessionEntry) from exc


def log(
    person: str | None = PERSON,
    day: str | None = DAY,
    exercise: list[str] | None = typer.Option(
        None,
        "--exercise",
        "-e",
        help="NAME:SETS[:EASIER NAME], names as in the handout; repeat per exercise.",
    ),
    pain_before: int | None = typer.Option(None, "--pain-before", help="Knee pain 0-10 before."),
    pain_after: int | None = typer.Option(None, "--pain-after", help="Knee pain 0-10 after."),
    note: str | None = typer.Option(None, "--note", help="Anything worth remembering."),
) -> None:
    """Record an exercise session, by flags or (without --exercise) by answering questions."""
    from kneechain.errors import KneechainError
    from kneechain.services import people, programs, tracking
    from kneechain.services.context import ServiceContext

    when = parse_day(day)
    with ServiceContext.open() as ctx:
        if exercise:
            items = [parse_exercise(e) for e in exercise]
        else:
            who = people.get(ctx, person).name
            try:
                doc = programs.current(ctx, who).program.model_dump(mode="json")
            except KneechainError as exc:
                if exc.code != "program.none":
                    raise
                doc = None  # no program stored: ask for the exercises by name
            items = prompt_exercises(doc)
            if pain_before is None:
                pain_before = _ask_int("Knee pain before, 0-10", 0, 10)
            if pain_after is None:
                pain_after = _ask_int("Knee pain after, 0-10", 0, 10)
        entry = _entry(
            {
                "performed_on": when,
                "exercises": items,
                "pain_before": pain_before,
                "pain_after": pain_after,
                "note": note,
            }
        )
        done = tracking.log(ctx, person, entry)
    out().print(f"Logged {len(done.exercises)} exercise(s) on {done.performed_on}.")


def score(
    person: str | None = PERSON,
    day: str | None = DAY,
    nprs: float | None = typer.Option(None, "--nprs", help="Knee pain now, 0-10."),
    kujala: float | None = typer.Option(None, "--kujala", help="Kujala total, 0-100."),
) -> None:
    """Record outcome scores (NPRS pain, Kujala) for a day."""
    from kneechain.services import tracking
    from kneechain.services.context import ServiceContext

    values = {k: v for k, v in (("nprs", nprs), ("kujala", kujala)) if v is not None}
    if not values:
        raise fail("Give at least one score: --nprs 0-10 and/or --kujala 0-100.")
    with ServiceContext.open() as ctx:
        stored = tracking.scores(ctx, person, parse_day(day), values)
    out().print(f"Recorded {', '.join(values)} for {stored.person.name} on {stored.on}.")


def measure(
    measure_id: str = typer.Argument(..., help="Measure id, e.g. hip_ir_supine."),
    person: str | None = PERSON,
    day: str | None = DAY,
    left: float | None = typer.Option(None, "--left", help="Value on the left side."),
    right: float | None = typer.Option(None, "--right", help="Value on the right side."),
    value: float | None = typer.Option(None, "--value", help="Value for a one-value measure."),
    source: str = typer.Option("manual", "--source", help="manual, video or clinician."),
) -> None:
    """Record a re-measurement made at home or by a clinician (for example at a re-test)."""
    from pydantic import ValidationError

    from kneechain.assess.case import Measurement
    from kneechain.errors import invalid
    from kneechain.services import tracking
    from kneechain.services.context import ServiceContext

    given = [("left", left), ("right", right), (None, value)]
    raw = [
        {"measure": measure_id, "value": v, "side": s, "provenance": source}
        for s, v in given
        if v is not None
    ]
    if not raw:
        raise fail("Give --left and/or --right (or --value for a one-value measure).")
    try:
        items = [Measurement.model_validate(r) for r in raw]
    except ValidationError as exc:
        raise invalid("measurement.invalid", "The measurement is not valid.", exc) from exc
    with ServiceContext.open() as ctx:
        stored = tracking.measurements(ctx, person, parse_day(day), items)
    out().print(f"Stored {stored.count} value(s) of {measure_id} for {stored.person.name}.")


def record(
    case_file: Path = typer.Argument(
        ..., help="A case JSON or YAML file (see `kneechain schema case`)."
    ),
    person: str | None = PERSON,
    program_file: Path | None = typer.Option(
        None,
        "--program",
        help="Store this program (JSON from the generator) instead of generating one.",
    ),
    no_program: bool = typer.Option(
        False, "--no-program", help="Store the assessment only, without a program."
    ),
) -> None:
    """Assess a case and store the case, its result and its program in the history."""
    from kneechain.services import assessment, programs
    from kneechain.services.context import ServiceContext

    with ServiceContext.open() as ctx:
        case = assessment.read_case(case_file, ctx)
        given = programs.read_program_file(program_file) if program_file else None
        stored = assessment.record(ctx, person, case, program=given, with_program=not no_program)
    out().print(f"Stored the assessment of {stored.taken_on} for {stored.person.name}.")
    if stored.program_start is not None:
        out().print(f"Stored its program, starting {stored.program_start}.")
    elif stored.refer:
        out().print("No program was stored: the assessment refers the person to a clinician.")


def history(person: str | None = PERSON) -> None:
    """Sessions logged, adherence per week and the pain trend."""
    from kneechain.services import tracking
    from kneechain.services.context import ServiceContext
    from kneechain.track import cli_views as views

    with ServiceContext.open() as ctx:
        views.print_history(out(), tracking.history(ctx, person))


def progress(
    person: str | None = PERSON,
    chart: Path | None = typer.Option(None, "--chart", help="Also draw the charts (.png or .svg)."),
) -> None:
    """How each measurement and score has changed, judged against its measurement error."""
    from kneechain.services import tracking
    from kneechain.services.context import ServiceContext
    from kneechain.track import cli_views as views

    if chart is not None and chart.suffix.lower() not in (".png", ".svg"):
        raise fail(f"The chart file {chart.name!r} must end in .png or .svg.")
    with ServiceContext.open() as ctx:
        views.print_progress(out(), tracking.progress(ctx, person))
        if chart is not None:
            written = tracking.chart(ctx, person, chart)
            out().print(f"Chart written to {written}")


def retest(
    person: str | None = PERSON,
    day: str | None = typer.Option(None, "--today", help="Pretend today is YYYY-MM-DD."),
) -> None:
    """Which tests and questionnaires are due again."""
    from kneechain.services import tracking
    from kneechain.services.context import ServiceContext
    from kneechain.track import cli_views as views

    with ServiceContext.open() as ctx:
        views.print_due(out(), tracking.retests(ctx, person, parse_day(day, "--today")))


def clients(
    clinician: str = typer.Argument(..., help="The clinician whose caseload to show."),
    day: str | None = typer.Option(None, "--today", help="Pretend today is YYYY-MM-DD."),
) -> None:
    """A clinician's caseload: last assessment, adherence, pain trend, re-tests due, alerts."""
    from kneechain.services import people
    from kneechain.services.context import ServiceContext
    from kneechain.track import cli_views as views

    with ServiceContext.open() as ctx:
        lines = people.caseload(ctx, clinician, parse_day(day, "--today"))
    views.print_caseload(out(), clinician, lines)


def compare(
    first: str = typer.Argument("1", help="An assessment: its date, id, or 1 (first), -1 (last)."),
    second: str = typer.Argument("-1", help="The other assessment (default: the latest)."),
    person: str | None = PERSON,
) -> None:
    """Two assessments side by side, each change judged against its smallest real change."""
    from kneechain.services import assessment
    from kneechain.services.context import ServiceContext
    from kneechain.track import cli_views as views

    with ServiceContext.open() as ctx:
        views.print_comparison(out(), assessment.compare(ctx, person, first, second))


def mount(app: typer.Typer) -> None:
    """Attach the tracking commands to the main `kneechain` app."""
    app.add_typer(person_app, name="person")
    for name, func in (
        ("log", log),
        ("score", score),
        ("measure", measure),
        ("record", record),
        ("history", history),
        ("progress", progress),
        ("retest", retest),
        ("clients", clients),
        ("compare", compare),
    ):
        app.command(name)(func)
    cli_data.mount(app)
