"""A measured value drawn against its norm band and problem threshold (inline SVG, no style
attributes: the page's CSP allows none)."""

from __future__ import annotations

from html import escape

from kneechain.services.results import ValueLine

WIDTH, HEIGHT, PAD = 320, 52, 14


def _fmt(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def band_svg(line: ValueLine) -> str:
    """The scale, the green norm band, the red threshold mark and the value's marker."""
    band = line.band
    if band is None:
        return ""
    span = band.scale_high - band.scale_low

    def x(value: float) -> float:
        return PAD + (value - band.scale_low) / span * (WIDTH - 2 * PAD)

    label = f"{line.name}: {_fmt(line.value)} {line.unit}"
    if band.norm_label:
        label += f"; norm: {band.norm_label}"
    parts = [
        f'<svg class="band-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}">',
        f'<rect x="{PAD}" y="17" width="{WIDTH - 2 * PAD}" height="10" rx="5" fill="#e9eef2"/>',
    ]
    if band.norm_low is not None and band.norm_high is not None:
        low, high = x(band.norm_low), x(band.norm_high)
        if high - low < 4:
            low, high = low - 2, high + 2
        parts.append(
            f'<rect x="{low:.1f}" y="17" width="{high - low:.1f}" height="10" rx="5" '
            f'fill="#8fd19e"><title>{escape(band.norm_label or "norm")}</title></rect>'
        )
    if band.threshold is not None:
        t = x(band.threshold)
        parts.append(
            f'<line x1="{t:.1f}" x2="{t:.1f}" y1="13" y2="31" stroke="#b42318" '
            f'stroke-width="2" stroke-dasharray="3 2"><title>{escape(band.threshold_label or "")}'
            "</title></line>"
        )
    v = x(line.value)
    colour = "#b42318" if band.outside else "#1b2430"
    parts.append(
        f'<circle cx="{v:.1f}" cy="22" r="7" fill="{colour}" stroke="#fff" stroke-width="2">'
        f"<title>{escape(label)}</title></circle>"
        f'<text x="{PAD}" y="48" font-size="11" fill="#566173">{_fmt(band.scale_low)}</text>'
        f'<text x="{WIDTH - PAD}" y="48" font-size="11" fill="#566173" text-anchor="end">'
        f"{_fmt(band.scale_high)} {escape(line.unit)}</text>"
    )
    if band.norm_low is not None:
        mid = x(((band.norm_low or 0) + (band.norm_high or band.norm_low or 0)) / 2)
        parts.append(
            f'<text x="{mid:.1f}" y="10" font-size="10" fill="#1f7a3d" text-anchor="middle">'
            "norm</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
