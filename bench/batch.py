"""Batch throughput of the job runners: a benchmark, not a test.

    .venv/bin/python bench/batch.py             # about 6 minutes on 2 shared cores

One batch of 7 real clips (755 frames): the walking person of the shared demo clip (gait,
155 frames, 1768x994), the four camera views of Pose2Sim's single-person demo (100 frames
each, 1080x1920, measured as a double-leg squat: what the protocol makes of them does not
matter here, the pose work is the same) and left-right mirrored copies of cameras 1 and 2
(other content, so other jobs; a byte copy would be the same job and never run twice).

Measured in one run, each runner right after its own BASELINE (the machine's load drifts, so
each ratio compares two neighbouring measurements), each in a fresh data folder (no earlier
results). BASELINE: raw MediaPipe Pose (model_complexity=1) in one process over every frame
of every clip, one after another: decode, colour conversion, pose; no person choice,
cleaning, protocol or evidence. LOCAL: `kneechain batch`'s path on the local runner with 2 workers
(jobs at once) of 1 pose process each, evidence pictures on; wall time from the first
submit to the last result, worker start-up included. RAY: the same batch on Ray started on
this machine (ray.init() timed apart), 2 tasks at once of num_cpus=1. Ray's overhead per
job: 20 trivial jobs (a saved trajectories file, analysed in milliseconds) on each runner.
Memory: the peak RSS (VmHWM) of every worker process, read from /proc before the runner
closes. CPU: the CPU seconds the work used (this process, plus every worker process: the
local pool's, or Ray's task workers; Ray's own daemons are not counted), which the other
work on the machine changes little, against the baseline's. Figures are clips per minute
and frames per second (frames posed / wall seconds), and ratios to the baseline measured
just before. The machine's 2 cores are shared with other work: wall-clock figures are
noisy, the CPU ratio much less so. Results go to bench/results/batch.json and are printed.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "batch.json"
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))


def mirrored(src: Path, dst: Path) -> Path:
    """A left-right mirrored re-encoding of `src` (same work, other content)."""
    from kneechain.vision.video import iter_frames, probe

    info = probe(src)
    size = (info.width, info.height)
    writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), info.fps, size)
    for frame in iter_frames(src):
        writer.write(cv2.flip(frame.image, 1))
    writer.release()
    return dst


def batch_clips(folder: Path) -> list[tuple[Path, str, tuple[int, int, int, int] | None]]:
    """(clip, test, person box) of the benchmark batch."""
    from multicam import demo_files

    from kneechain.assess.protocols.walker_clip import WALKER_BOX, cut_walker
    from kneechain.vision import sample_data

    demo = sample_data.demo_video()
    cams = demo_files()
    if demo is None or cams is None:
        raise SystemExit(f"benchmark clips unavailable: {sample_data.last_failure()}")
    clips: list[tuple[Path, str, tuple[int, int, int, int] | None]] = [
        (cut_walker(demo, folder / "walker.mp4"), "gait", WALKER_BOX)
    ]
    for cam in ("cam01", "cam02", "cam03", "cam04"):
        clips.append((cams / f"{cam}.mp4", "double_leg_squat", None))
    for cam in ("cam01", "cam02"):
        copy = mirrored(cams / f"{cam}.mp4", folder / f"{cam}_mirrored.mp4")
        clips.append((copy, "double_leg_squat", None))
    return clips


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds a live process has used (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def baseline(paths: list[Path]) -> dict[str, float]:
    """Raw MediaPipe in one process over every clip (pose_throughput.py's baseline)."""
    from pose_throughput import run_baseline

    cpu = _cpu_self()
    runs = [run_baseline(path) for path in paths]
    return {
        "frames": sum(r["frames"] for r in runs),
        "seconds": round(sum(r["seconds"] for r in runs), 2),
        "cpu_seconds": round(_cpu_self() - cpu, 1),
    }


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _ray_worker_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            continue
        if cmd.startswith(b"ray::") and b"Queue" not in cmd:  # task workers, not the queue
            pids.append(int(entry.name))
    return pids


def run_batch(kind: str, clips: list, data: Path, workers: int = 2) -> dict[str, object]:
    """The batch on one runner; wall time, per-clip outcome, worker memory."""
    from kneechain.jobs.models import ClipRequest
    from kneechain.jobs.runner import open_runner
    from kneechain.settings import Settings

    settings = Settings(data_dir=data, pose_workers=1, ray_cpus_per_job=1)
    tic, cpu = time.perf_counter(), _cpu_self()
    runner = open_runner(settings, runner=kind, workers=workers)
    started = time.perf_counter() - tic
    try:
        requests = [
            ClipRequest(video=p, test_id=t, person=box, evidence=True, clip=False)
            for p, t, box in clips
        ]
        tic = time.perf_counter()
        views = runner.run(requests)
        seconds = time.perf_counter() - tic
        pids = runner.backend.pids if kind == "local" else _ray_worker_pids()  # type: ignore[attr-defined]
        memory = sorted(m for m in (_vm_hwm_mb(p) for p in pids) if m is not None)
        cpu_used = _cpu_self() - cpu + sum(_cpu_of(p) for p in pids)
    finally:
        runner.close()
    frames = sum(int((v.result or {}).get("frames", 0)) for v in views)
    return {
        "start_s": round(started, 2),
        "seconds": round(seconds, 2),
        "clips": len(views),
        "frames_in_results": frames,
        "outcomes": [
            {
                "clip": Path(r.video).name,
                "status": v.status.value,
                "error": v.error.message[:120] if v.error else None,
                "attempts": v.attempts,
            }
            for r, v in zip(requests, views, strict=True)
        ],
        "worker_peak_rss_mb": memory,
        "cpu_seconds": round(cpu_used, 1),
    }


def overhead(kind: str, data: Path, jobs: int = 20) -> dict[str, float]:
    """Seconds per trivial job (a saved trajectories file) on `kind`, after start-up."""
    from kneechain.assess.protocols import constructed as c
    from kneechain.jobs.models import ClipRequest
    from kneechain.jobs.runner import open_runner
    from kneechain.settings import Settings
    from kneechain.vision.trajectories import save
    from tests.protocols.shapes import clock, dips

    folder = data / "npz"
    folder.mkdir(parents=True)
    paths = []
    for i in range(jobs):
        t = clock(6)
        depth = dips(t, 60.0 + i, 3)
        traj = c.standing_front(t, depth=(depth, depth), fppa=(depth / 5, depth / 45))
        paths.append(save(traj, folder / f"s{i}.npz"))
    settings = Settings(data_dir=data, pose_workers=1, ray_cpus_per_job=1)
    with open_runner(settings, runner=kind, workers=2) as runner:
        runner.run([ClipRequest(video=paths[0], test_id="double_leg_squat")])  # warm
        tic = time.perf_counter()
        runner.run([ClipRequest(video=p, test_id="double_leg_squat") for p in paths[1:]])
        seconds = time.perf_counter() - tic
    return {"jobs": jobs - 1, "seconds_per_job": round(seconds / (jobs - 1), 4)}


def paired(kind: str, clips: list, paths: list[Path], folder: Path) -> dict[str, object]:
    """The baseline, then the batch on `kind`, back to back: the ratio of the two is what
    this machine's drifting load leaves comparable."""
    load = os.getloadavg()[0]
    base = baseline(paths)
    print(f"baseline: {base['seconds']} s", flush=True)
    run = run_batch(kind, clips, folder)
    print(f"{kind}: {run['seconds']} s (+{run['start_s']} s start)", flush=True)
    seconds = float(run["seconds"])
    return run | {
        "load_average_1min_before": round(load, 2),
        "baseline_seconds": base["seconds"],
        "baseline_fps": round(base["frames"] / base["seconds"], 1),
        "clips_per_min": round(len(clips) / seconds * 60, 2),
        "fps": round(base["frames"] / seconds, 1),
        "ratio_to_baseline": round(base["seconds"] / seconds, 2),
        "baseline_cpu_seconds": base["cpu_seconds"],
        "cpu_ratio_to_baseline": round(float(run["cpu_seconds"]) / base["cpu_seconds"], 2),
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kneechain-bench-batch-") as tmp:
        root = Path(tmp)
        clips = batch_clips(root)
        paths = [p for p, _, _ in clips]
        frames = sum(int(cv2.VideoCapture(str(p)).get(cv2.CAP_PROP_FRAME_COUNT)) for p in paths)
        print(f"{len(clips)} clips, {frames} frames; machine: {os.cpu_count()} cores", flush=True)
        local = paired("local", clips, paths, root / "local")
        ray_run = paired("ray", clips, paths, root / "ray")
        local_job = overhead("local", root / "ov-local")
        ray_job = overhead("ray", root / "ov-ray")
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "note": (
            "2 cores shared with other work while measured (see load_average): each runner's "
            "ratio is to a baseline run just before it; absolute figures are noisy"
        ),
        "batch": {"clips": len(clips), "frames": frames},
        "local_2_workers_x_1_pose_process": local,
        "ray_local_2_tasks_num_cpus_1": ray_run,
        "overhead_per_trivial_job_s": {
            "local": local_job["seconds_per_job"],
            "ray": ray_job["seconds_per_job"],
            "ray_minus_local": round(ray_job["seconds_per_job"] - local_job["seconds_per_job"], 4),
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
