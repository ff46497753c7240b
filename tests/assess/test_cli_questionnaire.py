"""`kneechain assess --interactive` driven through the real Typer app, as a person would type it:
what they read (plain words, choices by label, never an id), conditional follow-ups, going back,
a clip measured on the spot, a value typed by hand, skips, and resuming an interrupted run."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kneechain.assess import flow
from kneechain.assess.protocols.casevideo import film_clip
from kneechain.assess.protocols.config import default_config
from kneechain.assess.questionnaire import load_questionnaire
from kneechain.assess.rules import default_rules
from kneechain.cli import app
from kneechain.errors import KneechainError
from kneechain.knowledge.loader import default_knowledge
from tests.assess import helpers

runner = CliRunner()
WIDE = {"COLUMNS": "160"}
QN = load_questionnaire(default_knowledge(), default_rules())

#: words a person must never read in the questionnaire
INTERNAL = re.compile(
    r"around_kneecap|whole_knee|weight_lifting|hip_ir_supine|squat_fppa|double_leg_squat|"
    r"trauma_|red_flags\.|person\.|complaint\.|Input should|validation error|Traceback"
)


@pytest.fixture()
def squat_clip(tmp_path: Path) -> Path:
    return helpers.squat_file(tmp_path)


def typed(script: dict[str, list[str]], output: Path) -> list[str]:
    """The lines a person types: at each question, the next of its scripted lines (wrong ones
    included, `b` to go back), else Enter (or "n" for a safety question, "Skip this test")."""
    state = flow.start(QN)
    left = {key: list(lines) for key, lines in script.items()}
    lines: list[str] = []
    while (question := flow.next_question(QN, state)) is not None:
        queue = left.get(question.id, [])
        default = "n" if question.required else ""
        if question.id.endswith(".method"):
            default = "Skip this test"
        line = queue.pop(0) if queue else default
        lines.append(line)
        if line == "b":
            state = flow.go_back(QN, state)
            continue
        try:
            value = flow.parse_answer(question, line)
            if question.kind == "clip" and value is not None:
                value = film_clip(Path(str(value)), question.test_id or "", default_config(), None)
            state = flow.apply_answer(QN, state, question.id, value)
        except KneechainError:
            continue
    assert not any(left.values()), f"unused lines: {left}"
    return lines


def run(lines: list[str], output: Path):
    return runner.invoke(
        app,
        ["assess", "--interactive", "--output", str(output)],
        input="\n".join(lines) + "\n",
        env=WIDE,
    )


def questionnaire_part(output: str) -> str:
    return output.split("Case saved to")[0]


def test_whole_flow_with_a_clip_a_typed_value_and_skips(tmp_path: Path, squat_clip: Path) -> None:
    out_path = tmp_path / "case.json"
    script = {
        "age": ["thirty", "35"],
        "injury": ["maybe", "y"],  # opens the four injury follow-ups
        "side": ["4", "The right knee"],
        "locations": ["1,2"],
        "duration": ["10"],
        "sign_pain_sitting_stairs": ["n", "y"],  # changed after going back
        "sign_front_hip_tightness": ["b", "y"],
        "sex": ["1"],
        "sitting": ["9"],
        "activities": ["Running"],
        "activity_hours:running": ["4"],
        "activity_mobility:running": ["n"],
        "activity_hip_strength:running": ["n"],
        "ankle_injury": ["3"],
        "pain_worst": ["5"],
        "pain_now": ["7", "3"],
        "pain_activity": ["4"],
        "kujala": ["y"],
        "kujala_limp": ["9", *["1"]],
        **{
            q.id: ["1"]
            for q in QN.questions
            if q.id.startswith("kujala_") and q.id != "kujala_limp"
        },
        "test.lying_leg_turn.method": ["2"],
        "test.lying_leg_turn.hip_ir_supine.left": ["140", "18"],
        "test.lying_leg_turn.hip_ir_supine.right": ["14"],
        "test.double_leg_squat.method": ["Film it now with my phone and give the clip"],
        "test.double_leg_squat.clip1": [str(tmp_path / "nope.mp4"), str(squat_clip)],
        "test.double_leg_squat.more1": ["Go on to the next test"],
    }
    result = run(typed(script, out_path), out_path)
    assert result.exit_code == 0, result.output
    seen = questionnaire_part(result.output)
    assert not INTERNAL.search(seen), INTERNAL.search(seen)
    assert "Type b (or <) to go back one question" in seen
    assert "Type a number, for example 35." in seen
    assert "Answer yes or no (y or n)." in seen
    assert "were you unable to take four steps on that leg?" in seen
    assert "Choose one answer by its number, 1 to 3." in seen and "  2. Around the kneecap" in seen
    assert "Back one question." in seen
    assert seen.count("Does your knee hurt after you have been sitting") == 2
    assert "Running: about how many hours a week?" in seen
    assert "This cannot be higher than the 5 you gave for: What was your worst" in seen
    assert "140 is not possible here: give a number from -30 to 90 degrees." in seen
    assert "phone angle app" in seen  # the by-hand how-to
    assert "There is no file" in seen and "Prop the phone" not in seen
    assert (
        "Phone at hip height, square in front of you, 3 m away, held upright." in seen
    )  # camera how-to
    assert "Frontal plane projection angle at the deepest point, left side: 22.5" in seen
    assert (
        "22.5 degrees (quality 1.00, good; 5 repetitions or steps)" in seen
        and "(no proof pictures: the input is not a video)" in seen
    )
    saved = json.loads(out_path.read_text())
    assert not (tmp_path / "case.answers.json").exists()
    assert saved["assessed_on"] == date.today().isoformat()
    assert saved["complaint"]["side"] == "right" and saved["complaint"]["nprs_now"] == 3
    assert saved["complaint"]["started_with_injury"] is True
    assert saved["red_flags"]["trauma_cannot_bear_weight"] is False
    assert saved["signs"]["sign_pain_sitting_stairs"] is True
    assert saved["person"]["activities"] == [
        {"kind": "running", "hours_per_week": 4, "includes_mobility_work": False,
         "includes_hip_strength_work": False}
    ]  # fmt: skip
    assert saved["person"]["previous_ankle_injury"] == []
    assert len(saved["outcomes"]["kujala"]) == 13
    manual = {(m["measure"], m["side"]): m["value"] for m in saved["measurements"]
              if m["provenance"] == "manual"}  # fmt: skip
    assert manual == {("hip_ir_supine", "left"): 18, ("hip_ir_supine", "right"): 14}
    video = [m for m in saved["measurements"] if m["provenance"] == "video"]
    assert {m["measure"] for m in video} >= {"squat_fppa"} and all(m["quality"] for m in video)
    assert "Limited hip internal rotation - both" in result.output
    assert "Knee dives inward under load" in result.output


def test_a_red_flag_stops_the_questionnaire_and_says_whom_to_see(tmp_path: Path) -> None:
    out_path = tmp_path / "case.json"
    lines = ["-3", "45", "n", "y"]  # the knee locks
    result = run(lines, out_path)
    assert result.exit_code == 0, result.output
    seen = questionnaire_part(result.output)
    assert "-3 is not possible here: give a number from 10 to 110 years." in seen
    assert "Please see a clinician before doing any tests or exercises." in seen
    locked = default_knowledge().red_flags["locked_knee"]
    assert f"{locked.reason} See: {locked.refer_to}, within a few days." in seen
    assert "Which knee hurts?" not in seen and "four steps" not in seen  # no follow-ups after "no"
    saved = json.loads(out_path.read_text())
    assert saved["red_flags"] == {"locked_knee": True} and saved["person"]["age"] == 45
    assert "Refer to a clinician" in result.output


def test_an_interrupted_questionnaire_is_resumed(tmp_path: Path) -> None:
    out_path = tmp_path / "case.json"
    lines = typed({"age": ["52"], "side": ["2"], "duration": ["3"], "pain_worst": ["6"]}, out_path)
    cut = lines.index("3") + 1  # stop right after the weeks
    first = run(lines[:cut], out_path)
    assert first.exit_code == 1
    assert "Stopped. Your answers are kept in" in first.output and "Traceback" not in first.output
    saved = tmp_path / "case.answers.json"
    kept = json.loads(saved.read_text())
    assert kept["answers"]["duration"] == 3 and len(kept["order"]) == 10
    second = run(["y", *lines[cut:]], out_path)
    assert second.exit_code == 0, second.output
    assert "You started this questionnaire before (10 answers saved)." in second.output
    assert "How old are you?" not in second.output
    case = json.loads(out_path.read_text())
    assert case["person"]["age"] == 52 and case["complaint"]["duration_weeks"] == 3
    assert case["complaint"]["nprs_worst"] == 6 and not saved.exists()


def test_starting_again_instead_of_resuming(tmp_path: Path) -> None:
    out_path = tmp_path / "case.json"
    run(["40", "n"], out_path)
    result = run(["n", "b", "33", *typed({}, out_path)[1:]], out_path)
    assert result.exit_code == 0, result.output
    assert "This is the first question: there is nothing to go back to." in result.output
    assert json.loads(out_path.read_text())["person"]["age"] == 33


def test_a_missing_output_folder_is_said_before_any_question(tmp_path: Path) -> None:
    result = run([], tmp_path / "no" / "case.json")
    assert result.exit_code == 2 and "does not exist: create it first" in result.output
