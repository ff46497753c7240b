"""Two browser tabs (or two web workers) editing the same program: no lost update.

The edit form carries the version it was drawn from; `services.programs.edit` refuses a stale
one. On PostgreSQL two edits can also race inside the same instant (two web workers, each
having read version N before either writes): the edit must lock the person's programs
before it reads the current version, or both would store "N+1" and one change would vanish."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from datetime import date
from pathlib import Path

import pytest

from kneechain.assess.case import Case
from kneechain.errors import KneechainError
from kneechain.program.edit import ProgramEdit
from kneechain.services import assessment, programs
from kneechain.services.context import ServiceContext
from kneechain.settings import Settings
from tests.track.conftest import database_url, postgres_url  # noqa: F401  (fixtures)
from tests.web.conftest import Cast

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def drawn_version(page: str) -> str:
    found = re.search(r'name="expected_version" value="(\d+)"', page)
    assert found, "the edit form does not carry the version it was drawn from"
    return found.group(1)


def redose(exercise_id: str, dose: str, version: str) -> dict[str, str]:
    return {"action": "redose", "exercise": exercise_id, "dose": dose, "expected_version": version}


def test_two_tabs_editing_the_same_program_lose_nothing(
    ctx: ServiceContext, cast: Cast, owned: object
) -> None:
    url = f"/people/{cast.alex.person_uid}/program/edit"
    first, second = (programs.current(ctx, "Alex").program.exercises[i] for i in (0, 1))
    tab_a = drawn_version(cast.clinician.get(url).text)
    tab_b = drawn_version(cast.clinician.get(url).text)
    sent_a = cast.clinician.post(url, redose(first.exercise_id, "tab A's dose", tab_a))
    assert sent_a.status_code == 303
    sent_b = cast.clinician.post(url, redose(second.exercise_id, "tab B's dose", tab_b))
    assert sent_b.status_code == 409 and "changed meanwhile" in sent_b.text
    now = programs.current(ctx, "Alex")
    assert now.version == int(tab_a) + 1
    doses = {e.exercise_id: e.dosage_text for e in now.program.exercises}
    assert doses[first.exercise_id] == "tab A's dose"  # A's change kept, B told to reload
    assert doses[second.exercise_id] != "tab B's dose"
    reloaded = drawn_version(cast.clinician.get(url).text)
    again = cast.clinician.post(url, redose(second.exercise_id, "tab B's dose", reloaded))
    assert again.status_code == 303
    doses = {e.exercise_id: e.dosage_text for e in programs.current(ctx, "Alex").program.exercises}
    assert doses == doses | {first.exercise_id: "tab A's dose", second.exercise_id: "tab B's dose"}


def test_two_workers_racing_on_the_same_version_store_one_change(
    database_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both edits read version N before either writes (a barrier inside the edit holds them
    there when nothing else does): exactly one is stored, the other is refused."""
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    data = json.loads((EXAMPLES / "desk_worker_bilateral_ir_deficit.json").read_text())
    with ServiceContext.open(settings) as setup:
        from kneechain.services import people

        people.add(setup, "Alex")
        assessment.record(setup, "Alex", Case.model_validate(data | {"assessed_on": "2026-11-02"}))
        start = programs.current(setup, "Alex")
    barrier = threading.Barrier(2)
    real_apply = programs.apply_edit

    def held(*args: object, **kwargs: object) -> object:
        # both edits meet here unless the first one's lock keeps the second out
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return real_apply(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(programs, "apply_edit", held)
    outcome: dict[str, object] = {}
    exercises = [e.exercise_id for e in start.program.exercises[:2]]

    def worker(name: str, exercise_id: str) -> None:
        with ServiceContext.open(settings) as ctx:  # one store per worker, like uvicorn's
            change = ProgramEdit(action="redose", exercise=exercise_id, dose=f"{name}'s dose")
            try:
                outcome[name] = programs.edit(
                    ctx, "Alex", [change], by=name, expected_version=start.version,
                    today=date(2026, 11, 30),
                )  # fmt: skip
            except KneechainError as error:
                outcome[name] = error

    threads = [
        threading.Thread(target=worker, args=(n, e)) for n, e in zip("AB", exercises, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    stored = [v for v in outcome.values() if isinstance(v, programs.ProgramVersion)]
    refused = [v for v in outcome.values() if isinstance(v, KneechainError)]
    assert len(stored) == 1 and len(refused) == 1, outcome
    assert refused[0].code == "program.changed"
    with ServiceContext.open(settings) as check:
        final = programs.current(check, "Alex")
    assert final.version == start.version + 1
    assert final.program == stored[0].program
