"""Expected error of the video protocols, three ways (a benchmark, not a test).

    .venv/bin/python bench/accuracy.py              # all three parts, a few minutes on 2 cores
    .venv/bin/python bench/accuracy.py --only synthetic

1. synthetic: every protocol on constructed clips with known angles, exact and with 1.5 px
   of pose noise (three seeds): the error of the protocol maths itself.
2. mirror: the demo clip's walker and its left-right mirror image; a correct pipeline swaps
   the sides and agrees on the values, so the differences bound the side-to-side error.
3. multicam: Pose2Sim's calibrated four-camera demo (bench/multicam.py); the triangulated
   poses are the reference for single-camera 2D angles and for the pose model's own 3D.

Figures are printed and written to bench/results/accuracy.json; docs/protocols.md quotes them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import multicam  # noqa: E402
from kneechain.assess.protocols import constructed as c  # noqa: E402
from kneechain.assess.protocols.config import default_config  # noqa: E402
from kneechain.assess.protocols.registry import PROTOCOLS  # noqa: E402
from kneechain.vision.trajectories import Trajectories  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "accuracy.json"
Case = tuple[str, Callable[[], Trajectories], dict[tuple[str, str | None], float]]


def _cases() -> list[Case]:
    t12, t11, t9, t24, t8 = c.clock(12.5), c.clock(11), c.clock(9), c.clock(24.5), c.clock(8)
    d = c.dips(t11, 90.0, 5)
    sls = c.dips(t9, 60.0, 4)
    swing = c.holds(t24, 28.0, 3, 8.0) * ((t24 % 8) < 4) - c.holds(t24 - 4, 44.0, 3, 8.0) * (
        (t24 % 8) >= 4
    )
    up = np.where((c.clock(20) > 1) & (c.clock(20) < 8), 60.0, 0.0)
    return [
        ("double_leg_squat", lambda: c.standing_front(t11, (d, d), (d / 6, d / 45)),
         {("squat_fppa", "left"): 15.0, ("squat_fppa", "right"): 2.0,
          ("squat_depth", "left"): 90.0, ("squat_depth", "right"): 90.0}),
        ("single_leg_squat", lambda: c.standing_front(
            t9, (0.0, sls), (0.0, sls * 18 / 60), (80.0, 0.0), sls * 7 / 60, -sls * 4 / 60),
         {("sls_fppa", "right"): 18.0, ("sls_pelvic_drop", "right"): 7.0,
          ("sls_trunk_lean", "right"): 4.0, ("sls_depth", "right"): 60.0}),
        ("knee_to_wall", lambda: c.side_lunge(t12, c.holds(t12, 38.0, 3)),
         {("ankle_df_angle", "left"): 38.0}),
        ("lying_leg_turn", lambda: c.lying_feet_end(
            t12, (c.holds(t12, 32.0, 3), c.holds(t12, 18.0, 3)), roll_deg=8.0),
         {("hip_ir_supine", "left"): 32.0, ("hip_ir_supine", "right"): 18.0}),
        ("seated_hip_rotation", lambda: c.seated_front(t24, (0.0, swing)),
         {("hip_ir_seated", "right"): 28.0, ("hip_er_seated", "right"): 44.0}),
        ("thomas_test", lambda: c.lying_thomas(c.clock(6), 8.0, 62.0),
         {("thomas_thigh_angle", "left"): 8.0, ("thomas_knee_flexion", "left"): 62.0}),
        ("single_leg_balance", lambda: c.standing_front(c.clock(20), lift=(up, 0.0)),
         {("balance_time", "right"): 7.0}),
        ("gait", lambda: c.side_walker(t8, stride_hz=0.9), {("cadence", None): 108.0}),
    ]  # fmt: skip


def synthetic() -> dict[str, dict[str, float]]:
    """Largest absolute error per measure, exact and with 1.5 px noise (3 seeds)."""
    out: dict[str, dict[str, float]] = {}
    for test_id, build, truth in _cases():
        clean = build()
        for label, trajs in (
            ("exact", [clean]),
            ("noise_1.5px", [c.add_noise(clean, 1.5, s) for s in (1, 2, 3)]),
        ):
            for traj in trajs:
                got = {
                    (m.measure, m.side): m.value
                    for m in PROTOCOLS[test_id](traj, default_config(), None).measurements
                }
                for key, want in truth.items():
                    name = f"{test_id}:{key[0]}" + (f"({key[1]})" if key[1] else "")
                    err = abs(got.get(key, np.nan) - want)
                    row = out.setdefault(name, {})
                    row[label] = round(max(row.get(label, 0.0), err), 2)
    return out


def mirror() -> dict[str, dict[str, float]] | str:
    """Walker clip and its mirror image: per measure the plain value and the mirrored value of
    the other side."""
    from kneechain.assess.protocols import gait
    from kneechain.assess.protocols.walker_clip import WALKER_BOX, cut_walker, pose_walker
    from kneechain.vision import sample_data

    video = sample_data.demo_video()
    if video is None:
        return f"skipped: {sample_data.last_failure()}"
    tmp = ROOT / ".cache" / "bench"
    tmp.mkdir(parents=True, exist_ok=True)
    plain = pose_walker(cut_walker(video, tmp / "walker.mp4"), WALKER_BOX)
    flipped = pose_walker(cut_walker(video, tmp / "walker_m.mp4", True), WALKER_BOX, True)
    a = {(m.measure, m.side): m.value for m in gait.analyse(plain, default_config()).measurements}
    b = {(m.measure, m.side): m.value for m in gait.analyse(flipped, default_config()).measurements}
    swap = {"left": "right", "right": "left", None: None}
    out = {}
    for (measure, side), value in sorted(a.items(), key=str):
        other = b.get((measure, swap[side]))
        if other is not None:
            out[f"{measure}({side})" if side else measure] = {
                "plain": value,
                "mirrored_other_side": other,
                "difference": round(other - value, 2),
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("synthetic", "mirror", "multicam"))
    args = parser.parse_args()
    parts = {"synthetic": synthetic, "mirror": mirror, "multicam": multicam.study}
    results = {}
    for name, run in parts.items():
        if args.only in (None, name):
            print(f"== {name}", flush=True)
            results[name] = run()
            print(json.dumps(results[name], indent=1), flush=True)
    if args.only is None:
        RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
