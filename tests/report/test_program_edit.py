"""`kneechain program edit`: a clinician swaps, removes, adds and re-doses exercises of a
person's stored program, with a note; each call stores a new version and keeps the earlier
ones; `kneechain program -i CASE` still builds a program (issue #12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kneechain.services import programs
from kneechain.services.context import ServiceContext
from tests.plain_words import ids_shown
from tests.report.conftest import run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


pytestmark = pytest.mark.usefixtures("own_data")


def _recorded() -> None:
    assert run("person", "add", "Ana")[0] == 0
    code, out = run("record", str(EXAMPLES / "runner_right_valgus_pelvic_drop.json"))
    assert code == 0, out


def test_edits_make_new_versions_with_notes_and_keep_history() -> None:
    _recorded()
    code, out = run(
        "program", "edit", "--swap", "lateral lunge=single-leg glute bridge",
        "--note", "the lunge hurts", "--by", "Dr Lee",
    )  # fmt: skip
    assert code == 0, out
    assert "version 2" in out and "swapped Lateral lunge for Single-leg glute bridge" in out
    assert "the lunge hurts" in out and "Dr Lee" in out and ids_shown(out) == []
    code, out = run(
        "program", "edit", "--dose", "glute bridge=2 sets of 10 repetitions",
        "--remove", "Ball release on the outside of the hip (TFL)",
        "--add", "figure-four stretch",
    )  # fmt: skip
    assert code == 0, out
    assert "version 5" in out and "new dose for Glute bridge: 2 sets of 10 repetitions" in out
    with ServiceContext.open() as ctx:
        now = programs.current(ctx, "Ana").program
    assert now.version == 5 and [e.action for e in now.edits] == ["swap", "remove", "add", "redose"]
    ids = {p.exercise_id for p in now.exercises}
    assert "lateral_lunge" not in ids and "tfl_ball_release" not in ids
    assert {"single_leg_glute_bridge", "figure_four_stretch"} <= ids
    assert now.exercise("glute_bridge").dosage_text == "2 sets of 10 repetitions"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "Say what to change"),
        (["--swap", "lateral lunge"], "should look like"),
        (["--add", "no such thing"], "No exercise is called 'no such thing'"),
        (["--swap", "glute bridge=lateral lunge"], "already in the program"),
    ],
)
def test_bad_edits_are_refused_in_plain_words(args: list[str], words: str) -> None:
    _recorded()
    code, out = run("program", "edit", *args)
    assert code == 2 and words in out and "Traceback" not in out
    with ServiceContext.open() as ctx:
        assert programs.current(ctx, "Ana").version == 1


def test_program_without_a_case_or_subcommand_says_what_to_give() -> None:
    code, out = run("program")
    assert code == 2 and "kneechain program -i CASE.json" in out
    code, out = run("program", "-i", str(EXAMPLES / "desk_worker_bilateral_ir_deficit.json"))
    assert code == 0 and "Your knee program" in out
