"""hypothesis on the service layer's inputs: whatever a front end passes on (a session entry, a
program edit, a check-up answer, outcome scores, a sign-up), the only exception that leaves a
use case is KneechainError, and a refused input stores nothing."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import func, select

from kneechain.assess.case import Case
from kneechain.errors import KneechainError
from kneechain.program.edit import ProgramEdit
from kneechain.services import accounts, assessment, checkups, people, programs, tracking
from kneechain.services.context import ServiceContext
from kneechain.settings import Settings
from kneechain.track.logbook import SessionEntry
from kneechain.track.models import ExerciseSessionRecord, OutcomeScoreRecord

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
QUICK = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceContext]:
    data = tmp_path_factory.mktemp("inputs") / "data"
    with ServiceContext.open(Settings(data_dir=data, database_url=None)) as context:
        case = json.loads((EXAMPLES / "desk_worker_bilateral_ir_deficit.json").read_text())
        people.add(context, "Alex")
        assessment.record(
            context, "Alex", Case.model_validate(case | {"assessed_on": "2026-11-02"})
        )
        yield context


def known_exercises(ctx: ServiceContext) -> list[str]:
    return sorted(ctx.domain.knowledge.exercises)


text = st.text(max_size=60)
exercise_name = st.one_of(
    st.sampled_from(["glute_bridge", "clamshell", "Glute bridge", "side_plank", "nope"]), text
)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1))


def count(ctx: ServiceContext, table: Any) -> int:
    with ctx.db() as db:
        return int(db.scalar(select(func.count()).select_from(table)) or 0)


@QUICK
@given(
    day=days,
    names=st.lists(exercise_name, min_size=1, max_size=4),
    sets=st.integers(min_value=0, max_value=50),
    pain=st.one_of(st.none(), st.integers(min_value=0, max_value=10)),
    note=st.one_of(st.none(), st.text(max_size=200)),
    person=st.sampled_from(["Alex", "Nobody", "", "alex"]),
)
def test_logging_a_session(
    ctx: ServiceContext, day: date, names: list[str], sets: int, pain: int | None,
    note: str | None, person: str,
) -> None:  # fmt: skip
    entry = SessionEntry(
        performed_on=day,
        exercises=[{"exercise_id": n, "sets_done": sets} for n in names],  # type: ignore[misc]
        pain_before=pain,
        pain_after=pain,
        note=note,
    )
    before = count(ctx, ExerciseSessionRecord)
    try:
        tracking.log(ctx, person, entry)
    except KneechainError:
        assert count(ctx, ExerciseSessionRecord) == before  # refused: nothing stored
    else:
        assert count(ctx, ExerciseSessionRecord) == before + 1


@QUICK
@given(
    action=st.sampled_from(["swap", "remove", "add", "redose"]),
    exercise=exercise_name,
    new=st.one_of(st.none(), exercise_name),
    finding=st.one_of(st.none(), text),
    dose=st.one_of(st.none(), text),
    version=st.one_of(st.none(), st.integers(min_value=-5, max_value=10**6)),
)
def test_editing_a_program(
    ctx: ServiceContext, action: str, exercise: str, new: str | None, finding: str | None,
    dose: str | None, version: int | None,
) -> None:  # fmt: skip
    try:
        change = ProgramEdit(
            action=action,
            exercise=exercise,
            new_exercise=new,
            finding=finding,
            dose=dose,  # type: ignore[arg-type]
        )
    except ValidationError:
        assume(False)  # the front ends turn these into plain words before any service runs
        return
    before = programs.current(ctx, "Alex").version
    try:
        after = programs.edit(ctx, "Alex", [change], by="Dr Kim", expected_version=version)
    except KneechainError:
        assert programs.current(ctx, "Alex").version == before
    else:
        assert after.version == before + 1 == programs.current(ctx, "Alex").version


answers = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
    st.lists(text, max_size=5),
)


@QUICK
@given(question=st.one_of(st.sampled_from(["age", "sex", "red_flag_trauma"]), text), value=answers)
def test_answering_the_checkup(ctx: ServiceContext, question: str, value: Any) -> None:
    with contextlib.suppress(KneechainError):
        checkups.answer(ctx, "Alex", question, value)
    checkups.current(ctx, "Alex")  # the stored draft still reads


@QUICK
@given(
    values=st.dictionaries(
        st.one_of(st.sampled_from(["nprs", "kujala", "psfs"]), text),
        st.floats(allow_nan=True, allow_infinity=True),
        max_size=3,
    ),
    day=days,
)
def test_storing_outcome_scores(ctx: ServiceContext, values: dict[str, float], day: date) -> None:
    before = count(ctx, OutcomeScoreRecord)
    try:
        tracking.scores(ctx, "Alex", day, values)
    except KneechainError:
        assert count(ctx, OutcomeScoreRecord) == before


@QUICK
@given(
    data=st.dictionaries(
        st.sampled_from(["email", "password", "name", "role", "other"]),
        st.one_of(text, st.integers(), st.none(), st.booleans()),
    )
)
def test_signing_up(ctx: ServiceContext, data: dict[str, Any]) -> None:
    with contextlib.suppress(KneechainError):
        accounts.sign_up(ctx, data)
