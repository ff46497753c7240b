"""Tracking commands: people, logging sessions and scores, history, progress, re-tests.

The database is the SQLite file in the user data directory unless KNEECHAIN_DATABASE_URL names
another (KNEECHAIN_DATA_DIR moves the data directory, media store included).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from kneechain.assess.caseio import load_case
from kneechain.assess.engine import assess
from kneechain.track import cli_data
from kneechain.track import cli_views as views
from kneechain.track.cli_common import DAY, PERSON, fail, opened, out, with_person
from kneechain.track.documents import parse_measurement
from kneechain.track.errors import TrackError
from kneechain.track.history import build_history
from kneechain.track.logbook import log_session, parse_entry, record_outcome
from kneechain.track.models import PersonRecord
from kneechain.track.people import (
    add_person,
    delete_person,
    find_person,
    link_clinician,
    list_people,
    prune_media,
)
from kneechain.track.plan import exercise_ids
from kneechain.track.progress import all_changes
from kneechain.track.records import (
    add_measurements,
    current_program,
    load_program,
    save_assessment,
)
from kneechain.track.records import (
    save_program_doc as save_program,
)
from kneechain.track.retest import due_for

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
    if sex not in (None, "female", "male"):
        raise fail(f"--sex must be female or male (or left out), not {sex!r}")
    role = "clinician" if clinician else "person"
    with opened() as store, store.session() as db:
        user = add_person(db, name, role=role, birth_year=birth_year, sex=sex)
        out().print(f"Added {role} [bold]{user.name}[/].")


@person_app.command("list")
def person_list() -> None:
    """List everyone stored."""
    with opened() as store, store.session() as db:
        out().print(views.people_table(list_people(db)))


@person_app.command("link")
def person_link(
    clinician: str = typer.Argument(..., help="The clinician's name."),
    client: str = typer.Argument(..., help="The client's name."),
) -> None:
    """Let a clinician follow a client."""
    with opened() as store, store.session() as db:
        link_clinician(db, find_person(db, clinician), find_person(db, client))
        out().print(f"{clinician} now follows {client}.")


@person_app.command("delete")
def person_delete(
    name: str = typer.Argument(..., help="Whose records to delete."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: this cannot be undone."),
) -> None:
    """Delete a person with all their records and media files."""
    if not yes:
        raise fail(f"deleting {name!r} removes all their records and videos; add --yes to confirm")
    with opened() as store:
        with store.session() as db:
            candidates = delete_person(db, find_person(db, name))
        with store.session() as db:
            removed = prune_media(db, store.media, candidates)
    out().print(f"Deleted {name} and {len(removed)} media file(s).")


def parse_exercise(text: str) -> dict[str, object]:
    """'glute_bridge:3' or 'lateral_lunge:2:lateral_lunge_supported' -> an exercise entry."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[1].strip().isdigit():
        raise TrackError(
            f"--exercise {text!r} should look like ID:SETS or ID:SETS:REGRESSION_ID, "
            "e.g. glute_bridge:3 or lateral_lunge:2:lateral_lunge_supported"
        )
    regression = parts[2].strip() if len(parts) == 3 and parts[2].strip() else None
    return {
        "exercise_id": parts[0].strip(),
        "sets_done": int(parts[1]),
        "regression_id": regression,
    }


def prompt_exercises(program_ids: list[str]) -> list[dict[str, object]]:
    """Ask, for each exercise of the program (or for ids typed in), the sets done."""
    if not program_ids:
        typed = typer.prompt("Exercises done (knowledge ids, separated by spaces)")
        program_ids = typed.split()
    done = []
    for exercise_id in program_ids:
        sets = typer.prompt(f"Sets (or rounds) of {exercise_id} done, 0 if skipped", type=int)
        if sets == 0:
            continue
        easier = typer.prompt(f"Easier variant used for {exercise_id} (blank: none)", default="")
        done.append(
            {"exercise_id": exercise_id, "sets_done": sets, "regression_id": easier or None}
        )
    return done


def log(
    person: str | None = PERSON,
    day: str | None = DAY,
    exercise: list[str] | None = typer.Option(
        None, "--exercise", "-e", help="ID:SETS[:REGRESSION_ID]; repeat per exercise."
    ),
    pain_before: int | None = typer.Option(None, "--pain-before", help="Knee pain 0-10 before."),
    pain_after: int | None = typer.Option(None, "--pain-after", help="Knee pain 0-10 after."),
    note: str | None = typer.Option(None, "--note", help="Anything worth remembering."),
) -> None:
    """Record an exercise session, by flags or (without --exercise) by answering questions."""

    def action(db: Session, user: PersonRecord) -> None:
        program = current_program(db, user)
        if exercise:
            items = [parse_exercise(e) for e in exercise]
        else:
            ids = exercise_ids(program.doc) if program else []
            items = prompt_exercises(ids)
        interactive = not exercise
        entry = parse_entry(
            {
                "performed_on": day or date.today().isoformat(),
                "exercises": items,
                "pain_before": pain_before if not interactive or pain_before is not None
                else typer.prompt("Knee pain before, 0-10", type=int),
                "pain_after": pain_after if not interactive or pain_after is not None
                else typer.prompt("Knee pain after, 0-10", type=int),
                "note": note,
            }
        )  # fmt: skip
        session = log_session(db, user, entry, program)
        out().print(
            f"Logged {len(session.exercises)} exercise(s) for {user.name} on {entry.performed_on}."
        )

    with_person(person, action)


def score(
    person: str | None = PERSON,
    day: str | None = DAY,
    nprs: float | None = typer.Option(None, "--nprs", help="Knee pain now, 0-10."),
    kujala: float | None = typer.Option(None, "--kujala", help="Kujala total, 0-100."),
) -> None:
    """Record outcome scores (NPRS pain, Kujala) for a day."""
    scores = {k: v for k, v in (("nprs", nprs), ("kujala", kujala)) if v is not None}
    if not scores:
        raise fail("give at least one score: --nprs 0-10 and/or --kujala 0-100")

    def action(db: Session, user: PersonRecord) -> None:
        when = views.parse_day(day)
        for outcome_id, value in scores.items():
            record_outcome(db, user, outcome_id, value, when)
        out().print(f"Recorded {', '.join(scores)} for {user.name} on {when}.")

    with_person(person, action)


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
    given = [("left", left), ("right", right), (None, value)]
    raw = [
        {"measure": measure_id, "value": v, "side": s, "provenance": source}
        for s, v in given
        if v is not None
    ]
    if not raw:
        raise fail("give --left and/or --right (or --value for a one-value measure)")

    def action(db: Session, user: PersonRecord) -> None:
        items = [parse_measurement(r) for r in raw]
        add_measurements(db, user, views.parse_day(day), items)
        out().print(f"Stored {len(items)} value(s) of {measure_id} for {user.name}.")

    with_person(person, action)


def record(
    case_file: Path = typer.Argument(
        ..., help="A case JSON or YAML file (see `kneechain schema case`)."
    ),
    person: str | None = PERSON,
    program_file: Path | None = typer.Option(
        None, "--program", help="Also store the program given for it (JSON from the generator)."
    ),
) -> None:
    """Assess a case and store the case, its result (and the program given) in the history."""

    def action(db: Session, user: PersonRecord) -> None:
        case = load_case(case_file)
        stored = save_assessment(db, user, case, assess(case))
        out().print(f"Stored the assessment of {stored.taken_on} for {user.name}.")
        if program_file is not None:
            program = save_program(
                db, user, load_program(program_file), started_on=None, assessment=stored
            )
            out().print(f"Stored the program starting {program.started_on}.")

    with_person(person, action)


def history(person: str | None = PERSON) -> None:
    """Sessions logged, adherence per week and the pain trend."""

    def action(db: Session, user: PersonRecord) -> None:
        views.print_history(out(), user, build_history(db, user, date.today()))

    with_person(person, action)


def progress(
    person: str | None = PERSON,
    chart: Path | None = typer.Option(None, "--chart", help="Also draw the charts (.png or .svg)."),
) -> None:
    """How each measurement and score has changed, judged against its measurement error."""

    if chart is not None and chart.suffix.lower() not in (".png", ".svg"):
        raise fail(f"chart file {chart.name!r} must end in .png or .svg")

    def action(db: Session, user: PersonRecord) -> None:
        views.print_progress(out(), user, all_changes(db, user))
        if chart is not None:
            from kneechain.track.charts import progress_chart

            progress_chart(db, user, chart)
            out().print(f"Chart written to {chart}")

    with_person(person, action)


def retest(
    person: str | None = PERSON,
    day: str | None = typer.Option(None, "--today", help="Pretend today is YYYY-MM-DD."),
) -> None:
    """Which tests and questionnaires are due again."""

    def action(db: Session, user: PersonRecord) -> None:
        today = views.parse_day(day)
        items, schedule = due_for(db, user, today)
        views.print_due(out(), user, items, schedule, today)

    with_person(person, action)


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
    ):
        app.command(name)(func)
    cli_data.mount(app)
