"""The result of assessing one case: referral, red flags, findings with evidence, outcome scores.

`kneechain assess --format json` prints `AssessmentResult` as JSON. Consumers (the program
generator, tracking, reports) read these models; they never re-run rules themselves.

- `refer` is true when any red flag is present: no exercise may be prescribed for that case.
- Each finding names its knowledge-base id, the side, a severity and a 0-1 confidence, the evidence
  (answers and measurements, with values against thresholds) and a plain-language explanation.
- `not_explained` is true when nothing measured at the hip or ankle explains the pain; then
  `clinicians` says whom to see.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kneechain.assess.case import Provenance, Side
from kneechain.base import Frozen

FindingSide = Literal["left", "right", "both"]
Severity = Literal["mild", "moderate", "marked"]
Urgency = Literal["emergency", "same_day", "soon"]
EvidenceKind = Literal["measurement", "asymmetry", "sign", "risk_factor"]


class RedFlagHit(Frozen):
    """A red flag present in the case: why it matters and whom to see, how soon."""

    id: str
    reason: str
    refer_to: str
    urgency: Urgency
    answered_by: str = Field(description="the case field(s) that raised it")


class Evidence(Frozen):
    """One piece of evidence for a finding.

    For `measurement`: the (averaged) value on a side against the threshold it crossed.
    For `asymmetry`: `value` is the between-side difference, `left`/`right` the two values.
    For `sign` / `risk_factor`: an answer that raised the prior (`ref` is the knowledge id).
    """

    kind: EvidenceKind
    ref: str = Field(description="measure id, sign id or risk-factor id")
    side: Side | None = None
    value: float | None = None
    left: float | None = None
    right: float | None = None
    unit: str | None = None
    comparator: str | None = None
    threshold: float | None = None
    severe_value: float | None = None
    reference_id: str | None = Field(default=None, description="test.reference id used")
    norm: str | None = Field(default=None, description="the norm in words, e.g. '30 deg'")
    source_ids: list[str] = Field(default_factory=list)
    provenance: list[Provenance] = Field(default_factory=list)
    quality: float | None = Field(default=None, description="lowest quality among values used")
    supports: bool = Field(default=True, description="false: this evidence speaks against it")
    text: str


class FindingResult(Frozen):
    """A finding along the chain, with the evidence that decided it and why it hurts the knee."""

    id: str
    name: str
    region: str
    side: FindingSide
    severity: Severity
    confidence: float = Field(ge=0, le=1)
    evidence: list[Evidence]
    explanation: str
    mechanism_ids: list[str]


class Suspicion(Frozen):
    """A finding the answers point to but no measurement has decided yet: which tests would."""

    finding_id: str
    name: str
    prior: float = Field(ge=0, le=1)
    because: list[str] = Field(description="sign and risk-factor ids that raised it")
    tests: list[str] = Field(description="test ids that would decide it")


class UnusedMeasurement(Frozen):
    """A measurement reported but not allowed to drive a finding (for example low video quality)."""

    measure: str
    side: Side | None
    value: float
    provenance: Provenance
    quality: float | None
    reason: str


class ClinicianSuggestion(Frozen):
    id: str
    name: str
    why: str


class OutcomeScore(Frozen):
    """An outcome score computed from the case (NPRS ratings, Kujala total)."""

    id: str = Field(description="outcome id, e.g. kujala, nprs")
    part: str | None = Field(default=None, description="which rating, e.g. now, worst, activity")
    label: str
    score: float | None = Field(description="None when the questionnaire is incomplete")
    min_score: float
    max_score: float
    answered: int = Field(ge=0)
    total_items: int = Field(ge=0)
    missing_items: list[str] = Field(default_factory=list)


class AssessmentResult(Frozen):
    """Everything the engine concludes about one case."""

    case_version: str
    knowledge_version: str
    engine_version: str
    refer: bool
    red_flags: list[RedFlagHit]
    findings: list[FindingResult]
    not_explained: bool
    clinicians: list[ClinicianSuggestion]
    suspicions: list[Suspicion]
    unused_measurements: list[UnusedMeasurement]
    outcomes: list[OutcomeScore]
    notes: list[str] = Field(default_factory=list, description="assumptions and missing data")

    def finding(self, finding_id: str) -> FindingResult | None:
        """The finding with this id, or None."""
        return next((f for f in self.findings if f.id == finding_id), None)
