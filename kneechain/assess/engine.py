"""The assessment engine: case in, result out. Deterministic: the same case always gives the same
result, and every conclusion carries the evidence and the knowledge-base references behind it.

Order: red flags first (any one means refer), then outcome scores, then findings from the
measurements (priors from signs and risk factors only adjust confidence), then what is left
unexplained and whom to see.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from kneechain import __version__
from kneechain.assess.case import CASE_VERSION, Case
from kneechain.assess.criteria import Context
from kneechain.assess.findings import decide, suspicion
from kneechain.assess.measure import readings, split_by_quality
from kneechain.assess.outcomes import outcome_scores
from kneechain.assess.priors import factors
from kneechain.assess.redflags import red_flags
from kneechain.assess.result import (
    AssessmentResult,
    ClinicianSuggestion,
    FindingResult,
    Suspicion,
)
from kneechain.assess.rules import RULES_PATH, Rules
from kneechain.knowledge.loader import DATA_DIR, KnowledgeBase


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


@cache
def knowledge_version(data_dir: Path = DATA_DIR) -> str:
    """The package version and a digest of the knowledge files in `data_dir` (the folder the
    knowledge base in use was loaded from), e.g. '0.1.0+kb.1a2b3c4d5e6f'."""
    return f"{__version__}+kb.{_digest(list(data_dir.glob('*.yaml')))}"


@cache
def engine_version() -> str:
    """The package version and a digest of the engine's rules file."""
    return f"{__version__}+rules.{_digest([RULES_PATH])}"


def _clinicians(
    ids: list[str], why: dict[str, str], kb: KnowledgeBase
) -> list[ClinicianSuggestion]:
    seen: list[str] = []
    for cid in ids:
        if cid not in seen:
            seen.append(cid)
    return [
        ClinicianSuggestion(id=c, name=kb.clinicians[c].name, why=why.get(c, kb.clinicians[c].when))
        for c in seen
    ]


def _suggested(
    case: Case, findings: list[FindingResult], rules: Rules, kb: KnowledgeBase
) -> list[ClinicianSuggestion]:
    if not findings:
        ids = list(rules.not_explained_clinicians)
        if any(a.kind == "running" for a in case.person.activities):
            ids.append(rules.runner_clinician)
        return _clinicians(ids, {}, kb)
    ids = [c for f in findings for c in rules.findings[f.id].clinicians]
    return _clinicians(ids, {}, kb)


def _notes(case: Case, ctx_notes: list[str], findings: list[FindingResult]) -> list[str]:
    notes = list(dict.fromkeys(ctx_notes))
    if not case.measurements:
        notes.append(
            "No measurements were given: findings need at least one test; see the tests to do."
        )
    elif not findings:
        notes.append(
            "Nothing measured at the hip or ankle explains the pain; the cause may be in the "
            "knee itself or elsewhere, so see a clinician."
        )
    return notes


def assess(case: Case, rules: Rules, kb: KnowledgeBase) -> AssessmentResult:
    """Assess one case against the rules and knowledge base given (the domain in use): red flags,
    outcome scores, findings with evidence, what is unexplained."""
    hits = red_flags(case, rules, kb)
    used, unused = split_by_quality(case.measurements, rules.min_quality)
    measures = {m.id: m for t in kb.tests.values() for m in t.measures}
    test_of = {m.id: t for t in kb.tests.values() for m in t.measures}
    ctx = Context(case.person, readings(used), measures, test_of, rules)
    answers = factors(case, rules, kb)
    found: list[FindingResult] = []
    suspected: list[Suspicion] = []
    for fid, rule in rules.findings.items():
        result, calls = decide(fid, rule, ctx, answers, case.complaint, kb)
        if result is not None:
            found.append(result)
        elif not calls:
            s = suspicion(fid, answers, rules, kb)
            if s is not None:
                suspected.append(s)
    found.sort(key=lambda f: (-_rank(f), -f.confidence, f.id))
    suspected.sort(key=lambda s: (-s.prior, s.finding_id))
    return AssessmentResult(
        case_version=case.case_version or CASE_VERSION,
        knowledge_version=knowledge_version(kb.data_dir),
        engine_version=engine_version(),
        refer=bool(hits),
        red_flags=hits,
        findings=found,
        not_explained=not found and not hits,
        clinicians=[] if hits else _suggested(case, found, rules, kb),
        suspicions=[] if hits else suspected,
        unused_measurements=unused,
        outcomes=outcome_scores(case, kb),
        notes=_notes(case, ctx.notes, found),
    )


def _rank(f: FindingResult) -> int:
    return {"mild": 0, "moderate": 1, "marked": 2}[f.severity]
