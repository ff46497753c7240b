"""The engine's rules as validated data (data/rules.yaml), checked against the knowledge base.

The rules say which measure decides which finding and through which reference of its test; the
numbers themselves (thresholds, severe values, measurement error, norms) stay in the knowledge
base with their sources.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from kneechain.base import Frozen
from kneechain.errors import MessageError
from kneechain.knowledge.loader import (
    KnowledgeBase,
    KnowledgeError,
    default_knowledge,
    load_document,
)

RULES_PATH = Path(__file__).parent / "data" / "rules.yaml"


class RulesError(MessageError, ValueError):
    """rules.yaml is malformed or names something the knowledge base does not have."""

    default_code = "assessment_rules.invalid"


class Criterion(Frozen):
    """One measure that can decide a finding, through the first applicable reference listed."""

    measure: str
    references: list[str] = Field(min_length=1, description="reference ids, first applicable wins")
    norms: list[str] = Field(default_factory=list, description="norm reference ids for wording")
    norm_text: str | None = Field(
        default=None, description="the norm in words; may use {threshold}"
    )
    phrase: str = Field(description="what was measured, with {side} {value} {unit} {left} {right}")
    phrase_both: str | None = Field(
        default=None, description="the same for both sides at once, with {left} {right} {unit}"
    )


class FindingRule(Frozen):
    kind: Literal["threshold", "asymmetry"]
    worse: Literal["lower", "higher"] = "lower"
    criteria: list[Criterion] = Field(min_length=1)
    chain: str = Field(description="how it loads the knee, in plain words; may use {side}")
    clinicians: list[str] = Field(default_factory=list)


class ConfidenceWeights(Frozen):
    base: float = Field(ge=0, le=1)
    beyond_mdc: float
    marked: float
    agreeing: float
    disagreeing: float
    assumed_reference: float
    same_side_as_pain: float
    prior_weight: float = Field(ge=0)
    low: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)


class PriorWeights(Frozen):
    base: float = Field(ge=0, le=1)
    per_sign: float = Field(ge=0)
    per_sign_no: float = Field(ge=0)
    per_risk_factor: float = Field(ge=0)
    suspicion_min: float = Field(ge=0, le=1)


class RiskFactorRules(Frozen):
    sitting_hours_min: float = Field(ge=0, le=24)
    high_heels_days_min: int = Field(ge=0, le=7)
    single_plane_activities: list[str] = Field(min_length=1)
    single_plane_hours_min: float = Field(ge=0)


class SeverityRules(Frozen):
    asymmetry_marked_factor: float = Field(gt=1)


class Wording(Frozen):
    norm_value: str
    norm_band: str
    threshold: str
    asymmetry: str
    both_sides_joiner: str


class Rules(Frozen):
    min_quality: float = Field(ge=0, le=1)
    confidence: ConfidenceWeights
    prior: PriorWeights
    risk_factors: RiskFactorRules
    ottawa_age: int = Field(ge=0, le=120)
    severity: SeverityRules
    unit_words: dict[str, str]
    not_explained_clinicians: list[str] = Field(min_length=1)
    runner_clinician: str
    findings: dict[str, FindingRule]
    wording: Wording


def check_rules(rules: Rules, kb: KnowledgeBase) -> list[str]:
    """Every id in the rules that the knowledge base does not know, as readable lines."""
    problems = [f"findings.{f}: no rule decides it" for f in kb.findings if f not in rules.findings]
    tests_by_measure = {m.id: t for t in kb.tests.values() for m in t.measures}
    for fid, rule in rules.findings.items():
        if fid not in kb.findings:
            problems.append(f"findings.{fid}: not a finding id of the knowledge base")
            continue
        for c in rule.criteria:
            test = tests_by_measure.get(c.measure)
            if test is None:
                problems.append(f"findings.{fid}: unknown measure {c.measure!r}")
                continue
            if test.id not in kb.findings[fid].detected_by:
                problems.append(f"findings.{fid}: test {test.id!r} is not in its detected_by")
            refs = {r.id: r for r in test.references if r.measure == c.measure}
            want = "asymmetry" if rule.kind == "asymmetry" else "threshold"
            for ref_id in c.references:
                ref = refs.get(ref_id)
                if ref is None or ref.kind != want:
                    problems.append(f"findings.{fid}: {c.measure} has no {want} {ref_id!r}")
            for ref_id in c.norms:
                if ref_id not in refs or refs[ref_id].kind != "norm":
                    problems.append(f"findings.{fid}: {c.measure} has no norm {ref_id!r}")
        for cid in rule.clinicians:
            if cid not in kb.clinicians:
                problems.append(f"findings.{fid}: unknown clinician {cid!r}")
    for cid in [*rules.not_explained_clinicians, rules.runner_clinician]:
        if cid not in kb.clinicians:
            problems.append(f"unknown clinician {cid!r}")
    return problems


def load_rules(path: Path, kb: KnowledgeBase) -> Rules:
    """Load and validate rules.yaml and check every id it names against the knowledge base."""
    try:
        rules = load_document(Rules, path)
    except KnowledgeError as exc:
        raise RulesError(str(exc)) from exc
    problems = check_rules(rules, kb)
    if problems:
        raise RulesError(f"{path.name} does not fit the knowledge base:\n" + "\n".join(problems))
    return rules


@cache
def default_rules() -> Rules:
    """The packaged rules, loaded once per process."""
    return load_rules(RULES_PATH, default_knowledge())
