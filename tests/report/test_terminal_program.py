"""`kneechain program` in the terminal: how to do each exercise, the week-by-week plan, the
running advice for a runner, the stop rule, and no internal ids (issue #12)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kneechain.cli import app
from kneechain.knowledge.loader import default_knowledge
from tests.plain_words import ids_shown

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


def _program(name: str, columns: str = "100") -> str:
    path = EXAMPLES / f"{name}.json"
    result = runner.invoke(app, ["program", "-i", str(path)], env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    return result.output


def _flat(text: str) -> str:
    """The words of a rendered table, without borders and line breaks."""
    for ch in "│┃┏┓┗┛┡┩└┘├┤┼━─╭╮╰╯┳┻╇╈":
        text = text.replace(ch, " ")
    return " ".join(text.split())


def test_each_exercise_shows_its_steps() -> None:
    out = _flat(_program("runner_right_valgus_pelvic_drop", "600"))  # no wrapped cells
    kb = default_knowledge()
    for ex_id in ("glute_bridge", "lateral_lunge", "side_lying_leg_lift"):
        for i, step in enumerate(kb.exercises[ex_id].steps, start=1):
            assert f"{i}. {step}" in out, step


def test_runner_plan_has_week_by_week_running_advice_and_the_stop_rule() -> None:
    out = _flat(_program("runner_right_valgus_pelvic_drop", "200"))
    assert "Week by week" in out and "Learn each exercise at the low end of its dose" in out
    assert "If you run" in out and "Heiderscheit 2011" in out and "no mileage rule" in out
    assert "When to stop and see a clinician" in out


def test_every_plan_shows_the_stop_rule_and_no_ids() -> None:
    for path in sorted(EXAMPLES.glob("*.json")):
        for columns in ("80", "120"):
            out = _program(path.stem, columns)
            assert "When to stop and see a clinician" in out, path.name
            assert ids_shown(out) == [], (path.name, ids_shown(out))


def test_desk_worker_gets_no_running_advice() -> None:
    assert "If you run" not in _program("desk_worker_bilateral_ir_deficit")
