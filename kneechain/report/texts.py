"""The handout's and the calendar's own wording (data/handout.yaml), validated."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kneechain.base import Frozen
from kneechain.knowledge.loader import load_document

TEXTS_PATH = Path(__file__).parent / "data" / "handout.yaml"


class CalendarTexts(Frozen):
    name: str
    session_summary: str
    retest_summary: str
    session_intro: str
    week_heading: str
    stop_heading: str
    running_heading: str


class HandoutTexts(Frozen):
    title: str
    weekday: dict[str, str]
    urgency: dict[str, str]
    adjust_down: str
    adjust_up: str
    calendar: CalendarTexts


@cache
def handout_texts() -> HandoutTexts:
    """The packaged wording, loaded once."""
    return load_document(HandoutTexts, TEXTS_PATH)
