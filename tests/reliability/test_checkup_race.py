"""Two submissions for the same check-up draft at the same instant (two tabs, or a double
click that two web workers serve): no acknowledged answer may vanish.

An answer reads the draft, applies the answer and writes the draft back. When both
submissions read the draft before either writes (a barrier inside the answer holds them there
when nothing else does), the second must see the first's answer (its question is then no
longer the one asked and it is refused) rather than overwrite it. The same for an answer
racing with the start of a clip upload, which stores the draft so the clip's job can be
attached to it."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from kneechain.assess import flow
from kneechain.errors import KneechainError
from kneechain.services import checkups, people
from kneechain.services.context import ServiceContext
from kneechain.settings import Settings
from kneechain.track.models import AssessmentRecord
from tests.track.conftest import database_url, postgres_url  # noqa: F401  (fixtures)

# the second submission waits out the barrier (3 s) whenever the lock keeps it out
pytestmark = pytest.mark.slow


def _race(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, jobs: dict[str, Callable[..., object]]
) -> dict[str, object]:
    """Run `jobs` (name -> use case given a context) in threads, each with its own store (as
    uvicorn's workers), held together after each has read the draft."""
    barrier = threading.Barrier(len(jobs))
    real_load = checkups._state_of

    def held(*args: object, **kwargs: object) -> object:
        state = real_load(*args, **kwargs)  # type: ignore[arg-type]
        # both meet here unless the first one's lock keeps the second out
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return state

    monkeypatch.setattr(checkups, "_state_of", held)
    outcome: dict[str, object] = {}

    def worker(name: str) -> None:
        with ServiceContext.open(settings) as ctx:
            try:
                outcome[name] = jobs[name](ctx)
            except KneechainError as error:
                outcome[name] = error

    threads = [threading.Thread(target=worker, args=(name,)) for name in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcome) == len(jobs), "a submission did not finish"
    return outcome


def _start(settings: Settings, stored: bool = True) -> tuple[str, list[flow.Answer]]:
    """Alex's empty check-up (its draft `stored` or not yet): the first question and two
    different answers to it."""
    with ServiceContext.open(settings) as ctx:
        people.add(ctx, "Alex")
        if stored:
            checkups.ensure_draft(ctx, "Alex")
        question = checkups.current(ctx, "Alex").question
    assert question is not None and question.kind == "integer", question  # age
    low = int(question.minimum or 0)
    return question.id, [low + 30, low + 31]


@pytest.mark.parametrize("stored", [True, False], ids=["draft", "first-answer"])
def test_two_answers_to_the_same_question_keep_the_acknowledged_one(
    database_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stored: bool,
) -> None:
    """Without a draft yet, both would also insert one: the second a unique-key error (500)."""
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    question_id, (a, b) = _start(settings, stored)
    outcome = _race(
        settings,
        monkeypatch,
        {
            "tab A": lambda ctx: checkups.answer(ctx, "Alex", question_id, a),
            "tab B": lambda ctx: checkups.answer(ctx, "Alex", question_id, b),
        },
    )
    kept = [n for n, v in outcome.items() if isinstance(v, checkups.CheckupStep)]
    refused = [v for v in outcome.values() if isinstance(v, KneechainError)]
    assert len(kept) == 1 and len(refused) == 1, outcome
    assert refused[0].code == "answer.not_current"
    with ServiceContext.open(settings) as ctx:
        state = checkups._load(ctx, "Alex", checkups.questionnaire(ctx))
    assert state.order == [question_id]
    assert state.answers[question_id] == (a if kept == ["tab A"] else b)


def test_an_answer_racing_a_clip_upload_is_kept(
    database_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    question_id, (a, _) = _start(settings)
    outcome = _race(
        settings,
        monkeypatch,
        {
            "answer": lambda ctx: checkups.answer(ctx, "Alex", question_id, a),
            "upload": lambda ctx: checkups.ensure_draft(ctx, "Alex"),
        },
    )
    assert isinstance(outcome["answer"], checkups.CheckupStep), outcome
    with ServiceContext.open(settings) as ctx:
        state = checkups._load(ctx, "Alex", checkups.questionnaire(ctx))
    assert state.answers.get(question_id) == a, "an acknowledged answer was lost"


def test_two_red_flag_answers_record_one_assessment(
    database_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A red flag stops the check-up and stores the answers as an assessment: sent twice at
    the same instant, it is stored once."""
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    age, (years, _) = _start(settings)
    with ServiceContext.open(settings) as ctx:
        checkups.answer(ctx, "Alex", age, years)
        step = checkups.answer(ctx, "Alex", "injury", True)
    assert step.question is not None and step.question.id == "cannot_bear_weight"
    both = {
        name: (lambda ctx: checkups.answer(ctx, "Alex", "cannot_bear_weight", True))
        for name in ("tab A", "tab B")
    }
    outcome = _race(settings, monkeypatch, both)
    referred = [v for v in outcome.values() if isinstance(v, checkups.CheckupStep)]
    assert len(referred) == 1 and referred[0].stage == "referred", outcome
    with ServiceContext.open(settings) as ctx, ctx.db() as db:
        stored = db.scalars(select(AssessmentRecord)).all()
    assert len(stored) == 1, "the referral was recorded twice"
