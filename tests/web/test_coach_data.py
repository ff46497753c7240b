"""The coaching data (knowledge/data/coaching.yaml) and the browser logic that reads it: every
threshold has a basis, every name exists, the measures match what logic.js computes, and the
JavaScript unit tests (Node's own test runner, tests/web/js/) pass."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

from kneechain.knowledge.coaching import MEASURES, Coaching, Cue, check, coaching, target
from kneechain.knowledge.loader import KnowledgeError, default_knowledge

ROOT = Path(__file__).resolve().parents[2]
LOGIC = ROOT / "kneechain" / "web" / "static" / "coach" / "logic.js"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node (Node.js 20) is not installed")


def test_the_packaged_file_is_valid_and_covers_the_four_counted_exercises() -> None:
    entries = coaching(default_knowledge())
    for exercise in ("glute_bridge", "lateral_lunge", "single_leg_calf_toe_raise"):
        assert entries[exercise].count == "reps"
    assert entries["side_lying_leg_lift"].count == "reps"
    assert entries["ankle_mobility_stretch"].count == "hold"
    assert entries["glute_ball_release"].count == "hold"
    heel = entries["ankle_mobility_stretch"].cues[0]
    assert heel.check == "heel_rise" and heel.above is not None


def test_cues_the_issue_names_are_there() -> None:
    entries = coaching(default_knowledge())
    checks = {(e, c.check) for e, entry in entries.items() for c in entry.cues}
    assert ("lateral_lunge", "knee_valgus") in checks  # knee over the second toe
    assert ("glute_bridge", "pelvis_tilt") in checks  # pelvis level
    assert ("side_lying_leg_lift", "trunk_roll") in checks
    assert ("ankle_mobility_stretch", "heel_rise") in checks  # heel down
    assert ("single_leg_calf_toe_raise", "rep_seconds") in checks  # controlled speed


def _cue(**change: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "x", "check": "knee_valgus", "above": 12, "when": "peak", "say": "Knee out.",
        "findings": [], "basis": {"source_ids": ["willson_2008"]},
    }  # fmt: skip
    return base | change


@pytest.mark.parametrize(
    "change",
    [
        {"basis": {}},  # a threshold with neither a source nor a stated product choice
        {"above": None},  # no limit
        {"above": 12, "below": 3},  # two limits
        {"check": "knee_wobble"},  # a measure the browser does not compute
        {"check": "rep_seconds", "when": "peak"},  # rep duration is known only at rep end
    ],
)
def test_a_bad_cue_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Cue.model_validate(_cue(**change))


def test_counting_reps_needs_a_signal_and_a_gap() -> None:
    entry = {"exercise_id": "glute_bridge", "count": "reps", "camera": "side", "setup": "x",
             "basis": {"product_choice": "y"}, "side": "both", "cues": []}  # fmt: skip
    with pytest.raises(ValidationError, match="signal"):
        Coaching.model_validate(entry)
    with pytest.raises(ValidationError, match="differ"):
        Coaching.model_validate(entry | {"signal": "hip_extension", "enter": 150, "exit": 150})


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"exercise_id": "moon_walk"}, "no such exercise"),
        ({"basis": {"source_ids": ["nobody_2030"]}}, "unknown source"),
        ({"cues": [_cue(findings=["sore_elbow"])]}, "unknown finding"),
    ],
)
def test_names_are_checked_against_the_knowledge_base(
    change: dict[str, object], words: str
) -> None:
    kb = default_knowledge()
    raw = coaching(kb)["lateral_lunge"].model_dump() | change
    with pytest.raises(KnowledgeError, match=words):
        check(kb, [Coaching.model_validate(raw)])


def test_the_target_is_the_prescribed_dose() -> None:
    kb = default_knowledge()
    bridge = target(kb.exercises["glute_bridge"].dosage)  # 1-3 sets of 8-12
    assert (bridge.sets, bridge.reps, bridge.seconds) == (3, 12, None)
    calf = target(kb.exercises["single_leg_calf_toe_raise"].dosage)  # 30-45 s, 1-2 rounds
    assert (calf.sets, calf.reps, calf.seconds, calf.per_side) == (2, None, 45, True)
    pigeon = target(kb.exercises["modified_pigeon"].dosage)  # hold 10-30 s, 2-4 times
    assert (pigeon.sets, pigeon.seconds) == (4, 30)
    ball = target(kb.exercises["glute_ball_release"].dosage)  # 2-3 minutes a side
    assert (ball.sets, ball.seconds) == (1, 120)
    tfl = target(kb.exercises["tfl_ball_release"].dosage)  # at least 90 s a side
    assert tfl.seconds == 90


@needs_node
def test_the_measures_are_the_ones_logic_js_computes() -> None:
    names = "m => console.log(JSON.stringify(Object.keys(m.MEASURES)))"
    script = f"import('{LOGIC.as_uri()}').then({names})"
    out = subprocess.run([NODE, "-e", script], capture_output=True, text=True, check=True)  # type: ignore[list-item]
    assert json.loads(out.stdout) == list(MEASURES)


@needs_node
def test_javascript_unit_tests_pass() -> None:
    result = subprocess.run(
        [NODE, "--test", str(ROOT / "tests" / "web" / "js")],  # type: ignore[list-item]
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 0" not in result.stdout


def test_the_real_clip_landmarks_of_the_js_tests_are_not_stale() -> None:
    """tests/web/js/data/coach_clips.json (written by `python -m bench.coach_clips`) holds the
    clips of bench/coach_clips.py with their hand counts and the coaching entries of today's
    coaching.yaml: change either and the file must be written again."""
    from bench.coach_clips import CLIPS, LANDMARKS, frame_count

    data = json.loads(LANDMARKS.read_text(encoding="utf-8"))
    assert sorted(data) == sorted(c.name for c in CLIPS)
    entries = coaching(default_knowledge())
    for clip in CLIPS:
        got = data[clip.name]
        assert got["reps"] == clip.reps and len(got["frames"]) == frame_count(clip)
        assert [tuple(t) for t in got["rep_times"]] == list(clip.rep_times)
        assert got["coaching"] == entries[clip.exercise_id].model_dump(mode="json"), (
            f"{clip.name}: coaching.yaml changed; run `python -m bench.coach_clips`"
        )
