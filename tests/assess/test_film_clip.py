"""`film_clip`: one clip measured for the questionnaire ("film it now"), with proof pictures."""

from __future__ import annotations

from pathlib import Path

import pytest

from kneechain.assess import flow
from kneechain.assess.protocols.casevideo import film_clip
from kneechain.assess.protocols.config import default_config
from kneechain.assess.questionnaire import load_questionnaire
from kneechain.assess.rules import default_rules
from kneechain.errors import ErrorKind, KneechainError
from kneechain.knowledge.loader import default_knowledge
from kneechain.vision import sample_data
from tests.assess import helpers


@pytest.fixture()
def squat_file(tmp_path: Path) -> Path:
    return helpers.squat_file(tmp_path)


def test_a_clip_gives_case_measurements_with_quality(squat_file: Path, tmp_path: Path) -> None:
    answer = film_clip(squat_file, "double_leg_squat", default_config(), tmp_path / "ev")
    fppa = {m.side: m for m in answer.measurements if m.measure == "squat_fppa"}
    assert fppa["left"].value == pytest.approx(22.5, abs=0.2) and fppa["left"].provenance == "video"
    assert answer.view == "front" and answer.evidence == []  # trajectories: no frames to draw on


def test_a_missing_file_and_a_wrong_view_are_plain_errors(squat_file: Path) -> None:
    with pytest.raises(KneechainError, match="There is no file") as missing:
        film_clip(squat_file.with_name("nope.mp4"), "double_leg_squat", default_config())
    assert missing.value.kind is ErrorKind.not_found
    with pytest.raises(KneechainError, match="needs a side view") as wrong:
        film_clip(squat_file, "knee_to_wall", default_config())
    assert wrong.value.kind is ErrorKind.bad_media and "2 m to the side" in (wrong.value.hint or "")


def test_warnings_name_measures_not_ids() -> None:
    answer = flow.ClipAnswer(
        test_id="gait", file="w.mp4", view="side",
        warnings=["knee_flexion_stance_peak (right): no usable repetition, so no value."],
    )  # fmt: skip
    lines = flow.clip_summary(load_questionnaire(default_knowledge(), default_rules()), answer)
    assert "Note: Peak knee bend in stance (right): no usable repetition, so no value." in lines


@pytest.mark.slow
def test_a_real_walking_clip_gives_values_and_proof_pictures(tmp_path: Path) -> None:
    from kneechain.assess.protocols.walker_clip import cut_walker

    video = sample_data.demo_video()
    if video is None:
        pytest.skip(f"real demo video unavailable: {sample_data.last_failure()}")
    clip = cut_walker(video, tmp_path / "walker.mp4")
    answer = film_clip(clip, "gait", default_config(), tmp_path / "ev")
    cadence = next(m for m in answer.measurements if m.measure == "cadence")
    assert 80 < cadence.value < 130 and cadence.source and cadence.source.video_sha256
    assert answer.evidence and all(Path(p).is_file() for p in answer.evidence)
    lines = flow.clip_summary(load_questionnaire(default_knowledge(), default_rules()), answer)
    assert any(line.startswith("Cadence: ") for line in lines)
    assert sum(line.startswith("Proof picture: ") for line in lines) == len(answer.evidence)
