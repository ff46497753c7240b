"""Progress panels drawn as inline SVG for the browser, from the same panel data as the PNG chart
(`services.tracking.chart_panels`): norm band or line, problem threshold, the band of no clear
change around the first value, and each point with its value on hover (an SVG title)."""

from __future__ import annotations

import math
from datetime import date
from html import escape

from kneechain.services.tracking import ChartPanelOut

WIDTH, HEIGHT = 420, 210
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 12, 30
COLOURS = ("#0b5c66", "#c2410c", "#6d28d9", "#1f7a3d")


def _fmt(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _span(panel: ChartPanelOut) -> tuple[date, date] | None:
    days = [d for line in [*panel.lines, *panel.extra] for d, _ in line.points]
    if not days:
        return None
    first, last = min(days), max(days)
    return (first, last) if first != last else (first, date.fromordinal(first.toordinal() + 7))


def _y_range(panel: ChartPanelOut) -> tuple[float, float]:
    if panel.y_range is not None:
        return panel.y_range
    values = [v for line in [*panel.lines, *panel.extra] for _, v in line.points]
    for extra in (panel.norm_line, panel.threshold, *(panel.norm_band or ())):
        if extra is not None:
            values.append(extra)
    low, high = min(values), max(values)
    pad = max((high - low) * 0.15, 2.0)
    return low - pad, high + pad


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 times a power of ten) inside [low, high]."""
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def panel_svg(panel: ChartPanelOut) -> str:
    """One panel as an accessible SVG (role img, a title and a text description)."""
    span = _span(panel)
    title = escape(panel.title)
    if span is None:
        return (
            f'<svg viewBox="0 0 {WIDTH} 80" role="img" aria-label="{title}: no values yet">'
            f'<text x="{WIDTH / 2}" y="45" text-anchor="middle">no values yet</text></svg>'
        )
    low, high = _y_range(panel)
    x0, x1 = span[0].toordinal(), span[1].toordinal()
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return LEFT + (day.toordinal() - x0) / (x1 - x0) * plot_w

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * plot_h

    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="t-{id(panel)}">',
        f'<title id="t-{id(panel)}">{title}: {escape(panel.subtitle)}</title>',
    ]
    for value in nice_ticks(low, high):
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}"/><text x="{LEFT - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{_fmt(value)}</text>'
        )
    if panel.norm_band:
        top, bottom = y(panel.norm_band[1]), y(panel.norm_band[0])
        parts.append(
            f'<rect x="{LEFT}" y="{top:.1f}" width="{plot_w}" height="{bottom - top:.1f}" '
            f'fill="#cfead6" opacity="0.7"><title>{escape(panel.norm_label)}</title></rect>'
        )
    if panel.norm_line is not None:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(panel.norm_line):.1f}" '
            f'y2="{y(panel.norm_line):.1f}" stroke="#1f7a3d" stroke-dasharray="6 4">'
            f"<title>{escape(panel.norm_label)}</title></line>"
        )
    if panel.threshold is not None:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(panel.threshold):.1f}" '
            f'y2="{y(panel.threshold):.1f}" stroke="#b42318" stroke-dasharray="2 4">'
            f"<title>{escape(panel.threshold_label)}</title></line>"
        )
    for index, line in enumerate(panel.lines):
        colour = COLOURS[index % len(COLOURS)]
        if panel.min_change is not None and line.points:
            base = line.points[0][1]
            top, bottom = y(base + panel.min_change), y(base - panel.min_change)
            parts.append(
                f'<rect x="{LEFT}" y="{top:.1f}" width="{plot_w}" height="{bottom - top:.1f}" '
                f'fill="{colour}" opacity="0.06"/>'
            )
        path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in line.points)
        parts.append(f'<polyline class="line" points="{path}" stroke="{colour}"/>')
        for d, v in line.points:
            label = "" if line.label == "score" else f"{line.label}, "
            parts.append(
                f'<circle class="dot" cx="{x(d):.1f}" cy="{y(v):.1f}" r="5" fill="{colour}">'
                f"<title>{escape(label)}{d:%d %b %Y}: {_fmt(v)} {escape(panel.unit)}</title>"
                "</circle>"
            )
    parts.append(
        f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" '
        f'y2="{TOP + plot_h}"/>'
        f'<text x="{LEFT}" y="{HEIGHT - 10}">{span[0]:%d %b %Y}</text>'
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 10}" text-anchor="end">{span[1]:%d %b %Y}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def caption(panel: ChartPanelOut) -> str:
    if panel.min_change is None:
        return "No known measurement error: changes are not judged."
    return (
        f"Shaded: within ±{_fmt(panel.min_change)} {panel.unit} of the first value "
        f"({panel.min_change_label}), which is no clear change."
    )
