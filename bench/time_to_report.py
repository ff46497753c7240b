"""Time to report: `kneechain analyze` end to end with its evidence, against raw MediaPipe.

    .venv/bin/python bench/time_to_report.py              # 3 interleaved runs per clip
    .venv/bin/python bench/time_to_report.py --repeat 5

What a person waits for is the whole analysis with its evidence, not pose alone. Each
measurement runs in a fresh process, as `analyze` does: probe, pose at the test's declared
frame rate on every core (kneechain.vision.runner), person choice, cleaning, the test's
protocol, then the evidence (proof pictures first, the annotated clip meanwhile). The
BASELINE is raw single-process MediaPipe Pose (model_complexity=1, as its documentation
shows it) over every frame of the same clip in the same run: what a plain tool would do.
Both clocks start with MediaPipe loaded in the measuring process. Ratios are baseline
seconds / analysis seconds, one per interleaved pair, and their median is reported.

Clips: (a) the shared two-person clip (walk_and_jump_sports2d_demo.mp4, 7.7 s, 30 fps)
with the gait test, following the walker (the demo's person box); (b) a single-person clip
the gait test measures: the walker alone, cut by this bench from the shared clip (frames
50-184, rows 440 down: the person jumping on the box above is out of the picture; 1768x554,
4.5 s, 30 fps; the pipeline sees one person); (c) the single-person clip of Pose2Sim
(camera 1, 1080x1920, 60 fps) looped to 10 s with a static test (knee_to_wall: 10 frames a
second); (d), without a target, that clip with the gait test (every frame), which the
protocol refuses (filmed from the front, at an angle). Where the protocol refuses a clip,
the refusal is the report and the evidence written is the vision stage's annotated clip and
key frames, so the evidence work stays in the figure; the results file says which happened.

Per clip three clocks, each against the same baseline: `report_s`/`report_ratio`, the
measurements with their proof pictures (what `analyze` shows first); `analysis_s`/`ratio`,
with the annotated clip too (made on a thread while the pictures are drawn, and finished
after them); `typed_s`/`typed_ratio`, `kneechain analyze VIDEO --test TEST --format json`
as a person types it, in its own process with an empty data folder, to its end (its
imports, the job store and the processes it starts are on that clock, which the other two
start after), and `typed_report_s`/`typed_report_ratio` to the moment its JSON report is
printed (before the annotated clip is finished).

Each measurement also reports the CPU seconds it used (the process, its threads and its
helper processes): on a shared machine the wall clock mostly measures the other programs,
while the CPU-time ratio says how much work the analysis does per report; on an idle
machine with N cores the wall ratio approaches N times the CPU ratio when posing keeps
every core busy.

Targets (issue 18): (a) and (b) >= 1.2x, (c) >= 3x. Results: bench/results/time_to_report.json.
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
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pose_throughput import loop_clip, run_baseline

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "time_to_report.json"
TARGETS: dict[str, float | None] = {
    "a_two_people_gait": 1.2,
    "b_single_person_gait": 1.2,
    "c_static_knee_to_wall": 3.0,
    "d_front_view_gait_refused": None,
}
WALKER_FRAMES, WALKER_TOP = (50, 185), 440  # (b): the walker alone in the shared clip


def run_analysis(video: Path, test: str, person: tuple[int, int, int, int] | None) -> dict:
    """`analyze` as the command runs it (`analyse_file`: pose at the test's rate, cleaning,
    protocol), then its evidence with the annotated clip."""
    import mediapipe.python.solutions.pose  # noqa: F401  (loaded before the clock, as baseline)

    from kneechain.assess.protocols.config import default_config
    from kneechain.assess.protocols.evidence import write_evidence
    from kneechain.assess.protocols.registry import protocol
    from kneechain.assess.protocols.run import pose_for_test
    from kneechain.vision.angles import angle_table
    from kneechain.vision.errors import VideoError
    from kneechain.vision.evidence import OverlayJob, write_key_frames
    from kneechain.vision.pipeline import PoseOptions

    options = PoseOptions(person=person, overlay=False, key_frames=False, keep_frames=True)
    cfg = default_config()
    reported: list[float] = []  # seconds to the measurements with their proof pictures
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cpu = _cpu_s()
        start = time.perf_counter()
        traj, _, _, person_choice, frames = pose_for_test(video, test, cfg, options)
        try:
            result = protocol(test)(traj, cfg, None)
        except VideoError as err:  # the protocol refused the clip: that is the report
            outcome = f"refused: {err.problem[:100]}"
            analysed = time.perf_counter() - start
            analysed_cpu = _cpu_s() - cpu
            angles = angle_table(traj)
            clip = OverlayJob(video, traj, angles, folder / "annotated.webm", stash=frames)
            pictures = write_key_frames(video, traj, angles, folder / "key_frames", frames)
            reported.append(time.perf_counter() - start)
            files = pictures + clip.result()
        else:
            outcome = f"measured: {len(result.measurements)} measurements"
            analysed = time.perf_counter() - start
            analysed_cpu = _cpu_s() - cpu
            files = write_evidence(
                video,
                traj,
                result,
                folder,
                True,
                frames,
                pictures_done=lambda _: reported.append(time.perf_counter() - start),
                measures=cfg.test(test).measures,
            )
        seconds = time.perf_counter() - start
        cpu = _cpu_s() - cpu
    params = traj.meta.provenance[0].params
    return {
        "seconds": seconds,
        "report_s": round(reported[0], 3),
        "cpu_s": round(cpu, 2),
        "evidence_s": round(seconds - analysed, 2),
        "cpu_s_before_evidence": round(analysed_cpu, 2),
        "frames_posed": len(traj),
        "every": params.get("every"),
        "analysed_fps": params.get("analysed_fps"),
        "workers": params.get("workers"),
        "frames_posed_again": params.get("frames_posed_again"),
        "people_seen": person_choice.people_seen if person_choice is not None else None,
        "outcome": outcome,
        "evidence_files": len(files),
    }


def why_not_met(row: dict, cores: int) -> dict[str, object]:
    """The measured reason a wall-clock target was missed. An analysis of C CPU-seconds takes
    at least C / `cores` seconds of wall clock, so its wall ratio can reach at most `cores`
    times the baseline's wall seconds over C; below the target no scheduling reaches it and
    the work per report must shrink (to `cpu_s_needed`). Otherwise the cores waited
    (`idle_core_s`)."""
    cpu = row["cpu_s_analysis"]
    bound = round(cores * row["baseline_s"] / cpu, 2)
    needed = round(cores * row["baseline_s"] / row["target"], 2)
    idle = round(cores * row["analysis_s"] - cpu, 2)
    if bound < row["target"]:
        reason = (
            f"too much work per report: {cpu} CPU-s (the baseline: {row['cpu_s_baseline']} "
            f"CPU-s in {row['baseline_s']} s), so even with all {cores} cores busy throughout "
            f"the wall ratio could reach only x{bound}; x{row['target']} needs at most "
            f"{needed} CPU-s"
        )
    else:
        reason = (
            f"the cores waited: {idle} core-seconds idle of {round(cores * row['analysis_s'], 2)};"
            f" the work itself would allow x{bound}"
        )
    before = row["analysis_detail"].get("cpu_s_before_evidence")
    return {
        "reason": reason,
        "wall_ratio_bound_from_cpu": bound,
        "cpu_s_needed": needed,
        "idle_core_s": idle,
        "cpu_s_before_evidence": before,
        "cpu_s_evidence": None if before is None else round(cpu - before, 2),
        "what_remains": "docs/vision.md, 'Time to report': where the CPU seconds go",
    }


def _cpu_s() -> float:
    """CPU seconds of this process (all threads) and its finished children (the helpers)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def one(mode: str, video: Path, test: str, person: list[int] | None) -> None:
    """Child-process entry: one measurement, printed as JSON on the last line, with the CPU
    seconds it took (a figure the other programs on a shared machine disturb far less than
    the wall clock)."""
    import mediapipe.python.solutions.pose  # noqa: F401

    if mode == "baseline":
        before = _cpu_s()
        result = run_baseline(video)
        result["cpu_s"] = round(_cpu_s() - before, 2)
    else:
        result = run_analysis(video, test, tuple(person) if person else None)  # type: ignore[arg-type]
    print(json.dumps(result))


def measure(mode: str, video: Path, test: str = "", person: tuple | None = None) -> dict:
    cmd = [sys.executable, __file__, "--one", mode, str(video), "--test", test or "-"]
    if person:
        cmd += ["--person", *map(str, person)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} on {video.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def typed(video: Path, test: str, person: tuple | None) -> dict:
    """`kneechain analyze VIDEO --test TEST --format json` as a person types it, in a fresh
    process with an empty data folder: its start-up (imports, the job store, the processes
    it starts) is on this clock. A refusal (exit code 2) is the report of a refused clip."""
    kc = Path(sys.executable).with_name("kneechain")
    cmd = [str(kc)] if kc.is_file() else [sys.executable, "-m", "kneechain"]
    with tempfile.TemporaryDirectory() as tmp:
        cmd += ["analyze", str(video), "--test", test, "--format", "json"]
        cmd += ["--out", str(Path(tmp) / "evidence")]
        if person:
            cmd += ["--box", ",".join(map(str, person))]
        env = dict(os.environ, KNEECHAIN_DATA_DIR=str(Path(tmp) / "data"))
        env.pop("KNEECHAIN_DATABASE_URL", None)
        cpu = _children_cpu_s()
        start = time.perf_counter()
        with subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp
        ) as running:
            assert running.stdout is not None and running.stderr is not None
            lines = []  # the JSON report, printed before the annotated clip is finished
            while line := running.stdout.readline():
                lines.append(line)
                if line.startswith("}"):
                    break
            reported = time.perf_counter() - start
            lines.append(running.stdout.read())
            stderr = running.stderr.read()
        seconds = time.perf_counter() - start
        cpu = _children_cpu_s() - cpu
        evidence = sorted(p.name for p in (Path(tmp) / "evidence").glob("*"))
    if running.returncode not in (0, 2):
        raise RuntimeError(f"analyze on {video.name} failed:\n{stderr[-3000:]}")
    if running.returncode == 0:
        outcome = f"measured: {len(json.loads(''.join(lines))['measurements'])} measurements"
    else:
        outcome = f"refused: {stderr.strip()[:100]}"
    return {
        "seconds": seconds,
        "report_s": round(reported, 3),
        "cpu_s": round(cpu, 2),
        "outcome": outcome,
        "evidence_files": len(evidence),
    }


def _children_cpu_s() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def walker_alone(demo: Path, target: Path) -> Path:
    """The walker of the shared clip alone (frames WALKER_FRAMES, rows WALKER_TOP down),
    re-encoded deterministically (mp4v)."""
    from kneechain.vision.video import iter_frames, probe

    info = probe(demo)
    size = (info.width, info.height - WALKER_TOP)
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"mp4v"), info.fps, size)
    try:
        for frame in iter_frames(demo, *WALKER_FRAMES):
            writer.write(np.ascontiguousarray(frame.image[WALKER_TOP:]))
    finally:
        writer.release()
    return target


def cases(folder: Path) -> dict[str, tuple[Path, str, tuple | None]]:
    from kneechain.assess.protocols.walker_clip import WALKER_BOX
    from kneechain.vision import sample_data

    found: dict[str, tuple[Path, str, tuple | None]] = {}
    demo = sample_data.demo_video()
    if demo is not None:
        found["a_two_people_gait"] = (demo, "gait", WALKER_BOX)
        found["b_single_person_gait"] = (walker_alone(demo, folder / "walker.mp4"), "gait", None)
    single = sample_data.single_person_video()
    if single is not None:
        clip = loop_clip(single, folder / "single10.mp4", 10)
        found["c_static_knee_to_wall"] = (clip, "knee_to_wall", None)
        found["d_front_view_gait_refused"] = (clip, "gait", None)
    if not found:
        raise SystemExit(f"no benchmark video available: {sample_data.last_failure()}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs per clip")
    parser.add_argument("--one", nargs=2, metavar=("MODE", "VIDEO"), help=argparse.SUPPRESS)
    parser.add_argument("--test", default="-", help=argparse.SUPPRESS)
    parser.add_argument("--person", nargs=4, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one[0], Path(args.one[1]), args.test, args.person)
        return
    report: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
        "note": "ratios are taken pairwise (baseline and analysis back to back) and medians "
        "reported; the load averages at start and end say how busy the machine was",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "targets": TARGETS,
        "clips": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        found = cases(Path(tmp))
        runs: dict[str, list[tuple[dict, dict]]] = {name: [] for name in found}
        typed_runs: dict[str, list[dict]] = {name: [] for name in found}
        baselines: dict[Path, dict] = {}
        for _ in range(args.repeat):
            baselines.clear()
            for name, (video, test, person) in found.items():
                if video not in baselines:  # one baseline per clip and round, shared by tests
                    baselines[video] = measure("baseline", video)
                runs[name].append((baselines[video], measure("analysis", video, test, person)))
                typed_runs[name].append(typed(video, test, person))
                base, got = runs[name][-1]
                command = typed_runs[name][-1]
                print(
                    f"{name}: baseline {base['seconds']:.1f} s ({base['frames']} frames), "
                    f"analyze to the report {got['report_s']:.1f} s "
                    f"(x{base['seconds'] / got['report_s']:.2f}), with the annotated clip "
                    f"{got['seconds']:.1f} s "
                    f"(x{base['seconds'] / got['seconds']:.2f}; CPU {base['cpu_s']:.1f} s vs "
                    f"{got['cpu_s']:.1f} s; {got['outcome'][:40]}); as typed: report "
                    f"{command['report_s']:.1f} s "
                    f"(x{base['seconds'] / command['report_s']:.2f}), ended "
                    f"{command['seconds']:.1f} s (x{base['seconds'] / command['seconds']:.2f}, "
                    f"CPU {command['cpu_s']:.1f} s)",
                    flush=True,
                )
        for name, pairs in runs.items():
            ratios = [b["seconds"] / a["seconds"] for b, a in pairs]
            middle = sorted(pairs, key=lambda p: p[1]["seconds"])[len(pairs) // 2][1]
            row = {
                "video": found[name][0].name,
                "test": found[name][1],
                "baseline_s": round(statistics.median(b["seconds"] for b, _ in pairs), 2),
                "baseline_frames": pairs[0][0]["frames"],
                "analysis_s": round(statistics.median(a["seconds"] for _, a in pairs), 2),
                "ratio": round(statistics.median(ratios), 2),
                "cpu_s_baseline": round(statistics.median(b["cpu_s"] for b, _ in pairs), 2),
                "cpu_s_analysis": round(statistics.median(a["cpu_s"] for _, a in pairs), 2),
                "cpu_ratio": round(statistics.median(b["cpu_s"] / a["cpu_s"] for b, a in pairs), 2),
                "ratio_runs": [round(r, 2) for r in ratios],
                "report_s": round(statistics.median(a["report_s"] for _, a in pairs), 2),
                "report_ratio": round(
                    statistics.median(b["seconds"] / a["report_s"] for b, a in pairs), 2
                ),
                "typed_s": round(statistics.median(t["seconds"] for t in typed_runs[name]), 2),
                "typed_cpu_s": round(statistics.median(t["cpu_s"] for t in typed_runs[name]), 2),
                "typed_ratio": round(
                    statistics.median(
                        b["seconds"] / t["seconds"]
                        for (b, _), t in zip(pairs, typed_runs[name], strict=True)
                    ),
                    2,
                ),
                "typed_outcome": typed_runs[name][0]["outcome"][:60],
                "typed_report_s": round(
                    statistics.median(t["report_s"] for t in typed_runs[name]), 2
                ),
                "typed_report_ratio": round(
                    statistics.median(
                        b["seconds"] / t["report_s"]
                        for (b, _), t in zip(pairs, typed_runs[name], strict=True)
                    ),
                    2,
                ),
                "target": (target := TARGETS[name]),
                "met": None if target is None else statistics.median(ratios) >= target,
                "analysis_detail": middle | {"seconds": round(middle["seconds"], 2)},
            }
            if row["met"] is False:
                row["why_not_met"] = why_not_met(row, len(os.sched_getaffinity(0)))
            report["clips"][name] = row  # type: ignore[index]
            print(
                f"{name} (median of {len(pairs)}): baseline {row['baseline_s']} s, analyze "
                f"to the report {row['report_s']} s, x{row['report_ratio']}; as typed "
                f"to the report {row['typed_report_s']} s, x{row['typed_report_ratio']}, to "
                f"its end {row['typed_s']} s, x{row['typed_ratio']}; "
                f"with the annotated clip {row['analysis_s']} s, x{row['ratio']} (CPU seconds "
                f"x{row['cpu_ratio']}; runs "
                f"{row['ratio_runs']}; "
                + ("no target)" if row["met"] is None else f"target x{row['target']}: ")
                + ("" if row["met"] is None else ("met)" if row["met"] else "NOT met)"))
                + (f"; why: {row['why_not_met']['reason']}" if "why_not_met" in row else ""),
                flush=True,
            )
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["opencv_threads"] = cv2.getNumThreads()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
