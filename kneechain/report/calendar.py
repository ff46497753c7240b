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


def week_items(program: Program, week: int) -> list[str]:
    """What the week-by-week plan says for program week `week` (1-based): the items of the
    last plan step that has started by then."""
    started = [step for step in program.plan if step.week <= week]
    return max(started, key=lambda step: step.week).items if started else []


def _description(day: DayType, program: Program, week: int, first_of_week: bool) -> str:
    """A session's text: the routine with its doses, what this week changes, the running
    advice (on the week's first session) and, always, when to stop."""
    texts = handout_texts().calendar
    lines = [
        texts.session_intro.format(description=day.description, minutes=max(1, round(day.minutes)))
    ]
    for n, ex_id in enumerate(day.exercise_ids, start=1):
        p = program.exercise(ex_id)
        lines.append(f"{n}. {p.name}: {p.dosage_text}")
        if p.emphasis_text:
            lines.append(f"   {p.emphasis_text}")
    items = week_items(program, week)
    if items:
        lines += ["", texts.week_heading.format(week=week, weeks=program.weeks)]
        lines += [f"- {item}" for item in items]
    if first_of_week and program.running:
        lines += ["", texts.running_heading, *(f"- {a}" for a in program.running.advice)]
    if program.stop_rule:
        lines += ["", texts.stop_heading, program.stop_rule]
    return "\n".join(lines)


def session_dates(program: Program) -> list[tuple[date, DayType]]:
    """Every calendar session: (date, day type), week by week from the start date."""
    return [(day, kind) for day, kind, _ in _sessions(program)]


def _sessions(program: Program) -> list[tuple[date, DayType, int]]:
    """Every calendar session with its program week (1-based, counted from the start date)."""
    types = {d.id: d for d in program.day_types if d.in_calendar}
    offset = program.start_date.weekday()
    out = []
    for week in range(program.weeks):
        for index, plan in enumerate(program.week):
            if plan.day_type in types:
                day = program.start_date + timedelta(days=week * 7 + (index - offset) % 7)
                out.append((day, types[plan.day_type], week + 1))
    return sorted(out, key=lambda item: item[0])


def _stamp(program: Program) -> datetime:
    return datetime.combine(program.start_date, time(0, 0))


def _session_event(
    program: Program, day: date, kind: DayType, week: int, first_of_week: bool
) -> Event:
    hour, minute = (int(x) for x in program.session_time.split(":"))
    start = datetime.combine(day, time(hour, minute))
    event = Event()
    event.add("uid", f"kneechain-{program.start_date.isoformat()}-{day.isoformat()}-{kind.id}")
    event.add("dtstamp", _stamp(program))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=max(5, math.ceil(kind.minutes))))
    event.add("summary", handout_texts().calendar.session_summary.format(day=kind.name))
    event.add("description", _description(kind, program, week, first_of_week))
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
    weeks_seen: set[int] = set()
    for day, kind, week in _sessions(program):
        cal.add_component(_session_event(program, day, kind, week, week not in weeks_seen))
        weeks_seen.add(week)
    for event in _retest_events(program):
        cal.add_component(event)
    return cal.to_ical()
