"""Batch analysis: many clips through one job runner, one results table, resumable.

    rows = read_input(Path("clips/"), test_id="gait")          # or a CSV, see below
    with open_runner(settings) as runner:
        summary = run_batch(runner, rows, Path("results/"), on_event=print)

INPUT is a folder of clips (every video and trajectories file in it, sorted by name), or a
CSV file with a header and the columns `path,test,side,person_box,person_label` (only `path`
is required; `test` falls back to the batch's test; relative paths are read from the CSV's
folder; `person_box` is "x,y,w,h" in pixels).

Every clip is one job, so a clip that was analysed before (same content, test, options and
versions) is not analysed again: rerunning an interrupted batch redoes only what was not
finished. A clip that cannot be analysed is one failed row of the table, never the end of
the batch. The table has one row per clip and measurement (a clip without measurements has
one row) and is written as CSV and Parquet, complete each time the batch ends, and with the
clips finished so far when it is interrupted. Each clip's evidence is copied to
OUT/evidence/<clip>/.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kneechain.errors import ErrorBody, ErrorKind, KneechainError, validation_problems
from kneechain.jobs.models import Box, ClipRequest, JobEvent, JobStatus, JobView
from kneechain.jobs.runner import JobRunner

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".npz"})
CSV_COLUMNS = ("path", "test", "side", "person_box", "person_label")

TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("clip", "string"),
    ("label", "string"),
    ("test_id", "string"),
    ("status", "string"),
    ("error_code", "string"),
    ("error", "string"),
    ("measure", "string"),
    ("side", "string"),
    ("value", "float"),
    ("unit", "string"),
    ("quality", "float"),
    ("uncertainty", "float"),
    ("repetitions", "int"),
    ("frames", "int"),
    ("fps", "float"),
    ("view", "string"),
    ("video_sha256", "string"),
    ("job_id", "string"),
    ("attempts", "int"),
    ("evidence", "string"),
    ("kneechain_version", "string"),
    ("engine_version", "string"),
    ("knowledge_version", "string"),
    ("pose_version", "string"),
)


class BatchRow(BaseModel):
    """One clip of a batch."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: Path
    test: str = Field(min_length=1)
    side: Literal["left", "right"] | None = None
    person_box: Box | None = None
    person_label: str | None = None

    def request(self, evidence: bool, clip: bool) -> ClipRequest:
        return ClipRequest(
            video=self.path,
            test_id=self.test,
            side=self.side,
            person=self.person_box,
            evidence=evidence,
            clip=clip,
            label=self.person_label or self.path.name,
        )


class ClipOutcome(BaseModel):
    """What became of one clip."""

    row: BatchRow
    job: JobView | None = None
    error: ErrorBody | None = None
    cached: bool = False

    @property
    def status(self) -> str:
        """done, failed, or not finished (the batch was stopped before it was)."""
        if self.job is not None:
            return self.job.status.value if self.job.status.finished else "not finished"
        return "failed" if self.error is not None else "not finished"


class BatchSummary(BaseModel):
    """The batch as a whole: counts, the failures by file, and the files written."""

    clips: int
    done: int
    failed: int
    not_finished: int
    reused: int = Field(description="clips whose earlier result was reused (not recomputed)")
    failures: list[tuple[str, str]] = Field(description="(clip, message) of each failed clip")
    table_csv: Path
    table_parquet: Path
    evidence_dir: Path


def _parse_box(text: str) -> Box | None:
    text = text.strip()
    if not text:
        return None
    try:
        x, y, w, h = (int(float(v)) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise ValueError(f"person_box {text!r} is not four numbers x,y,w,h") from None
    if w <= 0 or h <= 0 or x < 0 or y < 0:
        raise ValueError(f"person_box {text!r}: x and y must be >= 0, w and h > 0")
    return x, y, w, h


def read_input(source: Path, test_id: str | None = None) -> list[BatchRow]:
    """The clips of a folder (each measured for `test_id`) or of a CSV file."""
    if source.is_dir():
        if not test_id:
            raise KneechainError(
                "batch.no_test",
                "A folder of clips needs the test to measure.",
                hint="Name the test (e.g. gait), or give a CSV with a test column.",
                field="test",
            )
        clips = sorted(
            p for p in source.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES
        )
        if not clips:
            raise KneechainError(
                "batch.empty",
                f"{source} holds no video or trajectories file.",
                hint=f"Clips end in one of: {', '.join(sorted(VIDEO_SUFFIXES))}.",
                field="input",
            )
        return [BatchRow(path=p, test=test_id) for p in clips]
    if source.is_file() and source.suffix.lower() == ".csv":
        return _read_csv(source, test_id)
    raise KneechainError(
        "batch.input_not_found",
        f"{source} is neither a folder of clips nor a CSV file.",
        hint="Give a folder, or a .csv with the columns " + ", ".join(CSV_COLUMNS) + ".",
        field="input",
        kind=ErrorKind.not_found if not source.exists() else ErrorKind.invalid_input,
    )


def _read_csv(source: Path, test_id: str | None) -> list[BatchRow]:
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise KneechainError(
            "batch.csv_unreadable", f"{source.name} cannot be read as UTF-8 text: {exc}"
        ) from exc
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = sorted(set(header) - set(CSV_COLUMNS))
    if "path" not in header or unknown:
        raise KneechainError(
            "batch.csv_header",
            f"{source.name} needs a header row with a path column.",
            problems=[f"unknown column {c!r}" for c in unknown],
            hint="Columns: " + ", ".join(CSV_COLUMNS) + " (only path is required).",
            field="input",
        )
    rows, problems = [], []
    for number, raw in enumerate(reader, start=2):
        item = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(item.values()):
            continue
        try:
            path = Path(item["path"])
            rows.append(
                BatchRow(
                    path=path if path.is_absolute() else source.parent / path,
                    test=item.get("test") or test_id or "",
                    side=item.get("side") or None,  # type: ignore[arg-type]
                    person_box=_parse_box(item.get("person_box", "")),
                    person_label=item.get("person_label") or None,
                )
            )
        except ValidationError as exc:
            problems += [f"line {number}: {p}" for p in validation_problems(exc, BatchRow)]
        except ValueError as exc:
            problems.append(f"line {number}: {exc}")
    if problems:
        raise KneechainError(
            "batch.csv_invalid",
            f"{source.name} has rows that cannot be used.",
            problems=problems,
            hint="A missing test means: give the batch's test, or fill the test column.",
            field="input",
        )
    if not rows:
        raise KneechainError("batch.empty", f"{source.name} lists no clip.", field="input")
    return rows


def run_batch(
    runner: JobRunner,
    rows: Iterable[BatchRow],
    out: Path,
    *,
    evidence: bool = True,
    clip: bool = False,
    on_event: Callable[[JobEvent], None] | None = None,
    on_submitted: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Submit every clip, wait for all, write the table and copy the evidence. On
    KeyboardInterrupt the table of the clips finished so far is written, then it goes on."""
    out.mkdir(parents=True, exist_ok=True)
    outcomes: list[ClipOutcome] = []
    for row in rows:
        try:
            job = runner.submit(row.request(evidence, clip))
        except KneechainError as err:
            outcomes.append(ClipOutcome(row=row, error=err.body()))
        else:
            outcomes.append(ClipOutcome(row=row, job=job, cached=job.status.finished))
    if on_submitted:
        on_submitted(len(outcomes))
    ids = [o.job.id for o in outcomes if o.job is not None]
    try:
        runner.wait(ids, on_event)
    finally:
        outcomes = [_refresh(runner, o) for o in outcomes]
        summary = write_results(runner, outcomes, out)
    return summary


def _refresh(runner: JobRunner, outcome: ClipOutcome) -> ClipOutcome:
    if outcome.job is None:
        return outcome
    return outcome.model_copy(update={"job": runner.status(outcome.job.id)})


def _evidence_folder(out: Path, outcome: ClipOutcome, taken: set[str]) -> str:
    """OUT/evidence/<clip name>, made unique within the batch."""
    base = outcome.row.path.stem or "clip"
    if outcome.row.person_label:
        base = f"{base}-{outcome.row.person_label}"
    name, n = f"{base}-{outcome.row.test}", 2
    while name in taken:
        name, n = f"{base}-{outcome.row.test}-{n}", n + 1
    taken.add(name)
    return name


def write_results(runner: JobRunner, outcomes: list[ClipOutcome], out: Path) -> BatchSummary:
    """The results table (CSV and Parquet) and each clip's evidence, written anew."""
    evidence_root = out / "evidence"
    table: list[dict[str, Any]] = []
    taken: set[str] = set()
    for outcome in outcomes:
        folder = None
        job = outcome.job
        if job is not None and job.status is JobStatus.done:
            source = runner.result_folder(job)
            if source is not None and source.is_dir():
                folder = evidence_root / _evidence_folder(out, outcome, taken)
                if not folder.is_dir():
                    shutil.copytree(source, folder)
        table += table_rows(outcome, folder.relative_to(out).as_posix() if folder else None)
    csv_path, parquet_path = out / "results.csv", out / "results.parquet"
    _write_csv(table, csv_path)
    _write_parquet(table, parquet_path)
    jobs = [o.job for o in outcomes if o.job is not None]
    failures = [
        (o.row.path.name, (o.error or (o.job.error if o.job else None) or _unknown()).message)
        for o in outcomes
        if o.status == "failed"
    ]
    return BatchSummary(
        clips=len(outcomes),
        done=sum(1 for j in jobs if j.status is JobStatus.done),
        failed=len(failures),
        not_finished=sum(1 for j in jobs if not j.status.finished),
        reused=sum(1 for o in outcomes if o.cached and o.status == JobStatus.done.value),
        failures=failures,
        table_csv=csv_path,
        table_parquet=parquet_path,
        evidence_dir=evidence_root,
    )


def _unknown() -> ErrorBody:
    return ErrorBody(code="job.unknown", kind=ErrorKind.internal, message="unknown failure")


def table_rows(outcome: ClipOutcome, evidence: str | None) -> list[dict[str, Any]]:
    """One row per measurement of the clip (one row when it has none)."""
    from kneechain.assess.case import measure_index

    job = outcome.job
    error = outcome.error or (job.error if job else None)
    result = (job.result if job else None) or {}
    made_with = result.get("versions", {})
    base: dict[str, Any] = {
        "clip": str(outcome.row.path),
        "label": outcome.row.person_label,
        "test_id": outcome.row.test,
        "status": outcome.status,
        "error_code": error.code if error else None,
        "error": error.message if error else None,
        "frames": result.get("frames"),
        "fps": result.get("fps"),
        "view": (result.get("protocol") or {}).get("view"),
        "video_sha256": result.get("video_sha256")
        or (job.inputs.get("video_sha256") if job else None),
        "job_id": job.id if job else None,
        "attempts": job.attempts if job else None,
        "evidence": evidence,
        "kneechain_version": made_with.get("kneechain"),
        "engine_version": made_with.get("engine"),
        "knowledge_version": made_with.get("knowledge"),
        "pose_version": made_with.get("pose"),
    }
    protocol = result.get("protocol") or {}
    spread = {(d["measure"], d.get("side")): d.get("spread") for d in protocol.get("details", [])}
    measures = measure_index()
    rows = []
    for m in protocol.get("measurements", []):
        spec = measures.get(m["measure"])
        rows.append(
            base
            | {
                "measure": m["measure"],
                "side": m.get("side"),
                "value": m.get("value"),
                "unit": spec.unit if spec else None,
                "quality": m.get("quality"),
                "uncertainty": spread.get((m["measure"], m.get("side"))),
                "repetitions": m.get("repetitions"),
            }
        )
    return rows or [base]


def _write_csv(table: list[dict[str, Any]], path: Path) -> None:
    names = [name for name, _ in TABLE_COLUMNS]
    tmp = path.with_suffix(".csv.part")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=names)
        writer.writeheader()
        for row in table:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in names})
    tmp.replace(path)


def _write_parquet(table: list[dict[str, Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "float": pa.float64(), "int": pa.int64()}
    schema = pa.schema([(name, types[kind]) for name, kind in TABLE_COLUMNS])
    columns = {name: [row.get(name) for row in table] for name, _ in TABLE_COLUMNS}
    tmp = path.with_suffix(".parquet.part")
    pq.write_table(pa.table(columns, schema=schema), tmp)
    tmp.replace(path)
