"""Properties every generated program must have, checked in one place for every test to use."""

from __future__ import annotations

from kneechain.assess.result import AssessmentResult
from kneechain.knowledge.loader import KnowledgeBase
from kneechain.knowledge.models import CATEGORY_ORDER
from kneechain.knowledge.render import dosage_text
from kneechain.program.models import Program
from kneechain.program.select import families


def check_program(program: Program, result: AssessmentResult, kb: KnowledgeBase) -> None:
    if result.refer:
        assert program.refer and program.message
        assert program.exercises == [] and program.day_types == [] and program.week == []
        assert program.retests == [] and program.sessions_per_week == 0
        assert len(program.referral) == len(result.red_flags)
        return
    ids = [p.exercise_id for p in program.exercises]
    assert len(ids) == len(set(ids)), "an exercise appears twice"
    family = families(kb)
    assert len({family[i] for i in ids}) == len(ids), "two versions of one exercise"
    for f in result.findings:
        covering = [p for p in program.exercises if f.id in {r.finding_id for r in p.reasons}]
        assert covering, f"finding {f.id} has no exercise"
        for p in covering:
            ex = kb.exercises[p.exercise_id]
            assert f.id in ex.addresses or ex.id in kb.findings[f.id].addressed_by
    for p in program.exercises:
        ex = kb.exercises[p.exercise_id]
        assert ex.variant_of is None
        assert p.dosage == ex.dosage and p.dosage_text == dosage_text(ex.dosage)
        assert p.cautions == ex.cautions and p.steps == ex.steps
        if p.emphasis_side is not None:
            assert p.per_side
            assert p.emphasis_side in {r.side for r in p.reasons}
    summary = {f.finding_id: f.exercise_ids for f in program.findings}
    assert set(summary) == {f.id for f in result.findings}
    assert all(summary.values()), "the overview names an exercise for every finding"
    placed = {i for d in program.day_types for i in d.exercise_ids}
    assert placed == set(ids), "every exercise belongs to a session and no session invents one"
    for d in program.day_types:
        keys = []
        for i in d.exercise_ids:
            p = program.exercise(i)
            keys.append((CATEGORY_ORDER.index(p.category), -p.muscle_group_size))
        assert keys == sorted(keys), f"{d.id}: release, stretch, strengthen; larger groups first"
    wanted = {t for f in result.findings for t in kb.findings[f.id].detected_by}
    assert {t.test_id for t in program.retests} == wanted
    for t in program.retests:
        assert t.weeks[-1] == program.weeks + 1 and t.weeks == sorted(set(t.weeks))
        assert t.weeks[0] == min(t.after_weeks, program.weeks) + 1
        assert [(d - program.start_date).days for d in t.dates] == [7 * (w - 1) for w in t.weeks]
