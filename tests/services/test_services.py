"""The use cases, called as a library (no subprocess, no CLI)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from kneechain.errors import ErrorKind, KneechainError
from kneechain.program.edit import ProgramEdit
from kneechain.services import (
    assessment,
    exchange,
    overview,
    people,
    programs,
    routine,
    tracking,
)
from kneechain.services.context import ServiceContext
from kneechain.settings import Settings
from kneechain.track.logbook import SessionEntry
from tests import packaged

from .conftest import EXAMPLES

RUNNER = EXAMPLES / "runner_right_valgus_pelvic_drop.json"
DESK = EXAMPLES / "desk_worker_bilateral_ir_deficit.json"


def test_the_store_is_opened_only_by_use_cases_that_need_it(tmp_path: Path) -> None:
    with ServiceContext.open(Settings(data_dir=tmp_path / "d")) as ctx:
        result = assessment.assess_case(ctx, assessment.read_case(RUNNER))
        programs.build(ctx, result)
        assert ctx._store is None
        assert not (tmp_path / "d").exists()
        people.add(ctx, "Alex")
        assert (tmp_path / "d" / "kneechain.db").is_file()


def test_program_start_defaults_to_the_monday_after_the_assessment(ctx: ServiceContext) -> None:
    case = assessment.read_case(RUNNER)  # assessed on Wednesday 2026-10-14
    program = programs.build(ctx, assessment.assess_case(ctx, case), assessed_on=case.assessed_on)
    assert program.start_date == date(2026, 10, 19)
    chosen = programs.ProgramRequest(start=date(2026, 12, 1), weeks=3)
    later = programs.build(ctx, assessment.assess_case(ctx, case), chosen)
    assert (later.start_date, later.weeks) == (date(2026, 12, 1), 3)


@pytest.mark.parametrize("minutes", [(0, 10), (20, 10), (30, 121)])
def test_an_impossible_routine_length_is_refused_in_plain_words(
    ctx: ServiceContext, minutes: tuple[float, float]
) -> None:
    result = assessment.assess_case(ctx, assessment.read_case(DESK))
    with pytest.raises(KneechainError, match="cannot be planned") as caught:
        programs.build(ctx, result, programs.ProgramRequest(daily_minutes=minutes))
    assert caught.value.exit_code == 2 and caught.value.http_status == 422


def test_handout_writes_what_it_says(ctx: ServiceContext, tmp_path: Path) -> None:
    result = assessment.assess_case(ctx, assessment.read_case(DESK))
    program = programs.build(ctx, result)
    files = programs.write_handout(ctx, program, html=tmp_path / "h.html", ics=tmp_path / "c.ics")
    assert files.written == [tmp_path / "h.html", tmp_path / "c.ics"]
    assert "<html" in (tmp_path / "h.html").read_text(encoding="utf-8").lower()
    assert (tmp_path / "c.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_record_stores_the_generated_program_and_the_default_person(ctx: ServiceContext) -> None:
    people.add(ctx, "Alex")
    stored = assessment.record(ctx, None, assessment.read_case(RUNNER))
    assert stored.person.name == "Alex" and stored.program_uid is not None
    assert stored.program_start == date(2026, 10, 19)
    current = programs.current(ctx, "Alex")
    assert current.uid == stored.program_uid and current.version == 1


def test_the_default_person_is_asked_for_when_several_exist(ctx: ServiceContext) -> None:
    with pytest.raises(KneechainError) as nobody:
        people.get(ctx, None)
    assert nobody.value.kind is ErrorKind.not_found
    people.add(ctx, "Alex")
    people.add(ctx, "Sam")
    with pytest.raises(KneechainError, match="Several people") as several:
        people.get(ctx, None)
    assert several.value.field == "person" and "--" not in several.value.text()


def test_compare_judges_each_value_against_its_smallest_real_change(ctx: ServiceContext) -> None:
    people.add(ctx, "Dana")
    desk = assessment.read_case(DESK)
    # six weeks before the example's day, so that neither lies in the future
    first = desk.model_copy(update={"assessed_on": desk.assessed_on - timedelta(weeks=6)})
    assessment.record(ctx, "Dana", first)
    better = [
        m.model_copy(update={"value": m.value + 15}) if m.measure == "hip_ir_supine" else m
        for m in first.measurements
    ]
    later = desk.model_copy(update={"measurements": better})
    assessment.record(ctx, "Dana", later)
    comparison = assessment.compare(ctx, "Dana")
    hip = [v for v in comparison.values if v.measure_id == "hip_ir_supine"]
    assert hip and all(v.delta == 15 and v.verdict == "improved" for v in hip)
    same = [v for v in comparison.values if v.measure_id != "hip_ir_supine" and v.delta == 0]
    assert all(v.verdict in ("no_clear_change", "unjudged") for v in same)
    assert comparison.first.taken_on < comparison.second.taken_on
    with pytest.raises(KneechainError, match="No single assessment") as missing:
        assessment.compare(ctx, "Dana", "1", "1999-01-01")
    assert missing.value.kind is ErrorKind.not_found


def test_program_edits_make_new_versions_and_keep_history(ctx: ServiceContext) -> None:
    people.add(ctx, "Alex")
    assessment.record(ctx, "Alex", assessment.read_case(RUNNER))
    v1 = programs.current(ctx, "Alex").program
    first = v1.exercises[0]
    names = {p.exercise_id for p in v1.exercises}
    other = next(e for e in ctx.domain.knowledge.primary_exercises() if e.id not in names)
    v2 = programs.edit(
        ctx,
        "Alex",
        [ProgramEdit(action="swap", exercise=first.name, new_exercise=other.name, note="knee")],
        by="Dr Lee",
        expected_version=1,
    )
    assert v2.version == 2 and other.id in {p.exercise_id for p in v2.program.exercises}
    assert first.exercise_id not in {p.exercise_id for p in v2.program.exercises}
    for day in v2.program.day_types:
        assert first.exercise_id not in day.exercise_ids
        assert day.minutes == pytest.approx(
            sum(v2.program.exercise(i).minutes for i in day.exercise_ids), abs=0.11
        )
    assert v2.program.edits[-1].by == "Dr Lee" and v2.program.edits[-1].note == "knee"
    v3 = programs.edit(
        ctx, "Alex", [ProgramEdit(action="redose", exercise=other.id, dose="2 sets of 10")]
    )
    assert v3.program.exercise(other.id).dosage_text == "2 sets of 10"
    with pytest.raises(KneechainError, match="changed meanwhile") as stale:
        programs.edit(
            ctx, "Alex", [ProgramEdit(action="remove", exercise=other.id)], expected_version=2
        )
    assert stale.value.kind is ErrorKind.conflict
    removed = programs.edit(ctx, "Alex", [ProgramEdit(action="remove", exercise=other.id)])
    assert other.id not in {p.exercise_id for p in removed.program.exercises}
    assert [e.version for e in removed.program.edits] == [2, 3, 4]


def test_an_added_exercise_treats_a_finding_of_the_program(ctx: ServiceContext) -> None:
    people.add(ctx, "Alex")
    assessment.record(ctx, "Alex", assessment.read_case(RUNNER))
    v1 = programs.current(ctx, "Alex").program
    names = {p.exercise_id for p in v1.exercises}
    extra = next(e for e in ctx.domain.knowledge.primary_exercises() if e.id not in names)
    finding = v1.findings[0]
    added = programs.edit(
        ctx, "Alex", [ProgramEdit(action="add", exercise=extra.name, finding=finding.name)]
    ).program
    treated = next(f for f in added.findings if f.finding_id == finding.finding_id)
    assert extra.id in treated.exercise_ids
    assert any(extra.id in d.exercise_ids for d in added.day_types)
    with pytest.raises(KneechainError, match="No exercise is called"):
        programs.edit(ctx, "Alex", [ProgramEdit(action="add", exercise="moonwalk")])


def test_sessions_history_and_progress_speak_in_names(ctx: ServiceContext) -> None:
    people.add(ctx, "Alex")
    assessment.record(ctx, "Alex", assessment.read_case(RUNNER))
    start = programs.current(ctx, "Alex").started_on
    program = programs.current(ctx, "Alex").program
    for day in range(3):
        tracking.log(
            ctx,
            "Alex",
            SessionEntry(
                performed_on=start + timedelta(days=day),
                exercises=[{"exercise_id": program.exercises[0].exercise_id, "sets_done": 2}],
                pain_before=4,
                pain_after=3,
            ),
        )
    tracking.scores(ctx, "Alex", start + timedelta(days=2), {"nprs": 3})
    hist = tracking.history(ctx, "Alex", today=start + timedelta(days=6))
    assert len(hist.sessions) == 3
    assert hist.sessions[0].exercises[0].name == program.exercises[0].name
    assert hist.weeks and hist.weeks[0].week_start >= start - timedelta(days=6)
    changes = tracking.progress(ctx, "Alex").changes
    assert any(c.id == "nprs" for c in changes) and all(c.description for c in changes)
    due = tracking.retests(ctx, "Alex", today=start + timedelta(weeks=8))
    assert due.schedule == "program" and due.items


def test_caseload_lists_linked_clients_with_alerts(ctx: ServiceContext) -> None:
    people.add(ctx, "Dr Lee", role="clinician")
    people.add(ctx, "Alex")
    people.add(ctx, "Sam")
    assessment.record(ctx, "Alex", assessment.read_case(RUNNER))
    people.link(ctx, "Dr Lee", "Alex")
    people.link(ctx, "Dr Lee", "Alex")  # twice changes nothing
    today = date(2026, 11, 30)
    lines = people.caseload(ctx, "Dr Lee", today=today)
    assert [line.person.name for line in lines] == ["Alex"]
    alex = lines[0]
    assert alex.last_assessment == date(2026, 10, 14)
    assert any(a.kind == "inactive" for a in alex.alerts)
    assert alex.retests_due and any(a.kind == "retest_due" for a in alex.alerts)
    with pytest.raises(KneechainError, match="not a clinician") as wrong:
        people.caseload(ctx, "Sam")
    assert wrong.value.kind is ErrorKind.forbidden
    assert people.unlink(ctx, "Dr Lee", "Alex") and not people.caseload(ctx, "Dr Lee")


def test_red_flag_case_is_alerted_in_the_caseload(ctx: ServiceContext) -> None:
    people.add(ctx, "Dr Lee", role="clinician")
    people.add(ctx, "Kim")
    stored = assessment.record(
        ctx, "Kim", assessment.read_case(EXAMPLES / "red_flag_hot_swollen_knee.json")
    )
    assert stored.refer and stored.program_uid is None
    people.link(ctx, "Dr Lee", "Kim")
    alerts = people.caseload(ctx, "Dr Lee")[0].alerts
    assert alerts[0].kind == "red_flag"


def test_export_import_round_trip_and_delete(ctx: ServiceContext, tmp_path: Path) -> None:
    people.add(ctx, "Alex")
    assessment.record(ctx, "Alex", assessment.read_case(RUNNER))
    out = exchange.export(ctx, "Alex", tmp_path / "alex.json", csv_dir=tmp_path / "csv")
    assert out.path.is_file() and out.csv_files
    with pytest.raises(KneechainError, match="already exists") as exists:
        exchange.export(ctx, "Alex", tmp_path / "alex.json")
    assert exists.value.kind is ErrorKind.conflict
    gone = people.delete(ctx, "Alex")
    assert gone.name == "Alex" and people.list_all(ctx) == []
    back = exchange.import_file(ctx, tmp_path / "alex.json")
    assert back.name == "Alex" and back.assessments == 1
    assert programs.current(ctx, "Alex").version == 1


def test_compare_links_video_values_to_their_proof_pictures(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    import hashlib

    from kneechain.assess.case import VideoSource
    from kneechain.track.people import find_person
    from kneechain.track.records import save_video_analysis

    clip = tmp_path / "squat.mp4"
    clip.write_bytes(b"not really a video, only its bytes are stored")
    proof = tmp_path / "proof.png"
    proof.write_bytes(b"\x89PNG picture")
    digest = hashlib.sha256(clip.read_bytes()).hexdigest()
    people.add(ctx, "Alex")
    first = assessment.read_case(DESK)
    assessment.record(ctx, "Alex", first)
    measured = [
        m.model_copy(
            update={
                "provenance": "video",
                "quality": 0.9,
                "source": VideoSource(video_sha256=digest, file_name="squat.mp4", frames=[41]),
            }
        )
        for m in first.measurements[:1]
    ]
    later = first.model_copy(
        update={
            "measurements": measured + first.measurements[1:],
            "assessed_on": first.assessed_on + timedelta(weeks=4),
        }
    )
    assessment.record(ctx, "Alex", later)
    with ctx.db() as db:
        save_video_analysis(
            db, ctx.store.media, find_person(db, "Alex"), video=clip,
            test_id="lying_leg_turn", measurements=[], evidence=[proof], kb=packaged.kb
        )  # fmt: skip
    row = next(v for v in assessment.compare(ctx, "Alex").values if v.after_origin.frames)
    assert row.before_origin.provenance == "manual" and row.before_origin.evidence == []
    assert row.after_origin.video_file == "squat.mp4" and row.after_origin.frames == [41]
    assert row.after_origin.evidence == [hashlib.sha256(proof.read_bytes()).hexdigest()]


def test_progress_and_compare_widen_the_smallest_real_change_by_the_uncertainty(
    ctx: ServiceContext,
) -> None:
    """Hip rotation 20 -> 28 degrees (+8): improved against its MDC of 5.4 when the values are
    sure (+-1: 1.96 * sqrt(2) = 2.77 < 5.4), no clear change when each is +-4 (1.96 * sqrt(32) =
    11.09 > 8)."""
    from kneechain.assess.case import Measurement

    people.add(ctx, "Robin")
    day, later = date(2026, 1, 5), date(2026, 2, 2)

    def hip(value: float, side: str, u: float) -> Measurement:
        return Measurement(
            measure="hip_ir_supine", value=value, side=side, provenance="video", uncertainty=u
        )

    tracking.measurements(ctx, "Robin", day, [hip(20, "left", 1), hip(20, "right", 4)])
    tracking.measurements(ctx, "Robin", later, [hip(28, "left", 1), hip(28, "right", 4)])
    changes = {c.side: c for c in tracking.progress(ctx, "Robin").changes}
    sure, unsure = changes["left"], changes["right"]
    assert (sure.threshold, sure.measurement_error, sure.status) == (5.4, 5.4, "improved")
    assert (unsure.threshold, unsure.measurement_error, unsure.status) == (
        11.09,
        5.4,
        "no_clear_change",
    )
    assert (unsure.baseline_uncertainty, unsure.latest_uncertainty) == (4, 4)
    assert "20 +-4 on 2026-01-05 -> 28 +-4 on 2026-02-02" in unsure.description
    assert "smallest real change 11.09 deg (measurement error 5.4" in unsure.description

    first = assessment.read_case(DESK)
    wide = [m.model_copy(update={"uncertainty": 4.0}) for m in first.measurements]
    early = first.model_copy(update={"assessed_on": day, "measurements": wide})
    moved = [
        m.model_copy(update={"value": m.value + 8}) if m.measure == "hip_ir_supine" else m
        for m in wide
    ]
    people.add(ctx, "Kim")
    assessment.record(ctx, "Kim", early, with_program=False)
    assessment.record(
        ctx, "Kim", early.model_copy(update={"assessed_on": later, "measurements": moved}),
        with_program=False,
    )  # fmt: skip
    hips = [v for v in assessment.compare(ctx, "Kim").values if v.measure_id == "hip_ir_supine"]
    assert hips and all(
        (v.delta, v.smallest_real_change, v.measurement_error, v.verdict)
        == (8, 11.09, 5.4, "no_clear_change")
        and (v.before_uncertainty, v.after_uncertainty) == (4, 4)
        for v in hips
    )


def test_the_start_page_in_one_unit_shows_what_the_separate_use_cases_show(
    ctx: ServiceContext,
) -> None:
    people.add(ctx, "Alex")
    empty = overview.start_page(ctx, "Alex")
    assert (empty.checkups, empty.program, empty.retests) == ([], None, None)
    assessment.record(ctx, "Alex", assessment.read_case(RUNNER))
    current = programs.current(ctx, "Alex")
    today = current.started_on + timedelta(days=9)
    for day in (0, 3, 8):
        entry = SessionEntry(
            performed_on=current.started_on + timedelta(days=day),
            exercises=[{"exercise_id": current.program.exercises[0].exercise_id, "sets_done": 1}],
            pain_before=5 - day // 3,
            pain_after=4,
        )
        tracking.log(ctx, "Alex", entry)
    tracking.scores(ctx, "Alex", current.started_on + timedelta(days=1), {"nprs": 5})
    tracking.scores(ctx, "Alex", today, {"nprs": 2})
    page = overview.start_page(ctx, "Alex", today)
    assert page.checkups == list(reversed(assessment.assessments(ctx, "Alex")))
    assert page.program == current
    assert page.history == tracking.history(ctx, "Alex", today)
    assert page.history.pain_score is not None and page.history.pain_score.id == "nprs"
    assert page.retests == tracking.retests(ctx, "Alex", today)
    assert page.sessions_last_7_days == 2  # days 3 and 8; day 0 is nine days ago


def test_logging_a_days_routine_is_one_unit_of_work_reading_the_program_once(
    ctx: ServiceContext,
) -> None:
    people.add(ctx, "Alex")
    assessment.record(ctx, "Alex", assessment.read_case(DESK))
    start = programs.current(ctx, "Alex").started_on
    shown: list[routine.Routine] = []

    def entry_for(today: routine.Routine) -> SessionEntry:
        shown.append(today)
        done = [{"exercise_id": e.main.exercise_id, "sets_done": 1} for e in today.exercises]
        return SessionEntry(performed_on=start, exercises=done, pain_before=3, pain_after=2)

    from sqlalchemy import event

    statements: list[str] = []
    event.listen(ctx.store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    kind = routine.routine(ctx, "Alex", start).sessions[0].id
    statements.clear()
    saved = routine.log_day(ctx, "Alex", start, kind, entry_for)
    assert [s.split()[0] for s in statements].count("BEGIN") == 1  # one unit of work
    assert sum("FROM programs" in s for s in statements) == 1  # the program read once
    assert shown[0] == routine.routine(ctx, "Alex", start, kind)  # the routine shown
    assert [e.exercise_id for e in saved.exercises] == [
        e.main.exercise_id for e in shown[0].exercises
    ]
    assert len(tracking.history(ctx, "Alex", today=start).sessions) == 1
    people.add(ctx, "Sam")  # no program yet: a plain error, nothing stored
    with pytest.raises(KneechainError, match="No program is stored for Sam"):
        routine.log_day(ctx, "Sam", start, None, entry_for)
