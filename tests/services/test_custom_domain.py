"""A service context given another domain uses it everywhere: the assessment, the program, the
names in the history and the progress verdicts all follow an edited copy of the knowledge base,
never the packaged one hidden inside a library function."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from kneechain.errors import KneechainError
from kneechain.knowledge.loader import DATA_DIR
from kneechain.services import assessment, programs, tracking
from kneechain.services.context import ServiceContext
from kneechain.services.domain import Domain
from kneechain.settings import Settings
from kneechain.track.logbook import SessionEntry

from .conftest import EXAMPLES

DESK = EXAMPLES / "desk_worker_bilateral_ir_deficit.json"
RED_FLAG = EXAMPLES / "red_flag_hot_swollen_knee.json"
OLD_NAME, NEW_NAME = "Tennis ball under the buttock", "Seat ball release (edited copy)"
OLD_STEP = "Hold the end position for three seconds, relax, and repeat three times."
NEW_STEP = "Hold the end position for five seconds (edited copy), relax, and repeat."
OLD_FLAG = "Is the knee hot, red and swollen, or do you have a fever or feel generally unwell?"
NEW_FLAG = "Is the knee hot and swollen, or have you a fever (edited copy)?"
#: the hip rotation's plausible range widened from -30..90 to -30..150 degrees
WIDE_IR = (
    '      valid_min: -30\n      valid_max: 90\n      by_hand: "At the end of the turn',
    '      valid_min: -30\n      valid_max: 150\n      by_hand: "At the end of the turn',
)
OLD_BALL, NEW_BALL = '  ball: "#c0eb75"', '  ball: "#ff0000"'  # the pictures' ball colour


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _edited_knowledge(folder: Path) -> Path:
    """The packaged knowledge with six edits: an exercise renamed, the hip rotation's severe
    threshold lowered (15 -> 10 degrees) and its smallest real change raised (5.4 -> 20), one
    step of the lying leg-turn test and one red flag's question reworded, and the pictures'
    ball recoloured."""
    shutil.copytree(DATA_DIR, folder)
    _edit(folder / "illustrations.yaml", f"{OLD_BALL}\n", f"{NEW_BALL}\n")
    _edit(folder / "red_flags.yaml", f"question: {OLD_FLAG}\n", f"question: {NEW_FLAG}\n")
    _edit(folder / "exercises.yaml", f"  name: {OLD_NAME}\n", f"  name: {NEW_NAME}\n")
    tests = folder / "tests.yaml"
    _edit(
        tests,
        'value: 25, comparator: "<", severe_value: 15',
        'value: 25, comparator: "<", severe_value: 10',
    )
    _edit(tests, f"    - {OLD_STEP}\n", f"    - {NEW_STEP}\n")
    mdc = 'measure: hip_ir_supine, kind: mdc, label: "smallest change beyond measurement error"'
    _edit(tests, f"{mdc}, value: 5.4", f"{mdc}, value: 20")
    return folder


@pytest.fixture
def contexts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("KNEECHAIN_DATABASE_URL", raising=False)
    edited = Domain.from_folder(_edited_knowledge(tmp_path / "kb"))
    with (
        ServiceContext.open(Settings(data_dir=tmp_path / "packaged")) as packaged,
        ServiceContext.open(Settings(data_dir=tmp_path / "edited"), edited) as custom,
    ):
        yield packaged, custom


def _journey(ctx: ServiceContext, exercise_name: str) -> dict:
    """Record the desk worker, log a session naming an exercise, re-measure hip rotation 15
    degrees better six weeks later; return what each use case said."""
    from kneechain.services import people

    people.add(ctx, "Dana")
    case = assessment.read_case(DESK)
    result = assessment.assess_case(ctx, case)
    first = case.model_copy(update={"assessed_on": case.assessed_on - timedelta(weeks=6)})
    stored = assessment.record(ctx, "Dana", first)
    current = programs.current(ctx, "Dana")
    tracking.log(
        ctx,
        "Dana",
        SessionEntry(
            performed_on=current.started_on,
            exercises=[{"exercise_id": exercise_name, "sets_done": 1}],
        ),
    )
    better = [
        m.model_copy(update={"value": m.value + 15}) if m.measure == "hip_ir_supine" else m
        for m in first.measurements
    ]
    assessment.record(ctx, "Dana", case.model_copy(update={"measurements": better}))
    hist = tracking.history(ctx, "Dana", today=case.assessed_on)
    progress = tracking.progress(ctx, "Dana").changes
    compare = assessment.compare(ctx, "Dana")
    return {
        "severity": {f.id: f.severity for f in result.findings},
        "version": result.knowledge_version,
        "program": [e.name for e in current.program.exercises],
        "logged": [e.name for s in hist.sessions for e in s.exercises],
        "progress": {(c.side, c.status) for c in progress if c.id == "hip_ir_supine"},
        "thresholds": {c.threshold for c in progress if c.id == "hip_ir_supine"},
        "compare": {v.verdict for v in compare.values if v.measure_id == "hip_ir_supine"},
        "stored_program": stored.program_uid is not None,
    }


def test_an_edited_knowledge_base_is_used_everywhere(contexts) -> None:
    packaged_ctx, custom_ctx = contexts
    packaged = _journey(packaged_ctx, OLD_NAME)
    custom = _journey(custom_ctx, NEW_NAME)
    # assessment: 16 and 14 degrees are below the packaged severe line (15) but not the edited (10)
    assert packaged["severity"] == {"hip_ir_deficit": "marked"}
    assert custom["severity"] == {"hip_ir_deficit": "moderate"}
    assert packaged["version"] != custom["version"]  # the edited folder's digest, not the packaged
    # program and history: the edited name, and a person may log by it
    assert OLD_NAME in packaged["program"] and NEW_NAME not in packaged["program"]
    assert NEW_NAME in custom["program"] and OLD_NAME not in custom["program"]
    assert packaged["logged"] == [OLD_NAME] and custom["logged"] == [NEW_NAME]
    # progress and compare: +15 degrees reaches the packaged 5.4 but not the edited 20
    assert packaged["progress"] == {("left", "improved"), ("right", "improved")}
    assert custom["progress"] == {("left", "no_clear_change"), ("right", "no_clear_change")}
    assert packaged["thresholds"] == {5.4} and custom["thresholds"] == {20}
    assert packaged["compare"] == {"improved"} and custom["compare"] == {"no_clear_change"}
    with pytest.raises(KneechainError):  # the old name is unknown to the edited copy
        tracking.log(
            custom_ctx,
            "Dana",
            SessionEntry(
                performed_on=programs.current(custom_ctx, "Dana").started_on,
                exercises=[{"exercise_id": OLD_NAME, "sets_done": 1}],
            ),
        )


def _reports(ctx: ServiceContext, folder: Path) -> tuple[str, str]:
    """The desk worker's handout and a red-flag client's clinician report, as HTML."""
    from kneechain.services import people, reports

    people.add(ctx, "Dana")
    assessment.record(ctx, "Dana", assessment.read_case(DESK))
    handout = folder / "handout.html"
    programs.write_handout(ctx, programs.current(ctx, "Dana").program, html=handout)
    people.add(ctx, "Rui")
    assessment.record(ctx, "Rui", assessment.read_case(RED_FLAG))
    clinician = folder / "clinician.html"
    reports.write_client_report(ctx, reports.client_report(ctx, "Rui"), html=clinician)
    return handout.read_text(encoding="utf-8"), clinician.read_text(encoding="utf-8")


def test_the_handout_and_the_clinician_report_quote_the_edited_knowledge(
    contexts, tmp_path: Path
) -> None:
    packaged_ctx, custom_ctx = contexts
    (tmp_path / "p").mkdir(), (tmp_path / "c").mkdir()
    handout, clinician = _reports(packaged_ctx, tmp_path / "p")
    edited_handout, edited_clinician = _reports(custom_ctx, tmp_path / "c")
    assert OLD_STEP in handout and NEW_STEP not in handout  # a re-test's steps
    assert NEW_STEP in edited_handout and OLD_STEP not in edited_handout
    assert OLD_FLAG in clinician and NEW_FLAG not in clinician  # a red flag's question
    assert NEW_FLAG in edited_clinician and OLD_FLAG not in edited_clinician


def test_the_pictures_are_drawn_from_the_edited_folder(contexts) -> None:
    from kneechain.services.routine import picture_svg

    packaged_ctx, custom_ctx = contexts
    old, new = OLD_BALL.split('"')[1], NEW_BALL.split('"')[1]
    picture = picture_svg(packaged_ctx, "glute_ball_release")
    edited = picture_svg(custom_ctx, "glute_ball_release")
    assert old in picture and new not in picture
    assert new in edited and old not in edited


def test_stored_check_ups_are_read_back_with_the_knowledge_base_they_were_made_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hip rotation of 120 degrees is beyond the packaged range (-30 to 90) but inside an
    edited copy's (-30 to 150): check-ups recorded with the copy are compared and reported by
    a context on the copy (they were refused as invalid, read against the packaged base)."""
    from kneechain.services import people, results

    monkeypatch.delenv("KNEECHAIN_DATABASE_URL", raising=False)
    folder = tmp_path / "kb"
    shutil.copytree(DATA_DIR, folder)
    _edit(folder / "tests.yaml", WIDE_IR[0], WIDE_IR[1])
    wide = Domain.from_folder(folder)
    with ServiceContext.open(Settings(data_dir=tmp_path / "data"), wide) as ctx:
        people.add(ctx, "Dana")
        case = assessment.read_case(DESK)
        far = [
            m.model_copy(update={"value": 120.0}) if m.measure == "hip_ir_supine" else m
            for m in case.measurements
        ]
        first = case.model_copy(
            update={"assessed_on": case.assessed_on - timedelta(weeks=6), "measurements": far}
        )
        stored = assessment.record(ctx, "Dana", first)
        assessment.record(ctx, "Dana", case)
        compared = assessment.compare(ctx, "Dana")
        before = {v.before for v in compared.values if v.measure_id == "hip_ir_supine"}
        assert before == {120.0}
        report = results.report(ctx, "Dana", stored.uid)
        assert {v.value for v in report.values if v.measure_id == "hip_ir_supine"} == {120.0}


def test_a_case_file_is_read_against_the_contexts_knowledge_base(tmp_path: Path) -> None:
    """A case file with a 120-degree hip rotation is refused by the packaged knowledge base
    (at most 90) and read by a context on a copy that allows up to 150, as is the program
    command's input (program/source.py, given that copy)."""
    import json

    from kneechain.assess.caseio import CaseError
    from kneechain.program.source import ProgramInputError, read_input

    folder = tmp_path / "kb"
    shutil.copytree(DATA_DIR, folder)
    _edit(folder / "tests.yaml", WIDE_IR[0], WIDE_IR[1])
    data = json.loads(DESK.read_text(encoding="utf-8"))
    for item in data["measurements"]:
        if item["measure"] == "hip_ir_supine":
            item["value"] = 120.0
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CaseError, match="outside the allowed range -30 to 90"):
        assessment.read_case(case_file)
    wide = Domain.from_folder(folder)
    with ServiceContext.open(Settings(data_dir=tmp_path / "data"), wide) as ctx:
        case = assessment.read_case(case_file, ctx)
        assert {m.value for m in case.measurements if m.measure == "hip_ir_supine"} == {120.0}
        given = read_input(case_file, ctx.domain.assessment_rules, ctx.domain.knowledge)
        assert given.assessed_on == case.assessed_on
    packaged = Domain.packaged()
    with pytest.raises(ProgramInputError, match="is not a valid case"):
        read_input(case_file, packaged.assessment_rules, packaged.knowledge)
