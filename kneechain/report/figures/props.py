"""Equipment shapes in scene units: each prop becomes a list of simple shapes to draw.

Sizes not given in the data fall back to typical household dimensions (metres for a person of
height 1, so roughly metres / 1.7).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kneechain.knowledge.illustrations import Prop
from kneechain.report.figures.body import Point

Fill = Literal["prop", "ball", "roller", "none"]


@dataclass(frozen=True)
class Shape:
    """A rectangle, circle or polyline in scene units with its fill role."""

    kind: Literal["rect", "circle", "line"]
    points: tuple[Point, ...]
    radius: float = 0.0
    fill: Fill = "prop"


def _rect(x0: float, y0: float, x1: float, y1: float, fill: Fill = "prop") -> Shape:
    return Shape("rect", ((min(x0, x1), min(y0, y1)), (max(x0, x1), max(y0, y1))), fill=fill)


def _line(*points: Point) -> Shape:
    return Shape("line", tuple(points), fill="none")


def _table(x: float, y: float, w: float, h: float) -> list[Shape]:
    top = 0.035
    leg = 0.03
    return [
        _rect(x - w / 2, y + h - top, x + w / 2, y + h),
        _rect(x - w / 2 + 0.02, y, x - w / 2 + 0.02 + leg, y + h - top),
        _rect(x + w / 2 - 0.02 - leg, y, x + w / 2 - 0.02, y + h - top),
    ]


def _chair(x: float, y: float, w: float, h: float, flip: bool) -> list[Shape]:
    back_x = x + w / 2 if flip else x - w / 2
    inner = -0.03 if flip else 0.03
    return [
        *_table(x, y, w, h),
        _rect(back_x, y + h, back_x + inner, y + h + 0.32),
    ]


def _couch(x: float, y: float, w: float, h: float, flip: bool) -> list[Shape]:
    back_x = x + w / 2 if flip else x - w / 2
    inner = -0.12 if flip else 0.12
    return [
        _rect(x - w / 2, y + 0.04, x + w / 2, y + h),
        _rect(back_x, y + 0.04, back_x + inner, y + h + 0.22),
        _rect(x - w / 2 + 0.03, y, x - w / 2 + 0.07, y + 0.04),
        _rect(x + w / 2 - 0.07, y, x + w / 2 - 0.03, y + 0.04),
    ]


def _wall(x: float, y: float, w: float, h: float) -> list[Shape]:
    shapes = [_rect(x - w / 2, y, x + w / 2, y + h)]
    step = 0.08
    n = int(h / step)
    shapes += [_line((x - w / 2, y + i * step), (x + w / 2, y + i * step + w)) for i in range(n)]
    return shapes


def _metronome(x: float, y: float, w: float, h: float) -> list[Shape]:
    return [
        Shape(
            "line", ((x - w / 2, y), (x + w / 2, y), (x + w / 5, y + h), (x - w / 5, y + h)), 0.0
        ),
        _line((x, y + 0.02), (x + w / 3, y + h * 0.85)),
    ]


def _tape(x: float, y: float, w: float) -> list[Shape]:
    shapes = [_line((x - w / 2, y), (x + w / 2, y))]
    ticks = 6
    for i in range(ticks + 1):
        tx = x - w / 2 + w * i / ticks
        shapes.append(_line((tx, y), (tx, y + 0.02)))
    return shapes


def _phone(x: float, y: float, w: float, h: float) -> list[Shape]:
    """A phone on a tripod: the tripod legs and a small upright phone at height `h`."""
    return [
        _line((x - w, y), (x, y + h - 0.02), (x + w, y)),
        _line((x, y), (x, y + h - 0.02)),
        _rect(x - w / 3, y + h - 0.03, x + w / 3, y + h + 0.06),
    ]


#: kind -> (default width, default height)
DEFAULT_SIZE: dict[str, tuple[float, float]] = {
    "bench": (0.6, 0.26),
    "table": (0.7, 0.45),
    "wall": (0.05, 0.9),
    "chair": (0.26, 0.27),
    "block": (0.12, 0.05),
    "step": (0.3, 0.12),
    "mat": (1.1, 0.012),
    "cushion": (0.14, 0.04),
    "couch": (0.7, 0.25),
    "metronome": (0.1, 0.16),
    "tape": (0.2, 0.0),
    "phone": (0.05, 0.5),
}


def prop_shapes(prop: Prop, at: Point) -> list[Shape]:
    """Shapes for a prop whose anchor (bottom centre, or centre of a ball/roller) is `at`."""
    x, y = at
    if prop.kind == "ball":
        return [Shape("circle", (at,), prop.radius or 0.022, fill="ball")]
    if prop.kind == "roller":
        r = prop.radius or 0.045
        return [Shape("circle", (at,), r, fill="roller"), Shape("circle", (at,), r * 0.35)]
    w0, h0 = DEFAULT_SIZE[prop.kind]
    w, h = prop.width or w0, prop.height or h0
    if prop.kind in ("bench", "table"):
        return _table(x, y, w, h)
    if prop.kind == "chair":
        return _chair(x, y, w, h, prop.flip)
    if prop.kind == "couch":
        return _couch(x, y, w, h, prop.flip)
    if prop.kind == "wall":
        return _wall(x, y, w, h)
    if prop.kind == "metronome":
        return _metronome(x, y, w, h)
    if prop.kind == "tape":
        return _tape(x, y, w)
    if prop.kind == "phone":
        return _phone(x, y, w, h)
    return [_rect(x - w / 2, y, x + w / 2, y + h)]


def shape_points(shape: Shape) -> list[Point]:
    """Extreme points of a shape, for the picture's bounds."""
    if shape.kind == "circle":
        (cx, cy), r = shape.points[0], shape.radius
        return [(cx - r, cy - r), (cx + r, cy + r)]
    return list(shape.points)
