"""Draw an illustration to SVG: start pose, end pose (start as a faint ghost), props, arrows.

Pictures with an end pose get two panels numbered 1 and 2; holds get one panel. The SVG is plain
(no scripts, no external references, no text but the panel numbers) so it embeds in HTML and PDF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from kneechain.knowledge.illustrations import Arrow, Figure, Illustration, IllustrationSet, Place
from kneechain.report.figures.body import (
    SEGMENT_ENDS,
    Point,
    Skeleton,
    bounds,
    heading,
    place_pose,
)
from kneechain.report.figures.props import Shape, prop_shapes, shape_points

PAD = 0.06
GAP = 0.08


@dataclass(frozen=True)
class Posed:
    """Every figure of a scene placed in its start and end pose (end = start for a hold)."""

    start: dict[str, Skeleton]
    end: dict[str, Skeleton]
    moves: bool


def pose_scene(illus: Illustration, figures: IllustrationSet) -> Posed:
    start: dict[str, Skeleton] = {}
    end: dict[str, Skeleton] = {}
    for fig in illus.figures:
        start[fig.id] = place_pose(figures.body, fig, fig.start)
        end[fig.id] = place_pose(figures.body, fig, fig.end) if fig.end else start[fig.id]
    return Posed(start, end, any(f.end is not None for f in illus.figures))


def resolve(place: Place, posed: Posed) -> Point:
    """The scene point a place names."""
    if place.at is not None:
        return (place.at[0] + place.dx, place.at[1] + place.dy)
    skeletons = posed.start if place.pose == "start" else posed.end
    x, y = skeletons[place.figure][place.point or "pelvis"]
    return (x + place.dx, y + place.dy)


class Canvas:
    """Scene-to-pixel mapping for one panel and the SVG elements drawn on it."""

    def __init__(self, box: tuple[float, float, float, float], ppu: float, offset_px: float):
        self.box, self.ppu, self.offset = box, ppu, offset_px
        self.parts: list[str] = []

    def xy(self, p: Point) -> tuple[float, float]:
        return ((p[0] - self.box[0]) * self.ppu + self.offset, (self.box[3] - p[1]) * self.ppu)

    def px(self, length: float) -> float:
        return length * self.ppu

    def line(self, points: list[Point], color: str, width: float, extra: str = "") -> None:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(self.xy, points))
        self.parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{color}" '
            f'stroke-width="{self.px(width):.1f}" stroke-linecap="round" '
            f'stroke-linejoin="round"{extra}/>'
        )

    def circle(self, c: Point, r: float, fill: str, stroke: str, width: float) -> None:
        x, y = self.xy(c)
        self.parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{self.px(r):.1f}" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{self.px(width):.1f}"/>'
        )

    def polygon(self, points: list[Point], fill: str, stroke: str, width: float) -> None:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(self.xy, points))
        self.parts.append(
            f'<polygon points="{coords}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{self.px(width):.1f}" stroke-linejoin="round"/>'
        )


def _fill(shape: Shape, figures: IllustrationSet) -> str:
    style = figures.style
    return {
        "prop": style.prop_fill,
        "ball": style.ball,
        "roller": style.roller,
        "none": "none",
    }[shape.fill]


def draw_shape(canvas: Canvas, shape: Shape, figures: IllustrationSet) -> None:
    style = figures.style
    if shape.kind == "circle":
        canvas.circle(shape.points[0], shape.radius, _fill(shape, figures), style.prop, 0.006)
    elif shape.kind == "rect":
        (x0, y0), (x1, y1) = shape.points
        corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        canvas.polygon(corners, _fill(shape, figures), style.prop, 0.006)
    else:
        canvas.line(list(shape.points), style.prop, 0.006)


def draw_figure(
    canvas: Canvas, fig: Figure, sk: Skeleton, figures: IllustrationSet, ghost: bool
) -> None:
    """Far limbs, trunk and head, then near limbs; a ghost is drawn in one faint colour."""
    style, body = figures.style, figures.body
    near = style.ghost if ghost else style.near
    far = style.ghost if ghost else style.far
    limb = style.limb_width
    opacity = ' stroke-opacity="0.55"' if ghost else ""
    order = ["thigh_far", "shin_far", "foot_far", "upper_arm_far", "forearm_far"]
    for name in order:
        a, b = SEGMENT_ENDS[name]
        canvas.line([sk[a], sk[b]], far, limb, opacity)
    if fig.view == "front":
        hips = [sk["hip_near"], sk["hip_far"], sk["shoulder_far"], sk["shoulder_near"]]
        canvas.polygon(hips, near, near, limb * 0.8)
    else:
        canvas.line([sk["pelvis"], sk["shoulder"]], near, style.trunk_width, opacity)
    canvas.circle(sk["head"], body.head_radius, "white" if ghost else near, near, limb * 0.5)
    for name in ("thigh_near", "shin_near", "foot_near", "upper_arm_near", "forearm_near"):
        a, b = SEGMENT_ENDS[name]
        canvas.line([sk[a], sk[b]], near, limb, opacity)
    if not ghost:
        for name in fig.highlight:
            a, b = SEGMENT_ENDS[name]
            canvas.line([sk[a], sk[b]], style.highlight, limb * 0.45, ' stroke-opacity="0.9"')


def arrow_path(a: Point, b: Point, bend: float, steps: int = 16) -> list[Point]:
    """Points along a quadratic curve from a to b bulging `bend` x length to the left of a->b."""
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    dx, dy = b[0] - a[0], b[1] - a[1]
    c = (mx - dy * bend, my + dx * bend)
    out = []
    for i in range(steps + 1):
        t = i / steps
        out.append(
            (
                (1 - t) ** 2 * a[0] + 2 * (1 - t) * t * c[0] + t**2 * b[0],
                (1 - t) ** 2 * a[1] + 2 * (1 - t) * t * c[1] + t**2 * b[1],
            )
        )
    return out


def arrow_head(tip: Point, before: Point, size: float) -> list[Point]:
    """A triangle pointing from `before` to `tip`."""
    angle = math.degrees(math.atan2(tip[1] - before[1], tip[0] - before[0]))
    return [tip, heading(tip, angle + 155, size), heading(tip, angle - 155, size)]


def draw_arrow(canvas: Canvas, arrow: Arrow, posed: Posed, figures: IllustrationSet) -> None:
    path = arrow_path(resolve(arrow.start, posed), resolve(arrow.end, posed), arrow.bend)
    color, size = figures.style.arrow, 0.035
    canvas.line(path[1:-1], color, 0.012)
    canvas.polygon(arrow_head(path[-1], path[-3], size), color, color, 0.004)
    if arrow.both:
        canvas.polygon(arrow_head(path[0], path[2], size), color, color, 0.004)


def scene_box(illus: Illustration, posed: Posed, figures: IllustrationSet) -> tuple[float, ...]:
    """Bounds that hold every pose, prop and arrow, so both panels share one frame."""
    r = figures.body.head_radius
    pts: list[Point] = []
    for sk in [*posed.start.values(), *posed.end.values()]:
        pts += list(sk.points.values())
        hx, hy = sk["head"]
        pts += [(hx - r, hy - r), (hx + r, hy + r)]
    for prop in illus.props:
        for shape in prop_shapes(prop, resolve(prop.place, posed)):
            pts += shape_points(shape)
    for arrow in illus.arrows:
        pts += arrow_path(resolve(arrow.start, posed), resolve(arrow.end, posed), arrow.bend)
    if illus.floor:
        pts.append((pts[0][0], 0.0))
    return bounds(pts, PAD)


def _panel(
    canvas: Canvas, illus: Illustration, posed: Posed, figures: IllustrationSet, final: bool
) -> None:
    box = canvas.box
    if illus.floor:
        canvas.line([(box[0] + 0.01, 0.0), (box[2] - 0.01, 0.0)], figures.style.floor, 0.01)
    for prop in illus.props:
        for shape in prop_shapes(prop, resolve(prop.place, posed)):
            draw_shape(canvas, shape, figures)
    for fig in illus.figures:
        if final and posed.moves and fig.end is not None:
            draw_figure(canvas, fig, posed.start[fig.id], figures, ghost=True)
        sk = posed.end[fig.id] if final else posed.start[fig.id]
        draw_figure(canvas, fig, sk, figures, ghost=False)
    if final:
        for arrow in illus.arrows:
            draw_arrow(canvas, arrow, posed, figures)


def _label(canvas: Canvas, number: int) -> None:
    x, y = canvas.offset + 14, 18
    canvas.parts.append(
        f'<circle cx="{x}" cy="{y - 5}" r="10" fill="#495057"/>'
        f'<text x="{x}" y="{y}" font-family="sans-serif" font-size="14" fill="white" '
        f'text-anchor="middle">{number}</text>'
    )


def render_svg(illus: Illustration, figures: IllustrationSet, title: str = "") -> str:
    """The illustration as a standalone SVG document."""
    posed = pose_scene(illus, figures)
    box = scene_box(illus, posed, figures)
    ppu = figures.style.pixels_per_unit
    panel_w = (box[2] - box[0]) * ppu
    height = (box[3] - box[1]) * ppu
    panels = 2 if posed.moves else 1
    gap = GAP * ppu
    width = panel_w * panels + gap * (panels - 1)
    parts: list[str] = []
    for index in range(panels):
        canvas = Canvas(box, ppu, index * (panel_w + gap))
        _panel(canvas, illus, posed, figures, final=index == panels - 1)
        if panels > 1:
            _label(canvas, index + 1)
        parts += canvas.parts
    if panels > 1:
        x = panel_w + gap / 2
        parts.insert(
            0,
            f'<line x1="{x:.1f}" y1="8" x2="{x:.1f}" y2="{height - 8:.1f}" '
            'stroke="#dee2e6" stroke-width="1.5"/>',
        )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" role="img">'
    )
    title_el = f"<title>{escape(title or illus.id)}</title>"
    return head + title_el + "".join(parts) + "</svg>"
