"""Demo records for the web app (`make demo`, the browser tests and the screenshots): a clinician
and two clients, each with a first check-up from the packaged examples, a program, a re-test and
a few weeks of logged sessions. Every name says "demo"; nothing here is shown as a real person.

Everything is stored through the service layer, as a person using the app would store it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kneechain.assess.case import Case
from kneechain.services import accounts, assessment, checkups, clips, routine, tracking, video
from kneechain.services.context import ServiceContext
from kneechain.track.logbook import SessionEntry

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DEMO_PASSWORD = "demo-password-1"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    name: str
    role: str


def _case(name: str, on: date, changes: dict[tuple[str, str | None], float] | None = None) -> Case:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    data["assessed_on"] = on.isoformat()
    for item in data.get("measurements", []):
        key = (item["measure"], item.get("side"))
        if changes and key in changes:
            item["value"] = changes[key]
    return Case.model_validate(data)


def _account(ctx: ServiceContext, email: str, name: str, role: str) -> DemoLogin:
    accounts.sign_up(ctx, {"email": email, "password": DEMO_PASSWORD, "name": name, "role": role})
    return DemoLogin(email, DEMO_PASSWORD, name, role)


def _log_weeks(
    ctx: ServiceContext, name: str, start: date, until: date, pains: list[int], skip: set[int]
) -> None:
    """Sessions on the planned days from `start` to `until` (days in `skip` missed), with the
    pain after each session taken in turn from `pains`."""
    day, count = start, 0
    while day <= until:
        plan = routine.routine(ctx, name, day)
        if plan.exercises and (day - start).days not in skip:
            pain = pains[min(count, len(pains) - 1)]
            done = [{"exercise_id": e.main.exercise_id, "sets_done": 1} for e in plan.exercises]
            if count % 4 == 1 and plan.exercises[-1].easier is not None:
                last = plan.exercises[-1]
                done[-1]["regression_id"] = last.easier.exercise_id if last.easier else None
            entry = SessionEntry.model_validate(
                {
                    "performed_on": day.isoformat(),
                    "exercises": done,
                    "pain_before": min(pain + 1, 10),
                    "pain_after": pain,
                }
            )
            tracking.log(ctx, name, entry)
            count += 1
        day += timedelta(days=1)


def _walking_checkup(ctx: ServiceContext, name: str, clip: Path, on: date) -> None:
    """A check-up whose gait values come from a real clip analysed as a job, with its proof
    pictures, as if the person had filmed their walk in the wizard."""
    analysis = video.analyse_clip(
        ctx, video.ClipAnalysisRequest(video=clip, test_id="gait", clip=False, label=clip.name)
    )
    answer = clips.clip_answer(ctx, "gait", clip.name, analysis)
    base = _case("runner_right_valgus_pelvic_drop.json", on)
    filmed = {(m.measure, m.side) for m in answer.measurements}
    kept = [m for m in base.measurements if (m.measure, m.side) not in filmed]
    case = base.model_copy(update={"measurements": kept + list(answer.measurements)})
    recorded = assessment.record(ctx, name, case, with_program=False)
    checkups.store_clips(ctx, name, recorded.uid, [answer], on)


def demo_clip(folder: Path) -> Path | None:
    """A short real clip for the demo: the walker of the project's sample video (pinned and
    hash-checked by vision.sample_data), cut to her five seconds of walking; None without it."""
    from kneechain.assess.protocols.walker_clip import cut_walker
    from kneechain.vision.sample_data import demo_video

    source = demo_video()
    if source is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    return cut_walker(source, folder / "walking-side-view.mp4")


def seed_demo(
    ctx: ServiceContext, today: date | None = None, clip: Path | None = None
) -> list[DemoLogin]:
    """Store the demo clinician and clients (with `clip` analysed for Robin when given);
    returns their logins."""
    today = today or date.today()
    logins = [
        _account(ctx, "clinician@demo.kneechain", "Dr Demo (demo clinician)", "clinician"),
        _account(ctx, "sam@demo.kneechain", "Sam (demo)", "person"),
        _account(ctx, "robin@demo.kneechain", "Robin (demo)", "person"),
    ]
    for login in logins[1:]:
        signed = accounts.log_in(ctx, login.email, login.password, "demo-seed")
        accounts.link_clinician(ctx, signed.viewer, logins[0].email)
        accounts.log_out(ctx, signed.token)

    sam, robin = logins[1].name, logins[2].name
    start = today - timedelta(days=35)
    first = assessment.record(ctx, sam, _case("desk_worker_bilateral_ir_deficit.json", start))
    _log_weeks(ctx, sam, first.program_start or start, today - timedelta(days=1),
               [5, 5, 4, 4, 4, 3, 3, 3, 2, 2, 2, 2, 1], skip={3, 10, 11, 19, 26})  # fmt: skip
    retest = {("hip_ir_supine", "left"): 27.0, ("hip_ir_supine", "right"): 29.0}
    assessment.record(
        ctx,
        sam,
        _case("desk_worker_bilateral_ir_deficit.json", today - timedelta(days=3), retest),
        with_program=False,
    )
    tracking.scores(ctx, sam, today - timedelta(days=3), {"nprs": 2})

    start = today - timedelta(days=24)
    first = assessment.record(ctx, robin, _case("runner_right_valgus_pelvic_drop.json", start))
    _log_weeks(ctx, robin, first.program_start or start, today - timedelta(days=9),
               [3, 3, 4, 4, 5, 5, 6], skip={2, 5})  # fmt: skip
    tracking.scores(ctx, robin, today - timedelta(days=9), {"nprs": 6})
    if clip is not None:
        _walking_checkup(ctx, robin, clip, today - timedelta(days=8))
    return logins


def serve_demo(
    folder: Path, host: str = "127.0.0.1", port: int = 8000, check: bool = False
) -> None:
    """`make demo`: fresh demo records in `folder` (a real clip analysed when the sample video
    is available), the address and logins printed, then the app served until Ctrl-C. With
    `check`, the server is started, asked for its log-in page once, and stopped."""
    import shutil
    import threading
    import time
    import urllib.request

    import uvicorn

    from kneechain.settings import Settings
    from kneechain.web.app import create_app

    if folder.exists():
        shutil.rmtree(folder)
    ctx = ServiceContext.open(Settings(data_dir=folder / "data", database_url=None))
    try:
        print("Seeding the demo records (a clip is analysed: about a minute)...", flush=True)
        logins = seed_demo(ctx, clip=demo_clip(folder / "clips"))
        address = f"http://{host}:{port}"
        print(f"\nkneechain web demo on {address}  (data in {folder}; Ctrl-C stops it)")
        for login in logins:
            print(f"  {login.role:<10} {login.email:<28} password: {login.password}")
        server = uvicorn.Server(
            uvicorn.Config(create_app(ctx), host=host, port=port, log_level="warning")
        )
        if not check:
            server.run()
            return
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        with urllib.request.urlopen(f"{address}/login", timeout=10) as response:
            print(f"checked: {address}/login answers {response.status}")
        server.should_exit = True
        thread.join(timeout=30)
    finally:
        ctx.close()
