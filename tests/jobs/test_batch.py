"""Batch analysis: a corrupt clip among good ones, interruption and resume, the table."""

from __future__ import annotations

import csv
import shutil
from functools import partial
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kneechain.cli import app
from kneechain.errors import KneechainError
from kneechain.jobs.batch import read_input, run_batch
from kneechain.jobs.local import LocalBackend
from kneechain.jobs.models import JobEvent, JobStatus
from kneechain.jobs.runner import JobRunner
from kneechain.settings import Settings
from kneechain.track.db import Store
from tests.jobs.conftest import squat_npz
from tests.jobs.workers import log_lines, make_first_free_worker, make_logging_worker


@pytest.fixture()
def clips(tmp_path: Path) -> Path:
    """Three good constructed squats (different depths) and one corrupt clip."""
    folder = tmp_path / "clips"
    for name, depth in (("a.npz", 90.0), ("b.npz", 70.0), ("d.npz", 80.0)):
        squat_npz(folder, name, depth)
    (folder / "c.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 then nothing")
    (folder / "notes.txt").write_text("not a clip", encoding="utf-8")
    return folder


def runner_for(store: Store, settings: Settings, log: Path) -> JobRunner:
    backend = LocalBackend(1, 1, factory=partial(make_logging_worker, log, None))
    return JobRunner(store, backend, data_dir=settings.data_dir)


def read_table(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_a_corrupt_clip_is_one_failed_row_and_the_rest_is_measured(
    store: Store, settings: Settings, clips: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with runner_for(store, settings, tmp_path / "log.txt") as runner:
        summary = run_batch(runner, read_input(clips, "double_leg_squat"), out)
    assert (summary.clips, summary.done, summary.failed) == (4, 3, 1)
    assert summary.failures[0][0] == "c.mp4" and "can be read" in summary.failures[0][1]
    rows = read_table(out / "results.csv")
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["clip"].endswith("c.mp4") and failed[0]["error"]
    depth = {Path(r["clip"]).name: float(r["value"]) for r in rows if r["measure"] == "squat_depth"}
    assert depth == {"a.npz": 90.0, "b.npz": 70.0, "d.npz": 80.0}
    done = [r for r in rows if r["status"] == "done"]
    assert all(r["unit"] and r["quality"] and r["video_sha256"] and r["frames"] for r in done)
    assert all(r["engine_version"] and r["knowledge_version"] for r in done)
    parquet = pq.read_table(out / "results.parquet").to_pylist()
    assert len(parquet) == len(rows) and parquet[0]["value"] == float(rows[0]["value"])


def test_an_interrupted_batch_resumes_without_redoing_finished_clips(
    store: Store, settings: Settings, clips: Path, tmp_path: Path
) -> None:
    out, log = tmp_path / "out", tmp_path / "log.txt"
    gate, first = tmp_path / "gate", tmp_path / "first"
    rows = read_input(clips, "double_leg_squat")

    def interrupt_after_first(event: JobEvent) -> None:
        if event.status is JobStatus.done:
            raise KeyboardInterrupt  # what Ctrl-C does in the calling thread

    # the first clip runs; the others wait until the gate opens (never, in this run), so the
    # interrupt always finds exactly one finished, however fast or busy the machine is
    held = LocalBackend(1, 1, factory=partial(make_first_free_worker, log, gate, first))
    with (
        pytest.raises(KeyboardInterrupt),
        JobRunner(store, held, data_dir=settings.data_dir) as runner,
    ):
        run_batch(runner, rows, out, on_event=interrupt_after_first)
    partial_table = read_table(out / "results.csv")
    assert {r["status"] for r in partial_table} >= {"done"}
    finished_first = len(log_lines(log, "done"))
    assert finished_first == 1
    gate.touch()
    with runner_for(store, settings, log) as runner:
        summary = run_batch(runner, rows, out)
    assert (summary.done, summary.failed, summary.not_finished) == (3, 1, 0)
    assert summary.reused >= finished_first
    analysed = [line.split()[-1] for line in log_lines(log, "done")]
    assert sorted(analysed) == ["a.npz", "b.npz", "d.npz"]  # each clip once, over both runs
    table = read_table(out / "results.csv")
    assert {Path(r["clip"]).name for r in table} == {"a.npz", "b.npz", "c.mp4", "d.npz"}
    assert all(r["status"] in {"done", "failed"} for r in table)


def test_a_csv_names_each_clip_test_side_and_person(tmp_path: Path, clips: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text(
        "path,test,side,person_box,person_label\n"
        f"{clips / 'a.npz'},double_leg_squat,left,,Ann\n"
        'clips/b.npz,,right,"10,20,30,40",Bob\n',
        encoding="utf-8",
    )
    rows = read_input(listing, "single_leg_squat")
    assert [(r.path, r.test, r.side, r.person_box, r.person_label) for r in rows] == [
        (clips / "a.npz", "double_leg_squat", "left", None, "Ann"),
        (tmp_path / "clips" / "b.npz", "single_leg_squat", "right", (10, 20, 30, 40), "Bob"),
    ]


def test_a_bad_csv_names_every_problem(tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text("path,side,person_box\na.mp4,up,\nb.mp4,left,1;2\n", encoding="utf-8")
    with pytest.raises(KneechainError) as err:
        read_input(listing, "gait")
    assert any("line 2" in p and "side" in p for p in err.value.problems)
    assert any("line 3" in p and "person_box" in p for p in err.value.problems)
    with pytest.raises(KneechainError, match="needs the test"):
        read_input(tmp_path, None)


def test_batch_command_end_to_end(clips: Path, tmp_path: Path, settings: Settings) -> None:
    shutil.rmtree(clips / "notes.txt", ignore_errors=True)
    out = tmp_path / "cli-out"
    args = ["batch", str(clips), "--test", "double_leg_squat", "--out", str(out)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "failed" in result.output and "c.mp4" in result.output
    assert (out / "results.csv").is_file() and (out / "results.parquet").is_file()
    again = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert again.exit_code == 0 and "3 from earlier runs" in again.output
