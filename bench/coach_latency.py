"""Camera coach benchmark: frame-to-cue latency and frames per second of the coaching page in
Debian's headless Chromium, with the fake camera fed a real clip (bench/coach_clips.py), and
rep counting accuracy against the clip's hand count (played as a video file, frame-exact).

    .venv/bin/python bench/coach_latency.py [--seconds 30] [--throttle 1 3] [--clips NAME...]

Latency here is from the frame's callback (requestVideoFrameCallback's `now`: the frame is
there to be looked at) to the page having updated what the person sees (count, cue banner);
a cue is decided on the frame that completes the rep, so a cue frame's latency is the frame-
to-cue latency. Targets (issue 16): cue within 150 ms, >= 15 frames a second. The machine is
shared with other agents' builds and tests: figures are noisy and say so."""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.coach_clips import CLIPS, Clip, frame_count, write_webm, write_y4m

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "a long enough password"
RESULTS = Path(__file__).resolve().parent / "results" / "coach_latency.json"


def serve(data: Path) -> tuple[str, object, object]:
    """The app on a loopback port over `data`, with "Bench" signed up (bench@example.org) and
    given the runner example's program (lateral lunge, glute bridge, side-lying leg lift...).
    Returns the address, the uvicorn server (set `should_exit` to stop) and the context."""
    import uvicorn

    from kneechain.assess.case import Case
    from kneechain.services import accounts, assessment
    from kneechain.services.context import ServiceContext
    from kneechain.settings import Settings
    from kneechain.web.app import create_app

    ctx = ServiceContext.open(Settings(data_dir=data))
    accounts.sign_up(
        ctx, {"email": "bench@example.org", "password": PASSWORD, "name": "Bench", "role": "person"}
    )
    root = Path(__file__).resolve().parents[1]
    case = json.loads((root / "examples" / "runner_right_valgus_pelvic_drop.json").read_text())
    assessment.record(ctx, "Bench", Case.model_validate(case))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise RuntimeError("the web app did not start")
    return f"http://127.0.0.1:{port}", server, ctx


def log_in(page: object, server: str) -> str:
    page.goto(f"{server}/login")  # type: ignore[attr-defined]
    page.fill("#email", "bench@example.org")  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    return str(page.evaluate("fetch('/api/me').then(r => r.json()).then(j => j.person_uid)"))  # type: ignore[attr-defined]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def live(
    p: object,
    server: str,
    clip_path: Path,
    exercise: str,
    seconds: float,
    throttle: float = 1.0,
    input_side: int | None = None,
    smooth: bool = False,
) -> dict:
    """One set with the fake camera playing `clip_path` in a loop, until the set ends (its dose
    reached) or `seconds` have passed; `throttle` > 1 slows the page's CPU that many times
    (Chromium's own CPU throttling) to see the counting at a lower frame rate; `input_side`
    replaces the page's size of the picture given to BlazePose (its shorter side, pixels);
    `smooth` turns BlazePose's landmark smoothing on (the page has it off)."""
    fake = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={clip_path}"]  # fmt: skip
    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS + fake)  # type: ignore[attr-defined]
    page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    if throttle > 1:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    uid = log_in(page, server)
    page.goto(f"{server}/people/{uid}/program/coach/{exercise}")
    if input_side:
        page.evaluate(f"document.getElementById('coach').dataset.inputSide = '{input_side}'")
    if smooth:
        page.evaluate("document.getElementById('coach').dataset.smooth = 'on'")
    page.click("[data-start]")
    coach = page.locator("#coach")
    while not coach.get_attribute("data-frames"):
        time.sleep(0.1)  # the model is loaded and the first frame seen
    delivered = "document.querySelector('video').getVideoPlaybackQuality().totalVideoFrames"
    frames_before = page.evaluate(delivered)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not coach.get_attribute("data-sets-done"):
        time.sleep(0.1)
    perf = page.evaluate(
        "(() => { const p = document.getElementById('coach').perf;"
        " return {frames: p.frames, latencies: p.latencies, cues: p.cueLatencies,"
        " pose: p.poseMs, trace: p.trace, reps: p.reps, mediaStart: p.mediaStart}; })()"
    )
    perf["camera_frames"] = page.evaluate(delivered) - frames_before
    perf["set_ended"] = bool(coach.get_attribute("data-sets-done"))
    browser.close()
    trace = perf["trace"]
    perf["fps"] = (len(trace) - 1) / (trace[-1][0] - trace[0][0]) if len(trace) > 1 else 0.0
    return perf


# Chromium's file-backed fake camera shows one frame twice each time it loops the file
# (measured: the phase of the counted reps moves on one frame a loop with a period of the
# clip's length; with one frame more it stays put over ten loops).
LOOP_EXTRA_FRAMES = 1


def live_accuracy(clip: Clip, media_start: float, trace: list, reps: list) -> dict:
    """The live reps against the hand count. The fake camera plays the clip in a loop from its
    first frame, so a frame's camera timestamp says which frame of the clip it is: the set's
    time t is frame (media_start + t) x fps of the looped clip. A hand-counted rep is seen
    whole when the page looked at a frame in the 0.3 s before its start, one 0.1 s or more
    after its end, and none more than 0.5 s apart in between (not, say, while the model was
    still warming up); each must be matched by one counted rep within 0.3 s. A counted rep
    overlapping a rep not seen whole (under way when the set began or still going when it
    ended) is left out; any other counted rep is an extra."""
    period = frame_count(clip) + LOOP_EXTRA_FRAMES
    seen = [(media_start + row[0]) * clip.fps for row in trace]
    loops = int(seen[-1] // period) + 1
    hand = [
        ((s * clip.fps + k * period) / clip.fps, (e * clip.fps + k * period) / clip.fps)
        for k in range(loops)
        for s, e in clip.rep_times
    ]

    def whole(rep: tuple[float, float]) -> bool:
        s, e = rep[0] * clip.fps, rep[1] * clip.fps
        near = [i for i in seen if s - 0.3 * clip.fps <= i <= e + 3 + 0.3 * clip.fps]
        gaps = [b - a for a, b in pairwise(near)]
        return (
            bool(near)
            and near[0] <= s
            and near[-1] >= e + 3
            and all(g <= 0.5 * clip.fps for g in gaps)
        )

    def overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
        return min(a[1], b[1]) - max(a[0], b[0])

    counted = [(media_start + s, media_start + e) for s, e in reps]
    kept, extra = [], 0
    for rep in counted:
        best = max(hand, key=lambda h: overlap(rep, h), default=None)
        if best is None or overlap(rep, best) <= 0:
            extra += 1
        elif whole(best):
            kept.append((rep, best))
    expected = [h for h in hand if whole(h)]
    offsets, pairs = [], []
    for h in expected:
        mine = [r for r, b in kept if b == h]
        offsets.append(
            round(max(abs(mine[0][0] - h[0]), abs(mine[0][1] - h[1])), 3) if mine else None
        )
        # start and end offsets (counted minus by hand, s)
        pairs.append([round(mine[0][0] - h[0], 3), round(mine[0][1] - h[1], 3)] if mine else None)
    ok = (
        extra == 0
        and len(kept) == len(expected)
        and all(o is not None and o <= 0.3 for o in offsets)
    )
    return {
        "counted": len(kept) + extra,
        "by_hand": len(expected),
        "extra": extra,
        "offsets_s": offsets,
        "start_end_offsets_s": pairs,
        "exact": ok,
    }


def from_file(p: object, server: str, clip_path: Path, exercise: str) -> list[list[float]]:
    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)  # type: ignore[attr-defined]
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    uid = log_in(page, server)
    page.goto(f"{server}/people/{uid}/program/coach/{exercise}")
    page.locator("details summary").first.click()
    page.set_input_files("[data-file]", str(clip_path))
    page.wait_for_selector("[data-summary]:not([hidden])", timeout=600_000)
    times = json.loads(page.locator("[data-set-rows] tr").first.get_attribute("data-rep-times"))
    browser.close()
    return times


def native_ms(clip: object) -> float:
    """Baseline in this process: the same lite BlazePose model run natively by kneechain's own
    LiteRT backend ("litert-lite", XNNPACK on the CPU) on the clip's frames; median ms a frame."""
    import cv2

    from bench.coach_clips import frames
    from kneechain.vision.backends import create_backend

    backend = create_backend("litert-lite")
    times = []
    for image in frames(clip):  # type: ignore[arg-type]
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)  # type: ignore[call-overload]
        start = time.perf_counter()
        backend.process(rgb)
        times.append((time.perf_counter() - start) * 1000)
    close = getattr(backend, "close", None)
    if close is not None:
        close()
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="longest live set")
    parser.add_argument(
        "--throttle", type=float, nargs="*", default=[1.0, 3.0],
        help="CPU slow-down factors for the live runs (1: as is; 3: about 10 fps here)",
    )  # fmt: skip
    parser.add_argument("--clips", nargs="*", default=None, help="clip names (default: all)")
    parser.add_argument(
        "--input-side", type=int, default=None,
        help="shorter side of the picture given to BlazePose (default: the page's, 256)",
    )  # fmt: skip
    parser.add_argument(
        "--smooth", action="store_true", help="BlazePose's landmark smoothing on (page: off)"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    clips = [c for c in CLIPS if args.clips is None or c.name in args.clips]
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
        " (shared with other work: figures are noisy)"
    )
    results: dict = {"cpus": os.cpu_count(), "load_before": load, "clips": {}}
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        server, uv, _ = serve(Path(tmp) / "data")
        with sync_playwright() as p:
            for clip in clips:
                y4m = write_y4m(clip, Path(tmp) / f"{clip.name}.y4m")
                baseline = native_ms(clip)
                entry: dict = {"exercise": clip.exercise_id, "native_pose_ms": baseline}
                results["clips"][clip.name] = entry
                print(f"\n{clip.name} ({clip.exercise_id}; {clip.reps} reps by hand a loop)")
                for rate in args.throttle:
                    perf = live(
                        p,
                        server,
                        y4m,
                        clip.exercise_id,
                        args.seconds,
                        rate,
                        args.input_side,
                        args.smooth,
                    )
                    lat, cues, pose = perf["latencies"], perf["cues"], perf["pose"]
                    acc = live_accuracy(clip, perf["mediaStart"], perf["trace"], perf["reps"])
                    run = {
                        "fps": perf["fps"],
                        "frames": perf["frames"],
                        "pose_ms_median": statistics.median(pose),
                        "frame_to_screen_ms": [statistics.median(lat), pct(lat, 0.95)],
                        "frame_to_cue_ms": [statistics.median(cues), max(cues)] if cues else None,
                        "set_ended_at_dose": perf["set_ended"],
                        **acc,
                    }
                    entry[f"live_x{rate:g}"] = run
                    ok &= acc["exact"]
                    slow = f", CPU slowed {rate:g}x" if rate > 1 else ""
                    print(f"  live, fake camera{slow}: {perf['fps']:.1f} frames a second"
                          + ("   (target >= 15)" if rate == 1 else ""))  # fmt: skip
                    print(
                        f"    pose per frame: median {run['pose_ms_median']:.0f} ms in the page;"
                        f" native (LiteRT, same model, same run) {baseline:.0f} ms:"
                        f" {run['pose_ms_median'] / baseline:.1f}x"
                    )
                    print(
                        f"    frame to screen: median {statistics.median(lat):.0f} ms, "
                        f"p95 {pct(lat, 0.95):.0f} ms over {len(lat)} frames"
                    )
                    if cues:
                        print(
                            f"    frame to cue: median {statistics.median(cues):.0f} ms, max"
                            f" {max(cues):.0f} ms over {len(cues)} cues   (target <= 150 ms)"
                        )
                    worst = max((o for o in acc["offsets_s"] if o is not None), default=0.0)
                    print(
                        f"    reps counted live: {acc['counted']} of {acc['by_hand']} seen whole"
                        f" ({'set ended at its dose' if perf['set_ended'] else 'time up'});"
                        f" starts and ends off by at most {worst:.2f} s"
                        f" -> {'exact' if acc['exact'] else 'MISSED'}"
                    )
                webm = write_webm(clip, Path(tmp) / f"{clip.name}.webm")
                times = from_file(p, server, webm, clip.exercise_id)
                offsets = []
                print(f"  video file: {len(times)} reps counted, {clip.reps} by hand")
                for got, hand in zip(times, clip.rep_times, strict=False):
                    d = max(abs(got[0] - hand[0]), abs(got[1] - hand[1]))
                    offsets.append(d)
                    print(
                        f"    rep {got[0]:.2f}-{got[1]:.2f} s, by hand {hand[0]:.2f}-{hand[1]:.2f}"
                        f" s, off by at most {d:.2f} s (target 0.3)"
                    )
                exact = len(times) == clip.reps and all(d <= 0.3 for d in offsets)
                entry["file"] = {"counted": len(times), "by_hand": clip.reps,
                                 "offsets_s": offsets, "exact": exact}  # fmt: skip
                ok &= exact
        uv.should_exit = True  # type: ignore[attr-defined]
    results["load_after"] = os.getloadavg()
    results["all_exact"] = ok
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\naccuracy: {'every clip exact, every rep within 0.3 s' if ok else 'MISSED'}")
    print(f"results: {RESULTS}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
