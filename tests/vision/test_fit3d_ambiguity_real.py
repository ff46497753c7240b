"""The fit's two answers on the shared walk-and-jump clip (slow: the clip is posed).

Fitted whole (as `kneechain pose` fits a clip of 230 frames) and in windows of 120 rows, the
left knee's flexion differed by up to 42 degrees in frames 40-44 and 189-196, with a stated
+- of 14-15 there: an error beyond the +- that nothing showed. With the fit's other answers
(angles3d.fit_with_alternatives) those frames' +- must reach the windowed answer too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kneechain.vision import angles3d, fit3d
from kneechain.vision.pipeline import PoseOptions, analyse

pytestmark = pytest.mark.slow
FRAMES = np.r_[40:45, 189:197]


@pytest.fixture(scope="module")
def posed(demo_video: Path):
    return analyse(demo_video, PoseOptions(fit_3d=True))


def _windowed(traj, side: str) -> np.ndarray:
    n = len(traj)
    spans = angles3d.windows(n, 120, 30)
    owner = angles3d.owners(n, spans)
    out = np.full(n, np.nan)
    for i, (a, b) in enumerate(spans):
        knee = fit3d.fit(traj.slice_time(a, b)).knee_flexion(side)
        mine = owner[a:b] == i
        out[a:b][mine] = knee[mine]
    return out


def test_the_sd_covers_the_windowed_answer_where_the_fit_has_two(posed) -> None:
    traj = posed.clean
    assert len(traj) <= angles3d.WINDOW_ROWS  # fitted whole by `kneechain pose`
    value = posed.angles[angles3d.column("left", "knee_flexion")]
    sd = posed.angles[angles3d.column("left", "knee_flexion", sd=True)]
    plain = angles3d.table(fit3d.fit(traj), traj)
    plain_sd = plain[angles3d.column("left", "knee_flexion", sd=True)]
    other = _windowed(traj, "left")
    known = FRAMES[np.isfinite(value[FRAMES])]
    gap = np.abs(other[known] - value[known])
    # measured 2026-11-30: 8 of these frames beyond the plain +- (by up to 27 degrees);
    # with the fit's other answers one (191), by under a degree
    assert np.sum(gap > plain_sd[known]) >= 5
    assert np.all(gap <= sd[known] + 1.0)
    # and the +- stays the measured one in most frames of the clip
    given = np.isfinite(sd)
    assert np.mean(sd[given] > plain_sd[given]) < 0.25
