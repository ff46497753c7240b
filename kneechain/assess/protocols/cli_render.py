"""Readable output of a protocol result: measurements beside their norms, with quality."""

from __future__ import annotations

import re

from rich.console import Group
from rich.table import Table
from rich.text import Text

from kneechain.assess.protocols.result import MeasurementDetail, ProtocolResult
from kneechain.knowledge.models import Test
from kneechain.knowledge.render import number, reference_text, view_words

KINDS = {"norm": "norm", "threshold": "problem if", "mdc": "smallest real change", "asymmetry": ""}


def norms_text(test: Test, measure: str, activity: str | None = None) -> str:
    """`test`'s norms and thresholds for `measure` (those for another activity left out), in
    one short line."""
    unit = next(m.unit for m in test.measures if m.id == measure)
    parts = []
    for ref in test.references:
        if ref.measure != measure or ref.kind == "asymmetry":
            continue
        if activity and ref.activity and ref.activity != activity:
            continue
        parts.append(f"{KINDS[ref.kind]} {reference_text(ref, unit)}".strip())
    return "; ".join(dict.fromkeys(parts)) or "-"


#: the protocols' extra figures in words (value in the unit that ends the key)
EXTRAS = {
    "fppa_left_minus_right_deg": "Knee falling inward, left minus right",
    "left_minus_right_deg": "Left minus right",
    "duty_factor": "Share of each stride on the ground (below 0.5: running)",
    "step_time_cv_percent": "Step-to-step variation of step time",
    "view_turn_deg": "Camera turned from the view the test needs",
    "view_turn_sd_deg": "Uncertainty of that turn",
    "camera_bearing_deg": "Camera bearing (0 in front, +90 at your left, -90 at your right)",
}
EXTRA_UNITS = {"deg": "deg", "percent": "%"}


def extra_text(key: str, value: float) -> str:
    """One extra figure of a protocol in words: 'Camera turned from the view ...: 3 deg'."""
    unit = next((u for suffix, u in EXTRA_UNITS.items() if key.endswith(f"_{suffix}")), "")
    words = EXTRAS.get(key, key.replace("_", " ").capitalize())
    return f"{words}: {number(value)} {unit}".rstrip()


def named(text: str, names: dict[str, str]) -> str:
    """`text` with every measure id in it replaced by the measure's name."""
    return re.sub(r"\b[a-z][a-z0-9_]*_[a-z0-9_]*\b", lambda m: names.get(m[0], m[0]), text)


def _quality(detail: MeasurementDetail | None) -> str:
    if detail is None:
        return "-"
    q = detail.quality
    return f"{q.score:.2f} [{q.visibility:.2f} {q.view:.2f} {q.stability:.2f} {q.repetitions:.2f}]"


def report(result: ProtocolResult, test: Test, min_quality: float = 0.5) -> Group:
    """A table of the measurements and the warnings, ready for `Console.print`; `test` is the
    result's test as the knowledge base in use defines it (`ctx.domain.knowledge.tests`)."""
    units = {m.id: m.unit for m in test.measures}
    names = {m.id: m.name for m in test.measures}
    table = Table(
        title=f"{test.name} - {view_words(result.view)}",
        title_justify="left",
        caption="Value +- one-sigma uncertainty; quality = seen x view x steady x reps, each 0-1",
        caption_justify="left",
    )
    for column in ("Measure", "Side", "Value", "Norms", "Quality", "Reps"):
        table.add_column(column)
    details = {(d.measure, d.side): d for d in result.details}
    for m in result.measurements:
        unit = units[m.measure]
        plus_minus = f" +- {number(m.uncertainty)}" if m.uncertainty is not None else ""
        value = f"{number(m.value)}{plus_minus} {unit if unit != 'ratio' else ''}".strip()
        if m.quality is not None and m.quality < min_quality:
            value += " (low quality: reported, not used alone)"
        table.add_row(
            names.get(m.measure, m.measure.replace("_", " ")),
            m.side or "both",
            value,
            norms_text(test, m.measure, m.activity),
            _quality(details.get((m.measure, m.side))),
            str(m.repetitions or "-"),
        )
    lines: list[Table | Text] = [table]
    for key, value in result.extras.items():
        lines.append(Text(extra_text(key, value)))
    for warning in result.warnings:
        lines.append(Text(f"Warning: {named(warning, names)}", style="yellow"))
    return Group(*lines)
