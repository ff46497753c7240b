"""The tracking commands end to end through the `kneechain` app (in a temporary data dir)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kneechain.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.output


def test_log_history_progress_retest_by_flags() -> None:
    assert run("person", "add", "Alex", "--birth-year", "1990")[0] == 0
    for day, before in (("2026-03-02", 6), ("2026-03-09", 5), ("2026-03-23", 3)):
        code, out = run(
            "log", "-e", "Glute bridge:3", "-e", "lateral_lunge:2:supported lateral lunge",
            "--pain-before", str(before), "--pain-after", "2", "--date", day,
        )  # fmt: skip
        assert code == 0, out
    assert run("score", "--nprs", "6", "--kujala", "60", "--date", "2026-03-01")[0] == 0
    assert run("score", "--nprs", "3", "--kujala", "74", "--date", "2026-03-29")[0] == 0
    assert run("measure", "knee_to_wall", "--help")[0] == 0
    code, out = run(
        "measure", "ankle_df_angle", "--left", "30", "--right", "36", "--date", "2026-03-01"
    )
    assert code == 0, out
    code, out = run(
        "measure", "ankle_df_angle", "--left", "37", "--right", "38", "--date", "2026-03-29"
    )
    assert code == 0, out
    code, out = run("history")
    assert code == 0, out
    assert "Lateral lunge x2 (as Short lateral lunge holding a support)" in " ".join(out.split())
    assert "lateral_lunge" not in out  # names, never ids
    assert "Pain before sessions: falling" in out
    code, out = run("progress")
    assert code == 0, out
    assert "(+7 deg; smallest real change 4.7 deg): improved" in out  # left ankle
    assert "(+2 deg; smallest real change 4.7 deg): no clear change yet" in out  # right ankle
    code, out = run("retest", "--today", "2026-04-01")
    assert code == 0, out
    assert "Knee-to-wall" in out


def test_log_interactively_by_name_checked_as_typed() -> None:
    """Without a program the person names each exercise; a name kneechain does not know is
    refused at once and asked again, so no answer is lost."""
    run("person", "add", "Alex")
    answers = "glute bridge\n3\nglute brige\nshort lateral lunge holding a support\n2\n\n4\n2\n"
    code, out = run("log", "--date", "2026-03-02", input=answers)
    assert code == 0, out
    assert "There is no exercise called 'glute brige'" in out
    code, out = run("history")
    shown = " ".join(out.split())
    assert "Glute bridge x3, Short lateral lunge holding a support x2" in shown


def test_bad_input_gives_clear_errors_and_keeps_data() -> None:
    run("person", "add", "Alex")
    run("log", "-e", "glute_bridge:3", "--date", "2026-03-02")
    cases = [
        (
            ("log", "-p", "Sam", "-e", "glute_bridge:3"),
            "No person named 'Sam' is stored. Known people: Alex.",
        ),
        (
            ("log", "-e", "glute_bridge:3", "--pain-before", "12"),
            "pain_before: 12 is out of range; allowed 0 to 10",
        ),
        (("log", "-e", "glute_bridge"), "should look like NAME:SETS"),
        (("log", "-e", "no_such:1"), "There is no exercise called 'no_such'"),
        (("log", "-e", "glute bridge:1", "--date", "2099-01-01"), "2099-01-01 is in the future"),
        (("score", "--nprs", "3", "--date", "2099-01-01"), "2099-01-01 is in the future"),
        (("measure", "hip_ir_supine", "--left", "20", "--date", "2099-01-01"), "in the future"),
        (("score", "--kujala", "140"), "between 0 and 100; got 140"),
        (("score", "--nprs", "3", "--date", "3/4/2026"), "Write it as YYYY-MM-DD"),
        (("measure", "hip_ir_supine", "--left", "200"), "outside the allowed range -30 to 90"),
        (("person", "delete", "Alex"), "Add --yes to confirm"),
    ]
    for args, message in cases:
        code, out = run(*args)
        assert code == 2, (args, out)
        assert message in " ".join(out.split()), (args, out)
    code, out = run("history")
    assert "1 session(s) logged" in out


def test_several_people_need_a_name() -> None:
    run("person", "add", "Alex")
    run("person", "add", "Sam")
    code, out = run("history")
    assert code == 2
    assert "Say whose with --person NAME" in out
    assert run("person", "add", "Dr Lee", "--clinician")[0] == 0
    assert run("person", "link", "Dr Lee", "Sam")[0] == 0
    code, out = run("person", "delete", "Sam", "--yes")
    assert code == 0, out
    code, out = run("person", "list")
    assert "Alex" in out and "Sam" not in out


def test_export_import_backup_commands(tmp_path: Path) -> None:
    run("person", "add", "Alex")
    run("log", "-e", "glute_bridge:3", "--pain-before", "4", "--date", "2026-03-02")
    out_file, csv_dir = tmp_path / "alex.json", tmp_path / "csv"
    code, out = run("export", "-o", str(out_file), "--csv", str(csv_dir))
    assert code == 0, out
    assert len(list(csv_dir.glob("*.csv"))) == 10
    code, out = run("export", "-o", str(out_file))
    assert code == 2 and "already exists" in out
    code, out = run("backup", str(tmp_path / "copy.db"), "--media")
    assert code == 0, out
    assert "1 exercise_sessions" in out
    assert run("person", "delete", "Alex", "--yes")[0] == 0
    code, out = run("import", str(out_file))
    assert code == 0, out
    assert "1 session(s)" in out
    broken = tmp_path / "broken.json"
    broken.write_text(out_file.read_text()[:-40])
    code, out = run("import", str(broken))
    assert code == 2 and "broken.json is not JSON" in out
    code, out = run("import", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot be read" in out
    code, out = run("history")
    assert "1 session(s) logged" in out


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_record_an_assessment_and_its_program(tmp_path: Path) -> None:
    run("person", "add", "Desk")
    case = EXAMPLES / "desk_worker_bilateral_ir_deficit.json"
    program = tmp_path / "program.json"
    code, text = run("program", "-i", str(case), "--start", "2026-11-02", "-f", "json")
    assert code == 0, text
    program.write_text(text)
    plan = json.loads(text)
    code, out = run("record", str(case), "--program", str(program))
    assert code == 0, out
    assert "Stored its program, starting 2026-11-02" in out
    code, out = run("record", str(case))  # the same case again: detected, not stored twice
    assert code == 2
    assert "already stored for Desk; it was not stored again" in " ".join(out.split())
    code, out = run("retest", "--today", "2026-11-10")
    assert "the program's re-test schedule" in out
    assert plan["retests"][0]["dates"][0] in out
    # asked by the names the handout shows; an exercise with an easier form asks about it
    first = plan["exercises"][0]
    answers = "\n3\n" + ("n\n" if first["regression"] else "")  # Enter: all of them
    answers += "0\n" * (len(plan["exercises"]) - 1) + "3\n2\n"
    code, out = run("log", "--date", "2026-11-03", input=answers)
    assert code == 0, out
    assert f"Sets (or rounds) of {first['name']} done" in out
    assert not any(item["exercise_id"] in out for item in plan["exercises"])
    code, out = run("history")
    assert f"program: {plan['sessions_per_week']} days a week" in out
    program.write_text("[1, 2]")
    code, out = run("record", str(case), "--program", str(program))
    assert code == 2 and "is not a valid program" in out
    code, out = run("history")
    assert "1 session(s) logged" in out


def test_history_before_the_program_starts(tmp_path: Path) -> None:
    run("person", "add", "Desk")
    case = EXAMPLES / "stiff_ankle_after_sprain.json"
    program = tmp_path / "program.json"
    later = (date.today() + timedelta(days=10)).isoformat()
    code, text = run("program", "-i", str(case), "--start", later, "-f", "json")
    assert code == 0, text
    program.write_text(text)
    assert run("record", str(case), "--program", str(program))[0] == 0
    code, out = run("history")
    assert code == 0, out
    assert f"The program starts on {later}; adherence counts from then." in out
    assert "Adherence per week" not in out


def test_log_offers_the_program_by_number_and_checks_each_answer_as_typed() -> None:
    """Issue #12: the stored program's exercises by number and name; a wrong number or name is
    said at once and asked again, a name with spaces stays one exercise, a pain outside 0-10
    is asked again: nothing typed before is lost and no id is ever needed."""
    run("person", "add", "Runner")
    code, out = run("record", str(EXAMPLES / "runner_right_valgus_pelvic_drop.json"))
    assert code == 0, out
    answers = "\n".join(
        ["9", "glute brige", "glute bridge, 3", "2", "x", "1", "n", "11", "5", "3", ""]
    )
    code, out = run("log", "--date", "2026-10-20", input=answers)
    assert code == 0, out
    assert "1. Ball release on the outside of the hip (TFL)" in out and "2. Glute bridge" in out
    assert "There is no number 9" in out and "There is no exercise called 'glute brige'" in out
    assert "Give a whole number from 0 to 99" in out and "Give a whole number from 0 to 10" in out
    assert "Logged 2 exercise(s)" in out
    shown = " ".join(run("history")[1].split())
    assert "Glute bridge x2, Lateral lunge x1" in shown
