"""The right person on real footage: constructed scenes with two and three people, the shared
demo clip and its re-encoded, rotated, mirrored and low-resolution copies (slow: each clip is
decoded and searched for people, several are posed; 10-60 s each on two cores)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kneechain.assess.protocols.config import default_config
from kneechain.assess.protocols.run import analyse_file
from kneechain.vision.errors import VideoError
from kneechain.vision.models import Models
from kneechain.vision.person import choose_person
from kneechain.vision.pipeline import PoseAnalysis, PoseOptions, analyse
from kneechain.vision.subject import AmbiguousSubject
from kneechain.vision.survey import survey
from kneechain.vision.video import probe
from tests.vision import videos
from tests.vision.scenes import Actor, compose, walker_x

pytestmark = pytest.mark.slow
GAIT = PoseOptions(subject="travels", workers=1, overlay=False, key_frames=False)
SIZE = (640, 400)
WALKER = Actor("walker", 580, 250, 200, x1=60)  # crosses right to left, below
MAN = Actor("stander", 300, 130, 250)  # bigger and more central than the walker
SMALL_MAN = Actor("stander", 560, 120, 200, mirror=True)
IN_FRONT = Actor("stander", 320, 200, 280)  # the walker passes behind him


@pytest.fixture(scope="module")
def scenes(demo_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scenes")


def _scene(folder: Path, name: str, demo: Path, actors: list[Actor]) -> Path:
    return compose(demo, folder / f"{name}.mp4", actors, size=SIZE)


def _hip_x(analysis: PoseAnalysis) -> np.ndarray:
    return (analysis.raw.xy("left_hip")[:, 0] + analysis.raw.xy("right_hip")[:, 0]) / 2


def _on_walker(analysis: PoseAnalysis) -> np.ndarray:
    """Per posed frame: |hip x - the walker's x| in canvas pixels (NaN: no pose)."""
    return np.abs(_hip_x(analysis) - walker_x(WALKER, analysis.raw.time))


@pytest.mark.parametrize("actors", [[MAN, WALKER], [MAN, SMALL_MAN, WALKER]], ids=["2", "3"])
def test_gait_follows_the_walker_among_standing_people(
    actors: list[Actor], scenes: Path, demo_video: Path
) -> None:
    clip = _scene(scenes, f"people{len(actors)}", demo_video, actors)
    analysis = analyse(clip, GAIT)
    assert analysis.person.people_seen == len(actors)
    assert analysis.person.chosen_by.startswith("test movement")
    off = _on_walker(analysis)
    assert np.isfinite(off).mean() > 0.8  # she is measured in most frames
    assert np.nanmax(off) < 0.5 * WALKER.size  # never anyone else (her hips stay hers)
    assert np.nanmedian(off) < 0.1 * WALKER.size
    # without the test's movement the bigger, central man would be taken
    default = analyse(clip, GAIT.model_copy(update={"subject": "any"}))
    assert np.nanmedian(np.abs(_hip_x(default) - MAN.x0)) < 0.2 * MAN.size


def test_a_person_in_front_is_never_merged_into_the_walker(scenes: Path, demo_video: Path) -> None:
    clip = _scene(scenes, "in_front", demo_video, [WALKER, IN_FRONT])
    analysis = analyse(clip, GAIT)
    assert analysis.person.people_seen == 2
    off = _on_walker(analysis)
    # frames while she is behind him are left out (no pose, or dropped and reported),
    # never measured on him
    assert np.nanmax(off) < 0.5 * WALKER.size
    hidden = np.abs(walker_x(WALKER, analysis.raw.time) - IN_FRONT.x0) < 0.3 * IN_FRONT.size
    assert hidden.any() and not np.isfinite(off[hidden]).all()
    if analysis.person.dropped:
        assert any("left out" in w for w in analysis.warnings)


def test_two_people_doing_the_same_movement_make_it_ask(scenes: Path, demo_video: Path) -> None:
    both = [
        Actor("walker", 580, 110, 200, x1=60),
        Actor("walker", 60, 300, 200, x1=580, mirror=True),
    ]
    clip = _scene(scenes, "two_walkers", demo_video, both)
    with pytest.raises(AmbiguousSubject) as err:
        analyse(clip, GAIT)
    assert isinstance(err.value, VideoError)  # the CLI shows it as a plain message
    assert err.value.advice.count("--box") == 2
    # the box of the lower walker (first seen at the left) settles it
    boxed = analyse(clip, GAIT.model_copy(update={"person": (0, 200, 200, 200)}))
    assert boxed.person.chosen_by == "user box"
    lower = np.abs(_hip_x(boxed) - walker_x(both[1], boxed.raw.time))
    assert np.nanmedian(lower) < 0.1 * 200


def test_gait_on_the_shared_clip_measures_the_walking_woman(demo_video: Path) -> None:
    result = analyse_file(demo_video, "gait", default_config())
    assert result.person is not None and result.person.people_seen == 2
    assert result.person.chosen_by.startswith("test movement")
    step = result.trajectories.meta.provenance[0].params
    assert step["frames_posed_again"] == 0  # chosen before posing: no frame posed twice
    hips = (result.trajectories.xy("left_hip") + result.trajectories.xy("right_hip")) / 2
    walking = (result.trajectories.time > 2.0) & (result.trajectories.time < 6.0)
    assert np.nanmedian(hips[walking, 1]) > 0.6 * probe(demo_video).height  # below, not the roof
    assert np.nanmean(np.diff(hips[walking, 0])) < -5  # walking right to left
    cadence = [m.value for m in result.result.measurements if m.measure == "cadence"]
    assert cadence and 80 <= cadence[0] <= 140
    assert result.pose_warnings[0].startswith("Followed the person moving from right to left")


@pytest.mark.parametrize("copy", ["reencoded", "rotated", "mirrored", "lowres"])
def test_the_same_person_is_chosen_on_every_copy(
    copy: str, demo_video: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp(copy)
    out = folder / f"{copy}.mp4"
    if copy == "rotated":
        videos.rotated_copy(demo_video, out)
    else:
        videos.copy_clip(
            demo_video, out, mirror=copy == "mirrored", scale=0.4 if copy == "lowres" else 1
        )
    info = probe(out)
    models = Models()
    try:
        samples = survey(info, round(info.fps / 2), models)
    finally:
        models.release()
    choice = choose_person(samples, info.width, info.height, subject="travels")
    assert choice.people_seen == 2
    (chosen,) = choice.followed
    woman = choice.people[chosen]
    assert np.median(woman.y) > 0.6 * info.height  # below, not on the roof
    direction = np.sign(woman.x[-1] - woman.x[0])
    assert direction == (1 if copy == "mirrored" else -1)
    assert abs(woman.x[-1] - woman.x[0]) > 0.6 * info.width  # across the picture
