"""The single-camera 3D fit's choices, measured on Pose2Sim's four views (a benchmark, not a test).

    .venv/bin/python bench/fit_choices.py      # about 3 minutes on 2 busy cores

Against the four-camera reference of bench/multicam.py (each view fitted alone, a phone's
default focal length), per camera and leg, knee and hip flexion MAE of the fit's value:

1. best_answer: the fit's own answer against the lowest-cost of it and its refits from the
   legs flipped in depth (`fit3d.alternatives`), per clip and per frame with a switching
   cost (a Viterbi path over the answers' per-frame costs);
2. knobs: one weight of the fit changed at a time (`fit3d.FitWeights`, the focal length),
   the mean knee flexion bias (signed) over the eight legs, and the setting a held-out
   choice would make (chosen on three views, scored on the fourth);
3. looser_knee_prior: the knee prior twice as loose, through `kneechain pose`'s whole table
   (values, stated sd with the second answers, share within it);
4. refit_cost: CPU seconds of the fit, the flipped refits and the shorter windows, and how
   much the stated sd moves when the refits are stopped earlier or one of them (or the
   shorter windows) is left out.

Figures are printed and written to bench/results/fit_choices.json; docs/protocols.md quotes them.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import multicam  # noqa: E402
from kneechain.vision import angles3d, fit3d  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "fit_choices.json"
SIDES = ("left", "right")
ANGLES = ("knee_flexion", "hip_flexion")
KNOBS: list[tuple[str, dict[str, float], float]] = [
    ("default", {}, 1.0),
    *[(f"prior_m={v}", {"prior_m": v}, 1.0) for v in (0.15, 0.6, 1.2)],
    *[(f"knee_prior_share={v}", {"knee_prior_share": v}, 1.0) for v in (0.33, 2.0, 4.0, 10.0)],
    *[(f"hinge={v}", {"hinge": v}, 1.0) for v in (0.02, 0.2)],
    *[(f"acceleration={v}", {"acceleration": v}, 1.0) for v in (30.0, 300.0)],
    *[(f"length_prior={v}", {"length_prior": v}, 1.0) for v in (0.05, 0.5)],
    *[(f"pixel_share={v}", {"pixel_share": v}, 1.0) for v in (0.003, 0.012)],
    *[(f"focal x{v}", {}, v) for v in (0.8, 1.25)],
]  # fmt: skip
"""The settings tried, one knob at a time (the default first)."""


def _data() -> tuple[dict, dict] | None:
    loaded = multicam.cameras_and_poses()
    if loaded is None:
        return None
    cams, trajs = loaded
    names = tuple(f"{s}_{j}" for s in SIDES for j in (*multicam.LEG, "shoulder"))
    return trajs, multicam.reference_fit_angles(multicam.reference(cams, trajs, names))


def _mae(value: np.ndarray, truth: np.ndarray) -> float:
    d = value - truth
    return round(float(np.mean(np.abs(d[np.isfinite(d)]))), 2)


def _errors(result: fit3d.Fit3D, truth: dict) -> dict[str, float]:
    out = {}
    for s in SIDES:
        values = angles3d.angle_values(result, s)
        for angle in ANGLES:
            out[f"{angle}_{s}"] = _mae(values[angle], truth[s][angle])
    return out


def _x(result: fit3d.Fit3D) -> np.ndarray:
    lengths = [result.lengths[name] for name in fit3d.LENGTH_NAMES]
    return np.concatenate([result.points.ravel(), lengths, [result.turn_rad]])


def viterbi(cost: np.ndarray, switch: float) -> np.ndarray:
    """(T,) the answer per frame minimising the summed (K, T) `cost` plus `switch` per change."""
    k, n = cost.shape
    total = cost[:, 0].copy()
    back = np.zeros((k, n), dtype=int)
    for t in range(1, n):
        step = total[:, None] + switch * (1.0 - np.eye(k))
        back[:, t] = np.argmin(step, axis=0)
        total = step[back[:, t], np.arange(k)] + cost[:, t]
    path = np.zeros(n, dtype=int)
    path[-1] = int(np.argmin(total))
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[path[t], t]
    return path


def best_answer(trajs: dict, truth: dict) -> dict[str, object]:
    out: dict[str, object] = {}
    for cam, traj in trajs.items():
        result = fit3d.fit(traj)
        others = fit3d.alternatives(traj, result)
        prob = fit3d.problem(traj)
        answers = [("fit", result)] + [(o.how, o.result) for o in others]
        costs = np.vstack([fit3d.frame_costs(prob, _x(r)) for _, r in answers])
        row: dict[str, object] = {
            how: {"cost": round(float(c.sum()), 1), **_errors(r, truth)}
            for (how, r), c in zip(answers, costs, strict=True)
        }
        row["lowest_cost"] = answers[int(np.argmin(costs.sum(axis=1)))][0]
        for switch in (0.0, 4.0):
            path = viterbi(np.nan_to_num(costs, nan=1e9), switch)
            picked = {}
            for s in SIDES:
                values = [angles3d.angle_values(r, s) for _, r in answers]
                for angle in ANGLES:
                    chosen = np.choose(path, [v[angle] for v in values])
                    picked[f"{angle}_{s}"] = _mae(chosen, truth[s][angle])
            picked["frames_per_answer"] = np.bincount(path, minlength=len(answers)).tolist()
            row[f"per_frame_switch_{switch:g}"] = picked
        out[cam] = row
    return out


def knobs(trajs: dict, truth: dict) -> dict[str, object]:
    rows: dict[str, dict[str, dict[str, float]]] = {}
    biases: dict[str, float] = {}
    for name, change, focal_share in KNOBS:
        weights = dataclasses.replace(fit3d.FitWeights(), **change)
        rows[name], bias = {}, []
        for cam, traj in trajs.items():
            focal = fit3d.default_focal(traj.meta.image_width, traj.meta.image_height)
            result = fit3d.fit(traj, focal * focal_share, weights)
            rows[name][cam] = _errors(result, truth)
            for s in SIDES:
                d = result.knee_flexion(s) - truth[s]["knee_flexion"]
                bias.append(float(np.mean(d[np.isfinite(d)])))
        biases[name] = float(np.mean(bias))

    def mean(name: str, cams: list[str], angle: str) -> float:
        return float(
            np.mean([v for cam in cams for k, v in rows[name][cam].items() if k.startswith(angle)])
        )

    cams = list(trajs)
    summary = {
        name: {
            "knee_bias_mean": round(biases[name], 2),
            "knee_mae_mean": round(mean(name, cams, "knee"), 2),
            "knee_mae_max": max(v for c in cams for k, v in rows[name][c].items() if "knee" in k),
            "hip_mae_mean": round(mean(name, cams, "hip"), 2),
        }
        for name in rows
    }
    held_out = {}
    for cam in cams:
        rest = [c for c in cams if c != cam]
        chosen = min(rows, key=lambda name: mean(name, rest, "knee"))
        held_out[cam] = {
            "chosen_on_the_others": chosen,
            "knee_mae": round(mean(chosen, [cam], "knee"), 2),
            "knee_mae_default": round(mean("default", [cam], "knee"), 2),
            "hip_mae": round(mean(chosen, [cam], "hip"), 2),
            "hip_mae_default": round(mean("default", [cam], "hip"), 2),
        }
    return {"settings": len(rows) - 1, "summary": summary, "held_out": held_out, "per_leg": rows}


def _tables(trajs: dict) -> dict[str, dict[str, np.ndarray]]:
    out = {}
    for cam, traj in trajs.items():
        result, others = angles3d.fit_with_alternatives(traj)
        out[cam] = angles3d.table(result, traj, others)
    return out


def _table_stats(tables: dict, truth: dict) -> dict[str, dict[str, float]]:
    out = {}
    for cam, table in tables.items():
        for s in SIDES:
            for angle in ANGLES:
                value = table[angles3d.column(s, angle)]
                sd = table[angles3d.column(s, angle, sd=True)]
                err = np.abs(value - truth[s][angle])
                ok = np.isfinite(err) & np.isfinite(sd)
                out[f"{cam}_{angle}_{s}"] = {
                    "mae": round(float(np.mean(err[ok])), 1),
                    "median_sd": float(np.median(sd[ok])),
                    "share_within_sd": round(float(np.mean(err[ok] <= sd[ok])), 2),
                }
    return out


def looser_knee_prior(trajs: dict, truth: dict) -> dict[str, object]:
    plain = _table_stats(_tables(trajs), truth)
    fit, alternatives = fit3d.fit, fit3d.alternatives
    weights = fit3d.FitWeights(knee_prior_share=2.0)
    try:
        fit3d.fit = functools.partial(fit, weights=weights)
        fit3d.alternatives = functools.partial(alternatives, weights=weights)
        loose = _table_stats(_tables(trajs), truth)
    finally:
        fit3d.fit, fit3d.alternatives = fit, alternatives
    return {key: {"default": plain[key], "knee_prior_share_2": loose[key]} for key in plain}


def _sd_change(a: dict, b: dict) -> dict[str, float]:
    diffs = []
    for cam in a:
        for name, values in a[cam].items():
            if name.endswith("_sd"):
                d = np.abs(values - b[cam][name])
                diffs.append(d[np.isfinite(d)])
    d = np.concatenate(diffs)
    return {"share_changed": round(float(np.mean(d > 0.5)), 3), "max_change": float(d.max())}


def refit_cost(trajs: dict) -> dict[str, object]:
    clocks = {}
    for cam, traj in trajs.items():
        t0 = time.process_time()
        result = fit3d.fit(traj)
        t1 = time.process_time()
        fit3d.alternatives(traj, result)
        t2 = time.process_time()
        angles3d.shorter_fit(traj, result)
        t3 = time.process_time()
        clocks[cam] = {
            "fit_cpu_s": round(t1 - t0, 2),
            "flipped_refits_cpu_s": round(t2 - t1, 2),
            "shorter_windows_cpu_s": round(t3 - t2, 2),
        }
    base = _tables(trajs)
    out: dict[str, object] = {"cpu_s": clocks}
    alternatives, flips, shorter = fit3d.alternatives, fit3d.FLIPS, angles3d.shorter_fit
    try:
        fit3d.alternatives = functools.partial(alternatives, max_evaluations=100)
        out["refits_stopped_at_100_evaluations"] = _sd_change(base, _tables(trajs))
        fit3d.alternatives = alternatives
        for flip in flips:
            fit3d.FLIPS = tuple(f for f in flips if f != flip)
            out[f"without_the_{flip}_refit"] = _sd_change(base, _tables(trajs))
        fit3d.FLIPS = flips
        angles3d.shorter_fit = lambda traj, result: None
        out["without_the_shorter_windows"] = _sd_change(base, _tables(trajs))
    finally:
        fit3d.alternatives, fit3d.FLIPS, angles3d.shorter_fit = alternatives, flips, shorter
    return out


def main() -> None:
    data = _data()
    if data is None:
        print("skipped: the pose2sim wheel could not be fetched")
        return
    trajs, truth = data
    results: dict[str, object] = {}
    parts = {
        "best_answer": lambda: best_answer(trajs, truth),
        "knobs": lambda: knobs(trajs, truth),
        "looser_knee_prior": lambda: looser_knee_prior(trajs, truth),
        "refit_cost": lambda: refit_cost(trajs),
    }
    for name, run in parts.items():
        t0 = time.process_time()
        results[name] = run()
        print(f"== {name} ({time.process_time() - t0:.0f} CPU-s)", flush=True)
        print(json.dumps(results[name], indent=1), flush=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
