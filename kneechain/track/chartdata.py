"""What the progress chart shows, worked out from the records and the knowledge base (no drawing).

Five panels: hip internal rotation per side, ankle dorsiflexion, knee frontal plane projection
angle, pain (NPRS) and the Kujala score. Each carries its norm (band or line), the problem
threshold, and the smallest change that counts (measurement error for measures, minimal important
difference for scores), drawn as a band around the first value.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field
from sqlalchemy.orm import Session

from kneechain.assess.case import measures_in
from kneechain.base import Frozen
from kneechain.knowledge.loader import KnowledgeBase
from kneechain.knowledge.models import Reference
from kneechain.track.config import TrackingConfig
from kneechain.track.logbook import (
    OUTCOME_PARTS,
    PART_NAMES,
    measure_points,
    outcome_series,
    sessions_of,
)
from kneechain.track.models import PersonRecord
from kneechain.track.progress import higher_is_better, judge, mcid_of, mdc_of, references, widened

Series = list[tuple[date, float]]

#: Panels in drawing order: title and the candidate measures (the one with most data is drawn).
MEASURE_PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Hip internal rotation", ("hip_ir_supine", "hip_ir_seated")),
    ("Ankle dorsiflexion", ("ankle_df_angle", "ktw_distance")),
    ("Knee falling inward (FPPA)", ("sls_fppa", "squat_fppa", "gait_fppa_midstance")),
)
OUTCOME_PANELS: tuple[str, ...] = ("nprs", "kujala")


class Line(Frozen):
    """One plotted series with its verdict (improved / no clear change yet / ...)."""

    label: str
    points: Series
    verdict: str


class Panel(Frozen):
    """One progress panel: the figures the PNG chart draws (norms, threshold, the smallest change
    that counts), also returned as data for front ends that draw their own chart."""

    title: str
    subtitle: str
    unit: str
    lines: list[Line]
    norm_band: tuple[float, float] | None = None
    norm_line: float | None = None
    norm_label: str = ""
    threshold: float | None = None
    threshold_label: str = ""
    problem_below: bool = False
    y_range: tuple[float, float] | None = None
    min_change: float | None = None
    min_change_label: str = ""
    higher_is_better: bool | None = None
    extra: list[Line] = Field(default_factory=list)


def _fits(ref: Reference, sex: str | None) -> bool:
    return ref.sex is None or ref.sex == sex


def norm_for(
    refs: list[Reference], sex: str | None
) -> tuple[tuple[float, float] | None, float | None, str]:
    """The norm to draw: a band if there is one, else a value; norms for the general population
    first (a norm measured in people with knee pain is not a target)."""
    norms = sorted(
        (r for r in refs if r.kind == "norm" and _fits(r, sex)),
        key=lambda r: r.population is not None,
    )
    band = next((r for r in norms if r.low is not None and r.high is not None), None)
    if band is not None and band.low is not None and band.high is not None:
        return (band.low, band.high), None, band.label
    value = next((r for r in norms if r.value is not None), None)
    return (None, value.value, value.label) if value else (None, None, "")


def _verdict(
    series: Series, threshold: float | None, better: bool | None, config: TrackingConfig
) -> str:
    return getattr(config.wording, judge(series, threshold, better))


def measure_panel(
    db: Session,
    user: PersonRecord,
    kb: KnowledgeBase,
    config: TrackingConfig,
    title: str,
    candidates: tuple[str, ...],
) -> Panel:
    """The candidate measure with the most values, with its references."""
    data = {m: measure_points(db, user, m) for m in candidates}
    chosen = max(candidates, key=lambda m: sum(len(s) for s in data[m].values()))
    spec = measures_in(kb)[chosen]
    refs = references(kb, chosen)
    mdc, better = mdc_of(kb, chosen), higher_is_better(kb, chosen)
    band, line, norm_label = norm_for(refs, user.sex)
    threshold = next((r for r in refs if r.kind == "threshold" and _fits(r, user.sex)), None)
    lines = []
    for side, points in data[chosen].items():
        series = [(day, value) for day, value, _ in points]
        limit = widened(mdc, points[0][2], points[-1][2]) if points else mdc
        lines.append(
            Line(label=side, points=series, verdict=_verdict(series, limit, better, config))
        )
    return Panel(
        title=title,
        subtitle=spec.name,
        unit=spec.unit,
        lines=lines,
        norm_band=band,
        norm_line=line,
        norm_label=norm_label,
        threshold=threshold.value if threshold else None,
        threshold_label=threshold.label if threshold else "",
        problem_below=bool(threshold and threshold.comparator in ("<", "<=")),
        min_change=mdc,
        min_change_label=config.wording.threshold_measure,
        higher_is_better=better,
    )


def outcome_panel(
    db: Session, user: PersonRecord, kb: KnowledgeBase, config: TrackingConfig, outcome_id: str
) -> Panel:
    """An outcome score over time; for pain, session ratings are shown faintly behind it."""
    outcome = kb.outcomes[outcome_id]
    mcid = mcid_of(outcome, config.preferred_mcid_population)
    extra = []
    if outcome_id == "nprs":
        before = [(s.performed_on, float(s.pain_before)) for s in sessions_of(db, user)
                  if s.pain_before is not None]  # fmt: skip
        if before:
            extra.append(Line(label="pain before sessions", points=before, verdict=""))
    lines = []
    for part in OUTCOME_PARTS.get(outcome_id, (None,)):  # NPRS: one line per rating, never mixed
        series = outcome_series(db, user, outcome_id, part)
        if series:
            label = PART_NAMES[part] if part else "score"
            verdict = _verdict(series, mcid, outcome.higher_is_better, config)
            lines.append(Line(label=label, points=series, verdict=verdict))
    return Panel(
        title=outcome.name,
        subtitle=f"{outcome.min_score:g}-{outcome.max_score:g}, "
        + ("higher is better" if outcome.higher_is_better else "lower is better"),
        unit="points",
        lines=lines,
        min_change=mcid,
        min_change_label=config.wording.threshold_outcome,
        higher_is_better=outcome.higher_is_better,
        extra=extra,
        y_range=(outcome.min_score, outcome.max_score),
    )


def progress_panels(
    db: Session, user: PersonRecord, kb: KnowledgeBase, config: TrackingConfig
) -> list[Panel]:
    """The chart's panels, with `kb`'s references and `config`'s words."""
    panels = [measure_panel(db, user, kb, config, title, ids) for title, ids in MEASURE_PANELS]
    return panels + [outcome_panel(db, user, kb, config, o) for o in OUTCOME_PANELS]
