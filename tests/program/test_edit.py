"""A clinician's edits: any sequence of valid edits keeps a program whole."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kneechain.errors import KneechainError
from kneechain.knowledge.models import CATEGORY_ORDER
from kneechain.program.build import ProgramOptions, build_program
from kneechain.program.edit import ProgramEdit, apply_edit, find_exercise
from kneechain.program.models import Program
from tests import packaged
from tests.program.conftest import START, F, result_with
from tests.program.test_properties import KB, RULES

BASE = build_program(
    result_with([F("hip_ir_deficit", severity="marked"), F("dynamic_knee_valgus", side="right")]),
    ProgramOptions(start_date=START),
    packaged.program_rules,
    packaged.kb,
)
PRIMARY = sorted(e.id for e in KB.primary_exercises())


def check_whole(program: Program) -> None:
    ids = [p.exercise_id for p in program.exercises]
    assert len(ids) == len(set(ids))
    placed = {i for d in program.day_types for i in d.exercise_ids}
    assert placed <= set(ids)
    for day in program.day_types:
        keys = [CATEGORY_ORDER.index(program.exercise(i).category) for i in day.exercise_ids]
        assert keys == sorted(keys), "release, stretch, strengthen order kept"
        assert day.minutes == pytest.approx(
            sum(program.exercise(i).minutes for i in day.exercise_ids), abs=0.05 * len(ids) + 0.1
        )
    for f in program.findings:
        assert set(f.exercise_ids) <= set(ids)
    assert [e.version for e in program.edits] == list(range(2, program.version + 1))


edits = st.lists(
    st.tuples(
        st.sampled_from(["swap", "remove", "add", "redose"]),
        st.integers(0, 20),
        st.sampled_from(PRIMARY),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits)
def test_any_sequence_of_edits_keeps_the_program_whole(steps: list[tuple[str, int, str]]) -> None:
    program = BASE
    for action, pick, other in steps:
        current = program.exercises[pick % len(program.exercises)]
        edit = {
            "swap": ProgramEdit(action="swap", exercise=current.name, new_exercise=other),
            "remove": ProgramEdit(action="remove", exercise=current.exercise_id),
            "add": ProgramEdit(action="add", exercise=other),
            "redose": ProgramEdit(action="redose", exercise=current.name, dose="2 x 10"),
        }[action]
        try:
            program = apply_edit(program, edit, KB, RULES)
        except KneechainError as refused:  # a duplicate or the last exercise: refused, unchanged
            assert refused.code.startswith("program."), refused
            continue
        check_whole(program)
    assert program.version == 1 + len(program.edits)


def test_names_and_ids_both_find_an_exercise() -> None:
    assert find_exercise(KB, "Glute bridge") == "glute_bridge"
    assert find_exercise(KB, "glute-bridge") == "glute_bridge"
    with pytest.raises(KneechainError, match="No exercise is called 'moonwalk'"):
        find_exercise(KB, "moonwalk")


def test_an_edit_without_its_details_is_refused() -> None:
    with pytest.raises(ValueError, match="a swap needs new exercise"):
        ProgramEdit(action="swap", exercise="glute_bridge")
    with pytest.raises(ValueError, match="a redose needs dose"):
        ProgramEdit(action="redose", exercise="glute_bridge")
