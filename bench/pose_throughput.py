"""Pose throughput and memory: a benchmark, not a test.

    .venv/bin/python bench/pose_throughput.py            # about 12 minutes on 2 cores
    .venv/bin/python bench/pose_throughput.py --quick    # skips the 5-minute video
    .venv/bin/python bench/pose_throughput.py --repeat 5 # more runs per throughput figure

On each 10-second clip, in one run and interleaved `--repeat` times (medians reported): the
BASELINE (raw MediaPipe Pose, model_complexity=1,
one process: decode, colour conversion, pose; its frames per second), then the full
`kneechain pose` pipeline end to end (decode, person search, pose on every core, quality
checks, cleaning, angles, all exports) without evidence media and with them (overlay video
and key frames). Ratios are pipeline fps / baseline fps. Both clocks start with MediaPipe
loaded in the measuring process; the pipeline's helper processes load it on the clock. The
MACHINE CEILING runs one raw baseline process per core at once, each on its share of the
frames (start-up excluded): what the cores give when they work together, since two cores of
a virtual machine slow each other down. Peak memory (RSS) of the pipeline is
measured on a 10-second and a 5-minute video (the demo clip looped, streamed to disk): the
main process (which poses too) and the largest pose helper (ru_maxrss), whose sum with the
other helpers bounds the total.

Clips: the demo clip (two people: the pipeline must pose the chosen person again where the
model first followed the other one) and a single-person clip (Pose2Sim's camera 1), each
looped to 10 s. Every measurement runs in a fresh process so peaks do not mix. Results go
to bench/results/pose_throughput.json (kept in the repository) and are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "pose_throughput.json"


def loop_clip(src: Path, dst: Path, seconds: float) -> Path:
    """Write `src` repeated until `seconds` long, one frame at a time (constant memory)."""
    from kneechain.vision.video import iter_frames, probe

    info = probe(src)
    wanted = round(seconds * info.fps)
    size = (info.width, info.height)
    writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), info.fps, size)
    written = 0
    while written < wanted:
        for frame in iter_frames(src):
            if written >= wanted:
                break
            writer.write(frame.image)
            written += 1
    writer.release()
    return dst


def _peak_mb() -> dict[str, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"rss_main_mb": round(me, 1), "rss_largest_worker_mb": round(kids, 1)}


def run_baseline(video: Path, first: int = 0, stop: int | None = None) -> dict[str, float]:
    """Raw MediaPipe, single process, as its documentation shows it (frames first..stop)."""
    from mediapipe.python.solutions.pose import Pose

    start = time.perf_counter()
    cap = cv2.VideoCapture(str(video))
    if first:
        cap.set(cv2.CAP_PROP_POS_FRAMES, first)
    frames = 0
    with Pose(static_image_mode=False, model_complexity=1) as pose:
        while stop is None or first + frames < stop:
            ok, image = cap.read()
            if not ok:
                break
            pose.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
            frames += 1
    cap.release()
    return {"frames": frames, "seconds": time.perf_counter() - start}


def run_pipeline(video: Path, evidence: bool, every: int) -> dict[str, float]:
    # as in the baseline, the measuring process has MediaPipe loaded before the clock starts
    # (helper processes load it on the clock: that start-up is part of using every core)
    import mediapipe.python.solutions.pose  # noqa: F401

    from kneechain.vision.pipeline import PoseOptions, run_pose

    options = PoseOptions(overlay=evidence, key_frames=evidence, every=every)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        analysis, _ = run_pose(video, Path(tmp) / "out", options)
        seconds = time.perf_counter() - start
    timings = {k: round(v, 2) for k, v in analysis.timings.items()}
    return {
        "frames": len(analysis.clean),
        "seconds": seconds,
        "people_seen": analysis.person.people_seen,
    } | timings


def one(mode: str, video: Path, every: int, part: tuple[int, int] | None = None) -> None:
    """Child-process entry: one measurement, printed as JSON on the last line."""
    if mode == "baseline":
        result = run_baseline(video, *(part or (0, None)))
    else:
        result = run_pipeline(video, evidence=mode == "evidence", every=every)
    result |= _peak_mb()
    result["fps"] = result["frames"] / result["seconds"]
    print(json.dumps(result))


def measure(mode: str, video: Path, every: int = 1) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--one", mode, str(video), "--every", str(every)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} on {video.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_ceiling(video: Path, frames: int, workers: int) -> dict[str, float]:
    """What this machine allows: `workers` raw baseline processes at once, each on its own
    share of the frames; frames per second over the slowest one's time (start-up excluded)."""
    cmds = [
        [sys.executable, __file__, "--one", "baseline", str(video), "--part",
         str(frames * i // workers), str(frames * (i + 1) // workers)]
        for i in range(workers)
    ]  # fmt: skip
    procs = [
        subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT
        )
        for cmd in cmds
    ]
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    seconds = max(r["seconds"] for r in results)
    return {"frames": sum(r["frames"] for r in results), "seconds": seconds,
            "fps": sum(r["frames"] for r in results) / seconds}  # fmt: skip


def throughput(video: Path, workers: int, repeat: int) -> dict[str, object]:
    """Baseline, machine ceiling and pipeline, interleaved `repeat` times (the machine's speed
    drifts by 20% within minutes), then the pipeline with evidence once; medians reported."""
    base, ceiling, plain = [], [], []
    for _ in range(repeat):
        base.append(measure("baseline", video))
        ceiling.append(measure_ceiling(video, int(base[-1]["frames"]), workers))
        plain.append(measure("plain", video))
    evidence = measure("evidence", video)
    ratios = [p["fps"] / b["fps"] for p, b in zip(plain, base, strict=True)]
    base_fps = statistics.median(b["fps"] for b in base)
    ceiling_fps = statistics.median(c["fps"] for c in ceiling)
    plain_fps = statistics.median(p["fps"] for p in plain)
    middle = sorted(plain, key=lambda p: p["fps"])[len(plain) // 2]
    return {
        "baseline_fps": round(base_fps, 1),
        "machine_ceiling_fps": round(ceiling_fps, 1),
        "ratio_ceiling_to_baseline": round(ceiling_fps / base_fps, 2),
        "pipeline_fps": round(plain_fps, 1),
        "ratio_pipeline_to_baseline": round(statistics.median(ratios), 2),
        "ratio_runs": [round(r, 2) for r in ratios],
        "share_of_ceiling": round(plain_fps / ceiling_fps, 2),
        "pipeline_with_evidence_fps": round(evidence["fps"], 1),
        "ratio_with_evidence_to_baseline": round(evidence["fps"] / base_fps, 2),
        "evidence_cost_s": round(evidence["seconds"] - middle["seconds"], 2),
        "pipeline_detail": middle,
    }


TARGET = 1.8  # pose only, single person (issue #18); the two-person clip is reported beside it


def target_verdict(row: dict) -> dict[str, object]:
    """The 1.8x target against what was measured in the same run; where missed, whether the
    machine's own ceiling (one raw MediaPipe process per core) allows it at all."""
    met = row["ratio_pipeline_to_baseline"] >= TARGET
    verdict: dict[str, object] = {"target": TARGET, "met": met}
    if not met:
        ceiling = row["ratio_ceiling_to_baseline"]
        verdict["why_not_met"] = (
            f"the machine's ceiling in this run is x{ceiling}: the target is above what "
            "running raw MediaPipe on every core reaches, so it needs less work per frame "
            "than raw MediaPipe does"
            if ceiling < TARGET
            else f"the pipeline reaches {row['share_of_ceiling']:.0%} of the machine's ceiling "
            f"(x{ceiling}); the rest is start-up, the person search, cleaning and exports"
        )
    return verdict


def clips(folder: Path) -> dict[str, Path]:
    from kneechain.vision import sample_data

    found = {}
    demo = sample_data.demo_video()
    if demo is not None:
        found["demo_two_people_10s"] = loop_clip(demo, folder / "demo10.mp4", 10)
    single = sample_data.single_person_video()
    if single is not None:
        found["single_person_10s"] = loop_clip(single, folder / "single10.mp4", 10)
    if not found:
        raise SystemExit(f"no benchmark video available: {sample_data.last_failure()}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 5-minute video")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each throughput measure")
    parser.add_argument("--one", nargs=2, metavar=("MODE", "VIDEO"), help=argparse.SUPPRESS)
    parser.add_argument("--every", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--part", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one[0], Path(args.one[1]), args.every, args.part)
        return
    report: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "throughput": {},
        "memory": {},
    }
    workers = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, video in clips(folder).items():
            row = throughput(video, workers, args.repeat)
            row |= target_verdict(row)
            report["throughput"][name] = row
            print(
                f"{name} (median of {args.repeat}): baseline {row['baseline_fps']} fps | "
                f"{workers} raw processes at once {row['machine_ceiling_fps']} fps "
                f"(x{row['ratio_ceiling_to_baseline']}) | pipeline {row['pipeline_fps']} fps "
                f"(x{row['ratio_pipeline_to_baseline']}, runs {row['ratio_runs']}, "
                f"{row['share_of_ceiling']:.0%} of the machine's ceiling) | with overlay and "
                f"key frames {row['pipeline_with_evidence_fps']} fps "
                f"(x{row['ratio_with_evidence_to_baseline']}), "
                f"evidence costs {row['evidence_cost_s']} s",
                flush=True,
            )
        demo = folder / "demo10.mp4"
        lengths = {"10s": demo}
        if not args.quick:
            lengths["300s"] = loop_clip(demo, folder / "demo300.mp4", 300)
        for label, video in lengths.items():
            result = measure("plain", video)
            main_mb, worker_mb = result["rss_main_mb"], result["rss_largest_worker_mb"]
            report["memory"][label] = {
                "frames": result["frames"],
                "seconds": round(result["seconds"], 1),
                "rss_main_mb": main_mb,
                "rss_largest_worker_mb": worker_mb,
                "rss_total_upper_bound_mb": round(main_mb + (workers - 1) * worker_mb, 1),
            }
            print(
                f"peak RSS, {label} video ({result['frames']} frames, {result['seconds']:.0f} s): "
                f"main process {main_mb} MB, largest pose helper {worker_mb} MB "
                f"(total at most {main_mb + (workers - 1) * worker_mb:.0f} MB)",
                flush=True,
            )
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
