"""The program as an iCalendar file: one event per session over the program's weeks, plus re-tests.

Events are in floating local time (the person's own clock), and every field is derived from the
program, so the same program always gives the same file (UIDs and time stamps included).
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

from icalendar import Calendar, Event

from kneechain.program.models import DayType, Program
from kneechain.report.texts import handout_texts


def _description(day: DayType, program: Program) -> str:
    texts = handout_texts().calendar
    lines = [texts.session_intro.format(description=day.description, minutes=f"{day.minutes:g}")]
    for n, ex_id in enumerate(day.exercise_ids, start=1):
        p = program.exercise(ex_id)
        lines.append(f"{n}. {p.name}: {p.dosage_text}")
        if p.emphasis_text:
            lines.append(f"   {p.emphasis_text}")
    return "\n".join(lines)


def session_dates(program: Program) -> list[tuple[date, DayType]]:
    """Every calendar session: (date, day type), week by week from the start date."""
    types = {d.id: d for d in program.day_types if d.in_calendar}
    offset = program.start_date.weekday()
    out = []
    for week in range(program.weeks):
        for index, plan in enumerate(program.week):
            if plan.day_type in types:
                day = program.start_date + timedelta(days=week * 7 + (index - offset) % 7)
                out.append((day, types[plan.day_type]))
    return sorted(out, key=lambda item: item[0])


def _stamp(program: Program) -> datetime:
    return datetime.combine(program.start_date, time(0, 0))


def _session_event(program: Program, day: date, kind: DayType) -> Event:
    hour, minute = (int(x) for x in program.session_time.split(":"))
    start = datetime.combine(day, time(hour, minute))
    event = Event()
    event.add("uid", f"kneechain-{program.start_date.isoformat()}-{day.isoformat()}-{kind.id}")
    event.add("dtstamp", _stamp(program))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=max(5, math.ceil(kind.minutes))))
    event.add("summary", handout_texts().calendar.session_summary.format(day=kind.name))
    event.add("description", _description(kind, program))
    return event


def _retest_events(program: Program) -> list[Event]:
    events = []
    for item in program.retests:
        for week, day in zip(item.weeks, item.dates, strict=True):
            event = Event()
            event.add(
                "uid", f"kneechain-{program.start_date.isoformat()}-retest-{item.test_id}-{week}"
            )
            event.add("dtstamp", _stamp(program))
            event.add("dtstart", day)
            event.add("dtend", day + timedelta(days=1))
            event.add("summary", handout_texts().calendar.retest_summary.format(test=item.name))
            event.add("description", item.text)
            events.append(event)
    return events


def render_ics(program: Program) -> bytes:
    """The calendar file; empty of events for a referral or when there is nothing to do."""
    cal = Calendar()
    cal.add("prodid", "-//kneechain//program//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", handout_texts().calendar.name)
    for day, kind in session_dates(program):
        cal.add_component(_session_event(program, day, kind))
    for event in _retest_events(program):
        cal.add_component(event)
    return cal.to_ical()
