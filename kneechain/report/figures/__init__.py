"""Illustrations drawn from the project's own pose data (knowledge/data/illustrations.yaml)."""

from __future__ import annotations

from kneechain.knowledge.illustrations import IllustrationSet
from kneechain.report.figures.svg import render_svg


def illustration_svg(illustration_id: str, figures: IllustrationSet, title: str = "") -> str:
    """The SVG picture of one exercise or test, by its knowledge-base id, drawn from `figures`
    (the illustrations of the domain in use: services pass `ctx.domain.illustrations`)."""
    return render_svg(figures.get(illustration_id), figures, title)
