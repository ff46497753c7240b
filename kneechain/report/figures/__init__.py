"""Illustrations drawn from the project's own pose data (knowledge/data/illustrations.yaml)."""

from __future__ import annotations

from kneechain.knowledge.illustrations import IllustrationSet, default_illustrations
from kneechain.report.figures.svg import render_svg


def illustration_svg(
    illustration_id: str, title: str = "", figures: IllustrationSet | None = None
) -> str:
    """The SVG picture of one exercise or test, by its knowledge-base id."""
    figures = figures or default_illustrations()
    return render_svg(figures.get(illustration_id), figures, title)
