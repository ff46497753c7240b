"""Property tests: the invariants hold for random finding sets and for random valid cases."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kneechain.assess.case import Case, Measurement, measure_index
from kneechain.assess.engine import assess
from kneechain.knowledge.loader import default_knowledge
from kneechain.program.build import ProgramOptions, build_program
from kneechain.program.rules import default_program_rules
from kneechain.program.select import block_minutes, select
from tests import packaged
from tests.program.conftest import START, F, result_with
from tests.program.invariants import check_program

KB = default_knowledge()
RULES = default_program_rules()
OPTIONS = ProgramOptions(start_date=START)

finding = st.builds(
    F,
    id=st.sampled_from(sorted(KB.findings)),
    side=st.sampled_from(["left", "right", "both"]),
    severity=st.sampled_from(["mild", "moderate", "marked"]),
    confidence=st.floats(0.05, 1.0),
)
findings = st.lists(finding, min_size=1, max_size=8, unique_by=lambda f: f.id)


@settings(max_examples=150, deadline=None)
@given(findings, st.booleans())
def test_invariants_hold_for_any_set_of_findings(found: list[F], refer: bool) -> None:
    result = result_with(found, refer=refer)
    check_program(build_program(result, OPTIONS, packaged.program_rules, packaged.kb), result, KB)


@settings(max_examples=100, deadline=None)
@given(findings)
def test_filling_never_pushes_a_block_past_its_maximum(found: list[F]) -> None:
    choices = select(found, KB, RULES)
    for block, limit in (("daily", RULES.limits.daily), ("strength", RULES.limits.strength)):
        total = block_minutes(choices, block, RULES)
        filled = [c for c in choices if c.block == block and not c.for_coverage]
        if filled:
            assert total <= limit.max_minutes + 1e-9


def _measurement(draw: st.DrawFn, measure_id: str, side: str | None) -> Measurement:
    spec = measure_index()[measure_id]
    value = draw(st.floats(spec.valid_min, spec.valid_max, allow_nan=False))
    extra = {"activity": "running"} if measure_id.startswith(("gait_", "cadence")) else {}
    return Measurement(measure=measure_id, side=side, value=value, **extra)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    measures = measure_index()
    chosen = draw(st.lists(st.sampled_from(sorted(measures)), max_size=8, unique=True))
    out = []
    for m in chosen:
        sides = ["left", "right"] if measures[m].per_side else [None]
        out += [_measurement(draw, m, s) for s in sides]
    red = {r: draw(st.booleans()) for r in sorted(KB.red_flags) if draw(st.booleans())}
    red = {r: v and draw(st.integers(0, 9)) == 0 for r, v in red.items()}
    signs = {s: draw(st.booleans()) for s in sorted(KB.signs)}
    return Case(measurements=out, red_flags=red, signs=signs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_invariants_hold_for_random_valid_cases(case: Case) -> None:
    result = assess(case, packaged.rules, packaged.kb)
    program = build_program(result, OPTIONS, packaged.program_rules, packaged.kb)
    check_program(program, result, KB)
    if any(case.red_flags.values()):
        assert program.exercises == []
