"""Same input, same numbers: the cleaned trajectories, the angles and a protocol's
measurements are bit-identical whatever the number of pose processes and however their
pieces are timed (the pieces, of the person survey and of the pose pass, lie on a grid fixed
by the video; parallel.py, survey.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kneechain.assess.protocols.config import default_config
from kneechain.assess.protocols.registry import protocol
from kneechain.vision.pipeline import PoseAnalysis, PoseOptions, analyse
from kneechain.vision.runner import VisionRunner
from tests.vision import videos

pytestmark = pytest.mark.slow
OPTIONS = PoseOptions(overlay=False, key_frames=False)


@pytest.fixture(scope="module")
def two_people(demo_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """150 frames of the demo clip at half size: two people, so the chosen person is posed
    again where the first pass followed the other one (a second pass on the grid)."""
    folder = tmp_path_factory.mktemp("same")
    return videos.copy_clip(demo_video, folder / "two.mp4", start=30, stop=180, scale=0.5)


def _run(video: Path, workers: int, delay_s: float) -> PoseAnalysis:
    with VisionRunner(workers, piece_delay_s=delay_s) as runner:
        analysis = analyse(video, OPTIONS, runner=runner)
        assert runner.processes == workers  # the helpers really took part
    return analysis


def _measurements(analysis: PoseAnalysis) -> object:
    try:
        result = protocol("gait")(analysis.clean, default_config(), None)
    except Exception as exc:  # a refusal must be the same refusal
        return f"{type(exc).__name__}: {exc}"
    return result.model_dump(mode="json")


def test_one_two_and_three_processes_with_random_delays_agree_bit_for_bit(
    two_people: Path,
) -> None:
    reference = _run(two_people, 1, 0.0)
    for workers, delay in ((2, 0.3), (3, 0.3), (2, 0.0)):
        other = _run(two_people, workers, delay)
        assert other.person.crop is not None and reference.person.crop is not None
        # the survey's pieces are shared among the processes too: the same samples
        assert repr(other.person) == repr(reference.person)
        assert (other.brightness, other.sharpness) == (reference.brightness, reference.sharpness)
        for name in ("frame", "time", "position", "confidence", "world"):
            np.testing.assert_array_equal(
                getattr(other.raw, name), getattr(reference.raw, name), err_msg=name
            )
            np.testing.assert_array_equal(
                getattr(other.clean, name), getattr(reference.clean, name), err_msg=name
            )
        assert other.angles.keys() == reference.angles.keys()
        for name, values in reference.angles.items():
            np.testing.assert_array_equal(other.angles[name], values, err_msg=name)
        assert other.cleaning == reference.cleaning
        assert _measurements(other) == _measurements(reference)
