"""Use cases of the assessment: assess a case (with clips measured first), read a case file."""

from __future__ import annotations

from pathlib import Path

from kneechain.assess.case import Case
from kneechain.assess.caseio import load_case
from kneechain.assess.engine import assess
from kneechain.assess.result import AssessmentResult
from kneechain.services.context import ServiceContext


def read_case(path: Path) -> Case:
    """A case file, validated (every problem named, in plain words)."""
    return load_case(path)


def assess_case(ctx: ServiceContext, case: Case) -> AssessmentResult:
    """Red flags, outcome scores and the findings that explain the knee pain."""
    domain = ctx.domain
    return assess(case, domain.assessment_rules, domain.knowledge)
