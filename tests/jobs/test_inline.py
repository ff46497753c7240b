"""The in-process runner (jobs/inline.py): the job is keyed, stored and recorded as on the
local pool, but analysed in the waiting process; same result as a job worker's, nothing
left behind after the command, and a Ctrl-C leaves no half-written result and no child."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kneechain.jobs import store as jobs_db
from kneechain.jobs.inline import InProcessBackend, _DeferredInterrupt
from kneechain.jobs.models import ClipRequest, JobStatus
from kneechain.jobs.runner import JobRunner
from kneechain.jobs.work import ClipOutput, JobDomain, Report, Reported, Worker
from kneechain.services import video as service
from kneechain.services.context import ServiceContext
from kneechain.settings import Settings
from kneechain.track.db import Store
from tests.jobs.test_isolation import children

ROOT = Path(__file__).resolve().parents[2]


def printed(analysis: service.ClipAnalysis) -> str:
    """What `analyze --format json` prints, with the evidence named by file name."""
    data = analysis.result.model_dump(mode="json")
    data["pose_warnings"] = analysis.pose_warnings
    data["evidence_files"] = [f.name for f in analysis.evidence_files]
    return json.dumps(data, indent=2)


def both_ways(
    request: service.ClipAnalysisRequest, tmp_path: Path
) -> tuple[service.ClipAnalysis, service.ClipAnalysis]:
    """The request analysed in this process (the default) and in a job worker, each with its
    own data folder and database (so neither reuses the other's result)."""
    with ServiceContext.open(Settings(data_dir=tmp_path / "here")) as ctx:
        here = service.analyse_clip(ctx, request)
    with (
        ServiceContext.open(Settings(data_dir=tmp_path / "worker")) as ctx,
        service.local_runner(ctx) as runner,
    ):
        there = service.analyse_clip(ctx, request, runner=runner)
    return here, there


def test_in_process_and_worker_give_the_same_result(squat_file: Path, tmp_path: Path) -> None:
    request = service.ClipAnalysisRequest(video=squat_file, test_id="double_leg_squat")
    here, there = both_ways(request, tmp_path)
    assert not here.reused and not there.reused
    assert printed(here) == printed(there)
    assert here.job_key == there.job_key  # where it ran is not part of the key
    assert (here.frames, here.fps, here.versions) == (there.frames, there.fps, there.versions)


def test_a_cached_result_answers_without_analysing(
    settings: Settings, squat_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = service.ClipAnalysisRequest(video=squat_file, test_id="double_leg_squat")
    with ServiceContext.open(settings) as ctx:
        first = service.analyse_clip(ctx, request)

        def no_worker(*args: object, **kwargs: object) -> Worker:
            raise AssertionError("a cached job must not set up a worker")

        monkeypatch.setattr("kneechain.jobs.inline._caller_worker", no_worker)
        again = service.analyse_clip(ctx, request)
    assert again.reused and again.job_id == first.job_id and printed(again) == printed(first)


class InterruptedWorker(Worker):
    """Reports progress, then is interrupted as by Ctrl-C; notes that it was closed."""

    closed = 0

    def analyse(
        self,
        request: ClipRequest,
        video: Path,
        domain: JobDomain,
        report: Report | None = None,
        reported: Reported | None = None,
    ) -> ClipOutput:
        if report is not None:
            report("pose", 1, 10)
        raise KeyboardInterrupt

    def close(self) -> None:
        InterruptedWorker.closed += 1
        super().close()


def test_an_interrupted_job_leaves_no_result_and_runs_again(
    store: Store, settings: Settings, squat_file: Path
) -> None:
    request = ClipRequest(video=squat_file, test_id="double_leg_squat")
    backend = InProcessBackend(1, factory=lambda n: InterruptedWorker(n, dedicated=False))
    runner = JobRunner(store, backend, data_dir=settings.data_dir)
    try:
        job = runner.submit(request)
        with pytest.raises(KeyboardInterrupt):
            runner.wait([job.id])
        assert InterruptedWorker.closed == 1  # vision closed at once, before the caller's close
    finally:
        runner.close()
    stopped = jobs_db.get(store, job.id)
    assert stopped.status is JobStatus.failed and stopped.result is None
    assert stopped.error is not None and stopped.error.code == "job.interrupted"
    assert not (settings.data_dir / "jobs").exists()  # no result folder, not even half of one
    with JobRunner(store, InProcessBackend(1), data_dir=settings.data_dir) as again:
        [done] = again.run([request])
    assert done.id == job.id and done.status is JobStatus.done and done.result is not None


@pytest.fixture(scope="module")
def walker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kneechain.assess.protocols.walker_clip import cut_walker
    from kneechain.vision import sample_data

    demo = sample_data.demo_video()
    if demo is None:
        pytest.skip(f"real demo video unavailable: {sample_data.last_failure()}")
    return cut_walker(demo, tmp_path_factory.mktemp("clip") / "walker.mp4")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_a_real_clip_in_process_matches_the_worker_and_leaves_no_child(
    walker: Path, tmp_path: Path
) -> None:
    from multiprocessing import resource_tracker

    from kneechain.assess.protocols.walker_clip import WALKER_BOX

    resource_tracker.ensure_running()  # Python's own, kept for the interpreter's life
    before = children()
    request = service.ClipAnalysisRequest(
        video=walker, test_id="gait", person=WALKER_BOX, clip=False
    )
    here, there = both_ways(request, tmp_path)
    assert children() == before
    assert here.result.measurements and printed(here) == printed(there)
    assert [f.read_bytes() for f in here.evidence_files] == [
        f.read_bytes() for f in there.evidence_files
    ]


def _group(pgid: int) -> list[int]:
    """Live processes of process group `pgid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _ctrl_c_as_in_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_ctrl_c_in_analyze_leaves_no_result_and_no_process(walker: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = dict(os.environ, KNEECHAIN_DATA_DIR=str(data))
    env.pop("KNEECHAIN_DATABASE_URL", None)
    command = [sys.executable, "-m", "kneechain", "analyze", str(walker), "--test", "gait"]
    command += ["--format", "json", "--out", str(tmp_path / "evidence")]
    typed = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own group: the Ctrl-C below reaches it, not pytest
        # Ctrl-C as a terminal delivers it: a suite started in the background (`make test &`)
        # runs with SIGINT ignored, which the child would inherit and never see the Ctrl-C
        preexec_fn=_ctrl_c_as_in_a_terminal,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(_group(typed.pid)) < 3 and typed.poll() is None:  # posing: helper started
            assert time.monotonic() < deadline, "the analysis never started its helper"
            time.sleep(0.05)
        os.killpg(typed.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        out, err = typed.communicate(timeout=60)
    finally:
        if typed.poll() is None:
            os.killpg(typed.pid, signal.SIGKILL)
            typed.wait()
    assert typed.returncode == 130 and out == "", err
    assert "Traceback" not in err and "Stopped." in err, err
    deadline = time.monotonic() + 5
    while _group(typed.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _group(typed.pid) == []  # no helper, no tracker left
    assert not (tmp_path / "evidence").exists() and not (data / "jobs").exists()
    with ServiceContext.open(Settings(data_dir=data)) as ctx:
        [job] = jobs_db.recent(ctx.store)
    assert job.status is JobStatus.failed and job.result is None
    assert job.error is not None and job.error.code == "job.interrupted"


@pytest.mark.slow
def test_the_report_comes_before_the_annotated_clip(walker: Path, tmp_path: Path) -> None:
    from kneechain.assess.protocols.walker_clip import WALKER_BOX

    evidence = tmp_path / "evidence"
    request = service.ClipAnalysisRequest(
        video=walker, test_id="gait", person=WALKER_BOX, evidence_dir=evidence
    )
    early: list[tuple[str, list[Path]]] = []

    def on_report(analysis: service.ClipAnalysis) -> None:
        pictures = [f for f in analysis.evidence_files if f.suffix == ".png"]
        assert pictures and all(f.is_file() for f in pictures)  # written before it is shown
        early.append((printed(analysis), list(analysis.evidence_files)))

    with ServiceContext.open(Settings(data_dir=tmp_path / "data")) as ctx:
        final = service.analyse_clip(ctx, request, on_report=on_report)
        again = service.analyse_clip(ctx, request, on_report=on_report)
    [(shown, files)] = early  # once, and not for the reused result
    assert again.reused and shown == printed(final) and files == final.evidence_files
    assert files[-1] == evidence / "annotated.webm" and files[-1].stat().st_size > 0
    assert files[0].name == "followed.png"


def test_a_ctrl_c_the_kernel_holds_is_not_lost() -> None:
    """Every thread may block SIGINT while the analysis runs (its helpers must not see the
    terminal's Ctrl-C); the Ctrl-C then waits in the kernel, and the next check must still
    stop the analysis instead of letting it finish as if nobody had asked."""
    main = threading.main_thread().ident
    assert main is not None
    # as in a terminal: Python's own Ctrl-C handler, SIGINT not blocked (earlier tests in this
    # process, e.g. the terminal's, may have left either otherwise)
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        with pytest.raises(KeyboardInterrupt), _DeferredInterrupt() as interrupt:
            assert interrupt._held  # SIGINT blocked here, so it cannot be delivered
            signal.pthread_kill(main, signal.SIGINT)
            assert not interrupt.asked  # held by the kernel, not seen by the handler
            interrupt.check()
        assert signal.SIGINT not in signal.sigpending()  # delivered at the exit, ended there
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
