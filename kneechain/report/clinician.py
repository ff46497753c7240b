"""The clinician report of one client as HTML (printed to PDF by the handout's machinery).

It takes the report as plain data (the service's model dumped to a dict), so the report stage
needs nothing from tracking or the services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kneechain.knowledge.loader import KnowledgeBase
from kneechain.report.handout import TEMPLATES, _environment, svg_data_uri

VERDICTS = {
    "improved": "improved",
    "worse": "worse",
    "no_clear_change": "no change beyond measurement error",
    "changed": "changed",
    "unjudged": "no smallest real change known",
    "single": "measured once",
}
ACTIONS = {"swap": "swapped", "remove": "removed", "add": "added", "redose": "new dose"}


def edit_text(change: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """One program change in words: 'swapped Lateral lunge for Glute bridge: it hurt'."""

    def name(key: str) -> str:
        value = change.get(key) or ""
        return names.get(value, value.replace("_", " "))

    action = change["action"]
    text = {
        "swap": f"swapped {name('exercise_id')} for {name('new_exercise_id')}",
        "remove": f"removed {name('exercise_id')}",
        "add": f"added {name('new_exercise_id')}",
        "redose": f"new dose for {name('exercise_id')}: {change.get('dose')}",
    }[action]
    if change.get("note"):
        text += f" (why: {change['note']})"
    if change.get("by"):
        text += f", by {change['by']}"
    return text


def trend_text(trend: Mapping[str, Any], rule: tuple[int, int]) -> str:
    """A pain trend in words, or why there is none yet."""
    per_week = trend.get("per_week")
    if per_week is None:
        ratings, days = rule
        return (
            f"not enough ratings for a trend yet ({trend['n']} so far; needs {ratings} "
            f"over at least {days} days)"
        )
    direction = "falling" if per_week < 0 else "rising" if per_week > 0 else "flat"
    return (
        f"{direction}, {per_week:+.2f} points a week ({trend['n']} ratings, "
        f"{trend['first']} to {trend['last']})"
    )


def render_client_html(report: Mapping[str, Any], kb: KnowledgeBase) -> str:
    """The whole clinician report as one self-contained HTML document (`kb`: the knowledge
    base in use, whose red-flag questions it quotes)."""
    history = report["history"]
    rule = tuple(history["trend_rule"])
    chart = report.get("chart_svg")
    return (
        _environment()
        .get_template("clinician.html")
        .render(
            r=report,
            title=f"Clinician report: {report['person']['name']}",
            css=(TEMPLATES / "handout.css").read_text(encoding="utf-8")
            + (TEMPLATES / "clinician.css").read_text(encoding="utf-8"),
            chart=svg_data_uri(chart) if chart else None,
            verdicts=VERDICTS,
            edit_text=edit_text,
            pain_before=trend_text(history["pain_before"], rule),  # type: ignore[arg-type]
            pain_after=trend_text(history["pain_after"], rule),  # type: ignore[arg-type]
            urgency={"emergency": "now (emergency)", "same_day": "today", "soon": "within days"},
            red_flag_questions={k: v.question for k, v in kb.red_flags.items()},
        )
    )
