"""Camera coach benchmark: frame-to-cue latency and frames per second of the coaching page in
Debian's headless Chromium, with the fake camera fed a real clip (bench/coach_clips.py), and
rep counting accuracy against the clip's hand count (played as a video file, frame-exact).

    .venv/bin/python bench/coach_latency.py [--seconds 30] [--model 0|1|2]

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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.coach_clips import CLIPS, write_webm, write_y4m

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "a long enough password"


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


def live(p: object, server: str, clip_path: Path, exercise: str, seconds: float) -> dict:
    fake = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={clip_path}"]  # fmt: skip
    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS + fake)  # type: ignore[attr-defined]
    page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    uid = log_in(page, server)
    page.goto(f"{server}/people/{uid}/program/coach/{exercise}")
    page.click("[data-start]")
    while not page.locator("#coach").get_attribute("data-frames"):
        time.sleep(0.1)  # the model is loaded and the first frame seen
    delivered = "document.querySelector('video').getVideoPlaybackQuality().totalVideoFrames"
    reps_before = int(page.locator("#coach").get_attribute("data-reps") or 0)
    frames_before = page.evaluate(delivered)
    time.sleep(seconds)
    perf = page.evaluate(
        "(() => { const p = document.getElementById('coach').perf;"
        " return {frames: p.frames, first: p.first, now: performance.now(),"
        " latencies: p.latencies, cues: p.cueLatencies, pose: p.poseMs}; })()"
    )
    reps = int(page.locator("#coach").get_attribute("data-reps") or 0) - reps_before
    # frames the fake camera really delivered: a starved capture thread plays the clip slower
    perf["camera_frames"] = page.evaluate(delivered) - frames_before
    browser.close()
    perf["fps"] = perf["frames"] / ((perf["now"] - perf["first"]) / 1000)
    perf["reps"] = reps
    return perf


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
    parser.add_argument("--seconds", type=float, default=30.0, help="live run length")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"machine: {os.cpu_count()} CPUs, shared with other agents (figures are noisy)")
    with tempfile.TemporaryDirectory() as tmp:
        server, uv, _ = serve(Path(tmp) / "data")
        ok = True
        with sync_playwright() as p:
            for clip in CLIPS:
                y4m = write_y4m(clip, Path(tmp) / f"{clip.name}.y4m")
                baseline = native_ms(clip)
                perf = live(p, server, y4m, clip.exercise_id, args.seconds)
                lat, cues, pose = perf["latencies"], perf["cues"], perf["pose"]
                print(f"\n{clip.name} (fake camera, {args.seconds:.0f} s, lite model)")
                print(f"  frames a second: {perf['fps']:.1f}   (target >= 15)")
                browser_ms = statistics.median(pose)
                print(
                    f"  pose per frame: median {browser_ms:.0f} ms in the page; native"
                    f" (LiteRT, same model, same run) {baseline:.0f} ms:"
                    f" {browser_ms / baseline:.1f}x"
                )
                print(
                    f"  frame to screen: median {statistics.median(lat):.0f} ms, "
                    f"p95 {pct(lat, 0.95):.0f} ms over {len(lat)} frames"
                )
                if cues:
                    print(
                        f"  frame to cue: median {statistics.median(cues):.0f} ms, "
                        f"max {max(cues):.0f} ms over {len(cues)} cues   (target <= 150 ms)"
                    )
                loops = perf["camera_frames"] / (clip.last - clip.first + 1)
                print(
                    f"  reps counted live: {perf['reps']}; the camera delivered"
                    f" {perf['camera_frames']} frames = {loops:.1f} loops of the clip, holding"
                    f" about {loops * clip.reps:.1f} reps by hand"
                )
                webm = write_webm(clip, Path(tmp) / f"{clip.name}.webm")
                times = from_file(p, server, webm, clip.exercise_id)
                print(f"  video file: {len(times)} reps counted, {clip.reps} by hand")
                for got, hand in zip(times, clip.rep_times, strict=False):
                    d = max(abs(got[0] - hand[0]), abs(got[1] - hand[1]))
                    print(
                        f"    rep {got[0]:.2f}-{got[1]:.2f} s, by hand {hand[0]:.2f}-{hand[1]:.2f}"
                        f" s, off by at most {d:.2f} s (target 0.3)"
                    )
                    ok &= d <= 0.3
                ok &= len(times) == clip.reps
        uv.should_exit = True  # type: ignore[attr-defined]
    print("\naccuracy:", "every clip exact, every rep within 0.3 s" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
