"""Our LiteRT pose runtime against the MediaPipe graph: time per frame and accuracy.

    .venv/bin/python bench/pose_runtime.py              # about 6 minutes on 2 busy cores
    .venv/bin/python bench/pose_runtime.py --repeat 5   # more timing runs
    .venv/bin/python bench/pose_runtime.py --only speed  # or --only multicam

1. Time per frame, in one process, on the same frames: the MediaPipe graph (BlazePose full,
   the reference and default backend) and our LiteRT runtime with the lite, full and heavy
   models, each tracking through the shared demo clip and Pose2Sim's camera-1 clip. Only the
   `process` call is timed (wall and CPU time of the whole process, which counts any threads
   a runtime starts); decoding is not. The backends take turns in a rotating order, `--repeat`
   times, and the ratios (graph time / backend time: above 1 is faster than the graph) are
   computed within each run, so that the machine's drift (other work on its 2 cores) hits
   all alike. Medians are reported with every run's ratio. CPU time is reported beside wall
   time: on a machine shared with other work, wall time mostly measures waiting for a core,
   while CPU time measures the work each runtime does for a frame.
2. Agreement and accuracy on the same frames: our full runtime against the graph (landmark
   distance, pixels); lite and heavy against our full (pixels, and the 2D knee angle in
   degrees, the quantity the protocols use).
3. Against a four-camera reference (Pose2Sim's calibrated single-person demo, see
   bench/multicam.py): for each camera, hips, knees and ankles triangulated from the other
   three cameras posed by the MediaPipe graph (leave-one-out, so no camera is judged against
   itself) and projected into it. Per backend: the lower-limb landmark distance to that
   projection (pixels), the 2D knee angle against the angle of the projected reference (the
   model's own error in that view), and against the 3D knee angle (what a single camera
   misses, view included). Raw landmarks, no cleaning: the models, not the filters.

Results: bench/results/pose_runtime.json (kept in the repository) and printed.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "pose_runtime.json"
BACKENDS = ("mediapipe", "litert-lite", "litert-full", "litert-heavy")
LEGS = {"left": (23, 25, 27), "right": (24, 26, 28)}  # hip, knee, ankle
LOWER_LIMB = [23, 24, 25, 26, 27, 28]


def _frames(video: Path):
    from kneechain.vision.video import iter_frames

    for frame in iter_frames(video, 0, None, 1, 0):
        yield cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)


def run_clip(model, video: Path) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Wall and CPU seconds in `process`, landmarks (T, 33, 2) pixels (NaN: no pose) and
    visibility (T, 33), one tracking pass over the clip from a fresh start."""
    reset = getattr(model, "reset", None)
    if reset is not None:
        reset()
    wall = cpu = 0.0
    xy, vis = [], []
    for rgb in _frames(video):
        w0, c0 = time.perf_counter(), time.process_time()
        result = model.process(rgb)
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        if result is None:
            xy.append(np.full((33, 2), np.nan))
            vis.append(np.zeros(33))
        else:
            xy.append(result.xy * rgb.shape[1::-1])
            vis.append(result.visibility)
    return wall, cpu, np.array(xy), np.array(vis)


def knee_angles(xy: np.ndarray) -> np.ndarray:
    """2D knee flexion (T, 2) in degrees: 180 - hip-knee-ankle angle, both sides."""
    from kneechain.vision import kinematics as k

    return np.stack([k.knee_flexion(*(xy[:, i] for i in LEGS[s])) for s in LEGS], axis=1)


def compare(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Median landmark distance (all, lower limb) in px and median knee-angle difference."""
    both = np.isfinite(a[:, 0, 0]) & np.isfinite(b[:, 0, 0])
    d = np.hypot(*(a[both] - b[both]).transpose(2, 0, 1))
    angle = np.abs(knee_angles(a[both]) - knee_angles(b[both]))
    return {
        "frames_compared": int(both.sum()),
        "frames_only_one_found": int((np.isfinite(a[:, 0, 0]) != np.isfinite(b[:, 0, 0])).sum()),
        "median_px": round(float(np.median(d)), 2),
        "p90_px": round(float(np.percentile(d, 90)), 2),
        "lower_limb_median_px": round(float(np.median(d[:, LOWER_LIMB])), 2),
        "knee_angle_median_abs_deg": round(float(np.nanmedian(angle)), 2),
        "knee_angle_p90_abs_deg": round(float(np.nanpercentile(angle, 90)), 2),
    }


def speed_and_agreement(clips: dict[str, Path], repeat: int) -> dict[str, object]:
    from kneechain.vision.backends import create_backend

    models = {name: create_backend(name) for name in BACKENDS}
    for model in models.values():  # warm up (first-call allocations) off the clock
        model.process(np.zeros((64, 64, 3), dtype=np.uint8))
    frames = {}
    wall: dict[str, list[float]] = {b: [] for b in BACKENDS}
    cpu: dict[str, list[float]] = {b: [] for b in BACKENDS}
    poses: dict[str, dict[str, np.ndarray]] = {c: {} for c in clips}
    for run in range(repeat):
        order = BACKENDS[run % len(BACKENDS) :] + BACKENDS[: run % len(BACKENDS)]
        run_wall = {b: 0.0 for b in BACKENDS}
        run_cpu = {b: 0.0 for b in BACKENDS}
        for clip, video in clips.items():
            for name in order:
                w, c, xy, _ = run_clip(models[name], video)
                run_wall[name] += w
                run_cpu[name] += c
                frames[clip] = len(xy)
                poses[clip].setdefault(name, xy)
        total = sum(frames.values())
        for name in BACKENDS:
            wall[name].append(1000 * run_wall[name] / total)
            cpu[name].append(1000 * run_cpu[name] / total)
        print(
            f"run {run + 1}/{repeat}: "
            + ", ".join(f"{b} {wall[b][-1]:.1f} ms ({cpu[b][-1]:.1f} CPU)" for b in BACKENDS),
            flush=True,
        )
    for model in models.values():
        model.close()
    timing = {}
    for name in BACKENDS:
        ratios = [g / m for g, m in zip(wall["mediapipe"], wall[name], strict=True)]
        cpu_ratios = [g / m for g, m in zip(cpu["mediapipe"], cpu[name], strict=True)]
        timing[name] = {
            "ms_per_frame_median": round(statistics.median(wall[name]), 1),
            "cpu_ms_per_frame_median": round(statistics.median(cpu[name]), 1),
            "ms_per_frame_runs": [round(v, 1) for v in wall[name]],
            "speed_vs_graph_median": round(statistics.median(ratios), 2),
            "speed_vs_graph_runs": [round(r, 2) for r in ratios],
            "cpu_speed_vs_graph_median": round(statistics.median(cpu_ratios), 2),
            "cpu_speed_vs_graph_runs": [round(r, 2) for r in cpu_ratios],
        }
    agreement = {
        clip: {
            "litert-full vs mediapipe graph": compare(p["litert-full"], p["mediapipe"]),
            "litert-lite vs litert-full": compare(p["litert-lite"], p["litert-full"]),
            "litert-heavy vs litert-full": compare(p["litert-heavy"], p["litert-full"]),
        }
        for clip, p in poses.items()
    }
    return {"frames": frames, "timing": timing, "agreement": agreement}


def four_camera() -> dict[str, object] | str:
    from bench import multicam
    from kneechain.vision import kinematics as k
    from kneechain.vision.backends import create_backend

    folder = multicam.demo_files()
    if folder is None:
        return "skipped: the pose2sim wheel could not be fetched"
    cams = multicam.read_qca(folder / "Calib.qca.txt")
    names = multicam.CAMERAS
    raw: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    for backend in BACKENDS:
        model = create_backend(backend)
        raw[backend] = {}
        for cam in names:
            _, _, xy, vis = run_clip(model, folder / f"{cam}.mp4")
            raw[backend][cam] = (xy, vis)
        model.close()
    joints = sorted({j for leg in LEGS.values() for j in leg})
    # per camera: the reference from the other three cameras (graph), in 3D and seen from it
    ref3d: dict[str, dict[int, np.ndarray]] = {}
    ref2d: dict[str, np.ndarray] = {}
    for cam in names:
        others = [c for c in names if c != cam]
        ref3d[cam] = {}
        seen = np.full((len(raw["mediapipe"][cam][0]), 33, 2), np.nan)
        for joint in joints:
            xy = [raw["mediapipe"][c][0][:, joint] for c in others]
            weight = [(raw["mediapipe"][c][1][:, joint] >= 0.5).astype(float) for c in others]
            points = multicam.triangulate([cams[c] for c in others], xy, weight)
            ref3d[cam][joint] = points
            projected = multicam.project(cams[cam], np.nan_to_num(points))
            projected[~np.isfinite(points).all(axis=1)] = np.nan
            seen[:, joint] = projected
        ref2d[cam] = seen
    out: dict[str, object] = {
        "reference": "MediaPipe graph, the other three cameras triangulated (leave-one-out)",
        "frames_per_camera": len(raw["mediapipe"][names[0]][0]),
        "litert-full vs mediapipe graph, median px": {
            cam: compare(raw["litert-full"][cam][0], raw["mediapipe"][cam][0])["median_px"]
            for cam in names
        },
    }
    for backend in BACKENDS:
        row: dict[str, object] = {}
        vs3d, vs_seen, px = [], [], []
        for cam in names:
            xy = raw[backend][cam][0]
            seen = ref2d[cam]
            for hip, knee, ankle in LEGS.values():
                truth = k.knee_flexion(ref3d[cam][hip], ref3d[cam][knee], ref3d[cam][ankle])
                single = k.knee_flexion(xy[:, hip], xy[:, knee], xy[:, ankle])
                same_view = k.knee_flexion(seen[:, hip], seen[:, knee], seen[:, ankle])
                ok = np.isfinite(truth) & np.isfinite(single) & np.isfinite(same_view)
                vs3d.append(np.abs(single[ok] - truth[ok]))
                vs_seen.append(np.abs(single[ok] - same_view[ok]))
            d = np.hypot(*(xy[:, joints] - seen[:, joints]).transpose(2, 0, 1))
            px.append(d[np.isfinite(d)])
            row[f"{cam}_lower_limb_px_median"] = round(float(np.median(px[-1])), 1)
        row["lower_limb_px_vs_reprojected_median"] = round(float(np.median(np.concatenate(px))), 1)
        row["knee_angle_2d_vs_reprojected_mae_deg"] = round(
            float(np.mean(np.concatenate(vs_seen))), 1
        )
        row["knee_angle_2d_vs_3d_mae_deg"] = round(float(np.mean(np.concatenate(vs3d))), 1)
        out[backend] = row
    return out


def main() -> None:
    from kneechain.vision import quiet, sample_data

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--only", choices=("speed", "multicam"), help="run one part, keep the other's results"
    )
    args = parser.parse_args()
    clips = {"demo": sample_data.demo_video(), "pose2sim_cam01": sample_data.single_person_video()}
    missing = [name for name, path in clips.items() if path is None]
    if missing:
        sys.exit(f"sample clips unavailable ({', '.join(missing)}): {sample_data.last_failure()}")
    results: dict[str, object] = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    with quiet.silenced():
        if args.only != "multicam":
            results.update(speed_and_agreement(clips, args.repeat))  # type: ignore[arg-type]
        if args.only != "speed":
            results.pop("four_camera_knee_flexion", None)
            results["four_camera"] = four_camera()
    results["machine"] = {
        "cpus": len(__import__("os").sched_getaffinity(0)),
        "python": platform.python_version(),
        "note": "shared with other work: timings are medians of interleaved runs",
    }
    results["date"] = time.strftime("%Y-%m-%d")
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
