"""Shared helpers: light findings for the selection core, example cases through the real engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from kneechain.assess.result import AssessmentResult, FindingResult
from kneechain.knowledge.loader import default_knowledge

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
START = date(2026, 11, 30)


@dataclass(frozen=True)
class F:
    """A finding with only what the program reads."""

    id: str
    side: str = "both"
    severity: str = "moderate"
    confidence: float = 0.8


def result_with(findings: list[F], refer: bool = False) -> AssessmentResult:
    """An assessment result carrying these findings (the rest left empty)."""
    kb = default_knowledge()
    return AssessmentResult(
        case_version="1.0",
        knowledge_version="test",
        engine_version="test",
        refer=refer,
        red_flags=[],
        findings=[
            FindingResult(
                id=f.id,
                name=kb.findings[f.id].name,
                region=kb.findings[f.id].region,
                side=f.side,
                severity=f.severity,
                confidence=f.confidence,
                evidence=[],
                explanation="test",
                mechanism_ids=list(kb.findings[f.id].mechanism_ids),
            )
            for f in findings
        ],
        not_explained=not findings,
        clinicians=[],
        suspicions=[],
        unused_measurements=[],
        outcomes=[],
    )


@pytest.fixture(scope="session")
def example_paths() -> list[Path]:
    paths = sorted(EXAMPLES.glob("*.json"))
    assert paths, "the example cases are missing"
    return paths
