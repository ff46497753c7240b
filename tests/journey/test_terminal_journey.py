"""The whole terminal journey of a new user, in a real pseudo-terminal, as issue #12 asks: the
questionnaire with one clip, one value typed by hand and the other tests skipped, then the
program, a stored record, a session logged by number, history and progress. What the person
sees is checked: no internal ids, no tracebacks, no FFmpeg lines."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kneechain.cli import app
from tests.assess.helpers import squat_file
from tests.assess.test_cli_questionnaire import INTERNAL, typed
from tests.assess.test_questionnaire_pty import Terminal, _kneechain
from tests.plain_words import ids_shown

pytestmark = [
    pytest.mark.slow,  # eight real processes, each importing kneechain
    pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal"),
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "journey"
FFMPEG = re.compile(r"partial file|\[mov,|@ 0x[0-9a-f]+\]|moov atom|Invalid data found")


def _screen(args: list[str], cwd: Path, lines: list[str] | None = None, prompt: str = "") -> str:
    """Run `kneechain ARGS` in a pseudo-terminal, typing `lines` each after `prompt` (or at
    once when no prompt is given); the screen, after checking the exit code."""
    term = Terminal([_kneechain(), *args], cwd)
    for line in lines or []:
        if prompt:
            term.expect(prompt)
        term.send(line)
    code = term.finish()
    assert code == 0, term.screen[-3000:]
    return term.screen


def _plain(screen: str, where: str) -> None:
    assert "Traceback" not in screen, where
    assert not FFMPEG.search(screen), (where, FFMPEG.search(screen))
    assert ids_shown(screen) == [], (where, ids_shown(screen))
    found = INTERNAL.search(screen)
    assert found is None, (where, found)


def test_the_journey_of_a_new_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNEECHAIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KNEECHAIN_DATABASE_URL", raising=False)
    monkeypatch.setenv("KNEECHAIN_HOME", str(tmp_path / "home"))
    case = tmp_path / "case.json"
    clip = squat_file(tmp_path)
    script = {
        "age": ["35"],
        "side": ["The right knee"],
        "sign_pain_sitting_stairs": ["y"],
        "sign_knees_cave": ["y"],
        "activities": ["Running"],
        "activity_hours:running": ["4"],
        "pain_worst": ["6"],
        "pain_now": ["2"],
        "test.lying_leg_turn.method": ["Type a value I measured by hand"],
        "test.lying_leg_turn.hip_ir_supine.left": ["18"],
        "test.lying_leg_turn.hip_ir_supine.right": ["14"],
        "test.double_leg_squat.method": ["Film it now with my phone and give the clip"],
        "test.double_leg_squat.clip1": [str(clip)],
        "test.double_leg_squat.more1": ["Go on to the next test"],
    }
    lines = typed(script, case)
    seen = _screen(["assess", "--interactive", "--output", str(case)], tmp_path, lines, "> ")
    asked = seen.split("Case saved to")[0]
    assert "Skip this test" in asked and "Measuring the clip" in asked
    _plain(seen, "questionnaire")
    steps = {
        "person": ["person", "add", "Sam"],
        "record": ["record", str(case)],
        "program": ["program", "-i", str(case)],
    }
    screens = {name: _screen(args, tmp_path) for name, args in steps.items()}
    assert "Stored its program" in screens["record"]
    program = screens["program"]
    assert "1. " in program and "When to stop and see a clinician" in program
    plan = json.loads(CliRunner().invoke(app, ["program", "-i", str(case), "-f", "json"]).output)
    first = plan["exercises"][0]
    answers = ["1", "2", *(["n"] if first["regression"] else []), "3", "2"]
    logged = _screen(["log"], tmp_path, answers, ": ")
    assert f"1. {first['name']}" in logged and "Logged 1 exercise(s)" in logged
    screens |= {"log": logged}
    screens["history"] = _screen(["history"], tmp_path)
    assert first["name"] in screens["history"]
    screens["progress"] = _screen(["progress"], tmp_path)
    assert "Hip internal rotation" in screens["progress"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "questionnaire.txt").write_text(seen, encoding="utf-8")
    for name, screen in screens.items():
        (ARTIFACTS / f"{name}.txt").write_text(screen, encoding="utf-8")
        _plain(screen, name)
    assert os.environ.get("KNEECHAIN_DATA_DIR") == str(tmp_path / "data")
