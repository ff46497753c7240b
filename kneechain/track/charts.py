"""Draw the progress chart (PNG or SVG) with matplotlib's object API (no global pyplot state)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, DateFormatter
from matplotlib.figure import Figure
from sqlalchemy.orm import Session

from kneechain.knowledge.loader import KnowledgeBase
from kneechain.knowledge.render import number
from kneechain.track.chartdata import Panel, progress_panels
from kneechain.track.config import TrackingConfig
from kneechain.track.errors import TrackError
from kneechain.track.models import PersonRecord

FORMATS = (".png", ".svg")
COLOURS = {
    "left": "#1f77b4",
    "right": "#d62728",
    "both": "#2ca02c",
    "score": "#6a3d9a",
    "pain now": "#6a3d9a",
    "worst pain in the last week": "#e6550d",
    "pain with activity": "#8c6d31",
}
NORM_COLOUR = "#2ca02c"
THRESHOLD_COLOUR = "#888888"
UNITS = {"deg": "°", "points": " points", "cm": " cm"}


def _unit(unit: str) -> str:
    return UNITS.get(unit, f" {unit}")


def _span(panels: list[Panel]) -> tuple[date, date] | None:
    days = [d for p in panels for line in p.lines + p.extra for d, _ in line.points]
    if not days:
        return None
    first, last = min(days), max(days)
    pad = max(timedelta(days=3), (last - first) / 20)
    return first - pad, last + pad


def _references(ax: Axes, panel: Panel) -> None:
    unit = _unit(panel.unit)
    if panel.norm_band is not None:
        low, high = panel.norm_band
        ax.axhspan(low, high, color=NORM_COLOUR, alpha=0.15, lw=0,
                   label=f"norm {number(low)}-{number(high)}{unit}")  # fmt: skip
    if panel.norm_line is not None:
        ax.axhline(panel.norm_line, color=NORM_COLOUR, lw=1.5,
                   label=f"norm {number(panel.norm_line)}{unit}")  # fmt: skip
    if panel.threshold is not None:
        where = "below" if panel.problem_below else "above"
        ax.axhline(panel.threshold, color=THRESHOLD_COLOUR, lw=1, ls="--",
                   label=f"problem {where} {number(panel.threshold)}{unit}")  # fmt: skip


def _lines(ax: Axes, panel: Panel) -> None:
    for extra in panel.extra:
        xs, ys = zip(*extra.points, strict=True)
        ax.plot(xs, ys, ".", color="#999999", alpha=0.6, label=extra.label)
    for line in panel.lines:
        colour = COLOURS.get(line.label, "#333333")
        xs, ys = zip(*line.points, strict=True)
        if panel.min_change is not None:
            base = line.points[0][1]
            ax.axhspan(base - panel.min_change, base + panel.min_change, color=colour,
                       alpha=0.08, lw=0)  # fmt: skip
        name = "" if line.label == "score" else f"{line.label}: "
        ax.plot(xs, ys, "o-", color=colour, lw=2, ms=5, label=f"{name}{line.verdict}")


def _caption(panel: Panel) -> str:
    if panel.min_change is None:
        return "no known measurement error: changes are not judged"
    return (
        f"shaded: within ±{number(panel.min_change)}{_unit(panel.unit)} of the first value "
        f"({panel.min_change_label}) = no clear change"
    )


def draw_panel(ax: Axes, panel: Panel, span: tuple[date, date] | None) -> None:
    ax.set_title(f"{panel.title}\n{panel.subtitle}", fontsize=10, loc="left")
    ax.set_ylabel(panel.unit)
    ax.grid(True, alpha=0.3)
    if span is not None:
        ax.set_xlim(*span)
        first, last = span[0].year, span[1].year
        ax.set_xlabel(str(first) if first == last else f"{first}-{last}", fontsize=8)
    ax.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=6))
    ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
    if not panel.lines and not panel.extra:
        ax.text(0.5, 0.5, "no values yet", transform=ax.transAxes, ha="center", va="center",
                color="#777777", fontsize=11)  # fmt: skip
        ax.set_yticks([])
        return
    if panel.y_range is not None:
        low, high = panel.y_range
        margin = (high - low) * 0.03
        ax.set_ylim(low - margin, high + margin)
    _references(ax, panel)
    _lines(ax, panel)
    ax.text(0.0, -0.2, _caption(panel), transform=ax.transAxes, fontsize=7, color="#555555")
    ax.legend(fontsize=7, loc="best", framealpha=0.85)


def _key(ax: Axes, name: str) -> None:
    ax.axis("off")
    text = (
        f"Progress of {name}\n\n"
        "Dots: your values over time.\n"
        "Green: the norm for healthy adults.\n"
        "Dashed grey: where a problem starts.\n"
        "Shaded band around your first value:\n"
        "changes inside it are within measurement\n"
        "error (or below the smallest change that\n"
        "matters), so they are not called better\n"
        "or worse."
    )
    ax.text(0.02, 0.95, text, va="top", fontsize=10, family="sans-serif")


def render(panels: list[Panel], name: str, out: Path) -> Path:
    """Write the chart to `out`; the format follows the suffix (.png or .svg)."""
    if out.suffix.lower() not in FORMATS:
        raise TrackError(f"chart file {out.name!r} must end in .png or .svg")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(13, 12), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(3, 2).ravel()
    span = _span(panels)
    for ax, panel in zip(axes, panels, strict=False):
        draw_panel(ax, panel, span)
    _key(axes[len(panels)], name)
    fig.savefig(out)
    return out


def progress_chart(
    db: Session, user: PersonRecord, out: Path, kb: KnowledgeBase, config: TrackingConfig
) -> Path:
    """The person's progress chart: five panels and a key."""
    return render(progress_panels(db, user, kb, config), user.name, out)
