"""Build a case by asking questions in the terminal, red flags first, each answer checked at once.

Each answer is validated by the same pydantic models as a case file (ranges, known ids, and the
contradiction checks), so an invalid answer is explained and asked again. A blank answer skips an
optional question. When a red flag is present no tests are asked: the person must see a clinician.
The wording lives in data/questions.yaml and in the knowledge base.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, get_args

import typer
from pydantic import BaseModel, ConfigDict, ValidationError

from kneechain.assess.case import Activity, Case, Complaint, Measurement, PainLocation, Person
from kneechain.assess.caseio import describe_error
from kneechain.assess.redflags import AGE_AFTER_INJURY, red_flags
from kneechain.assess.rules import default_rules
from kneechain.knowledge.loader import KnowledgeBase, load_document
from kneechain.knowledge.models import OutcomeItem, Test

QUESTIONS_PATH = Path(__file__).parent / "data" / "questions.yaml"
M = TypeVar("M", bound=BaseModel)
YES = {"y", "yes"}
NO = {"n", "no"}


class Questions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    intro: dict[str, str]
    ask: dict[str, str]


@cache
def questions() -> Questions:
    """The questionnaire wording, validated."""
    return load_document(Questions, QUESTIONS_PATH)


def _q(key: str, **values: object) -> str:
    return questions().ask[key].format(**values)


def _prompt(question: str, parse: Callable[[str], Any]) -> Any:
    """Ask until `parse` accepts the answer; `parse` raises typer.BadParameter to re-ask."""
    return typer.prompt(question, default="", show_default=False, value_proc=parse)


def _parse_yes_no(text: str) -> bool | None:
    answer = text.strip().lower()
    if answer in YES:
        return True
    if answer in NO:
        return False
    if answer == "":
        return None
    raise typer.BadParameter("answer y or n (or leave blank if you do not know)")


def yes_no(question: str) -> bool | None:
    """y / n, or blank for 'don't know'."""
    return _prompt(f"{question} [y/n]", _parse_yes_no)


def _is_list(model: type[BaseModel], name: str) -> bool:
    return "list[" in str(model.model_fields[name].annotation)


def field(model: type[M], name: str, partial: dict[str, Any], where: str, **fmt: object) -> Any:
    """Ask one field of `model`, validated together with the fields already answered."""

    def parse(text: str) -> Any:
        raw = text.strip()
        if raw == "":
            return None
        value: Any = [s.strip() for s in raw.split(",") if s.strip()]
        if not _is_list(model, name):
            value = raw
        try:
            model.model_validate({**partial, name: value})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise typer.BadParameter(
                describe_error({**first, "loc": (where, *first["loc"])})
            ) from exc
        return value

    value = _prompt(_q(f"{where}.{name}", **fmt), parse)
    if value is not None:
        partial[name] = value
    return value


def flag(partial: dict[str, Any], name: str, where: str) -> None:
    """Ask a yes/no field and store it when answered."""
    answer = yes_no(_q(f"{where}.{name}"))
    if answer is not None:
        partial[name] = answer


def ask_red_flags(kb: KnowledgeBase, person: dict[str, Any], complaint: dict[str, Any]) -> dict:
    """The Ottawa background (age, injury) and every red-flag question; returns the answers."""
    typer.echo(questions().intro["red_flags"])
    field(Person, "age", person, "person")
    flag(complaint, "started_with_injury", "complaint")
    answers: dict[str, bool] = {}
    for red_flag in kb.red_flags.values():
        if red_flag.id == AGE_AFTER_INJURY:
            continue  # follows from age and injury
        answer = yes_no(red_flag.question)
        if answer is not None:
            answers[red_flag.id] = answer
    return answers


def ask_activities() -> list[dict[str, Any]]:
    kinds = ", ".join(get_args(Activity.model_fields["kind"].annotation))
    activities: list[dict[str, Any]] = []
    while True:
        act: dict[str, Any] = {}
        if field(Activity, "kind", act, "activity", choices=kinds) is None:
            return activities
        field(Activity, "hours_per_week", act, "activity")
        flag(act, "includes_mobility_work", "activity")
        flag(act, "includes_hip_strength_work", "activity")
        activities.append(act)


def ask_person(person: dict[str, Any]) -> None:
    typer.echo("\n" + questions().intro["person"])
    for name in ("sex", "sitting_hours_per_day", "high_heels_days_per_week"):
        field(Person, name, person, "person")
    flag(person, "tight_calves", "person")
    for name in ("previous_ankle_injury", "previous_knee_injury"):
        field(Person, name, person, "person")
    person["activities"] = ask_activities()


def ask_complaint(complaint: dict[str, Any]) -> None:
    typer.echo("\n" + questions().intro["complaint"])
    field(Complaint, "side", complaint, "complaint")
    field(Complaint, "locations", complaint, "complaint", choices=", ".join(get_args(PainLocation)))
    for name in ("duration_weeks", "nprs_worst", "nprs_now", "nprs_activity"):
        field(Complaint, name, complaint, "complaint")


def ask_signs(kb: KnowledgeBase) -> dict[str, bool]:
    typer.echo("\n" + questions().intro["signs"])
    answers: dict[str, bool] = {}
    for sign in sorted(kb.signs.values(), key=lambda s: s.number):
        answer = yes_no(sign.question)
        if answer is not None:
            answers[sign.id] = answer
    return answers


def _option_parser(item: OutcomeItem) -> Callable[[str], str | None]:
    options = [o.id for o in item.options]

    def parse(text: str) -> str | None:
        raw = text.strip()
        if raw == "":
            return None
        if raw.isdigit() and 1 <= int(raw) <= len(options):
            return options[int(raw) - 1]
        raise typer.BadParameter(f"choose a number from 1 to {len(options)}")

    return parse


def ask_kujala(kb: KnowledgeBase) -> dict[str, str]:
    if not yes_no("\n" + _q("kujala.start")):
        return {}
    answers: dict[str, str] = {}
    for item in kb.outcomes["kujala"].items:
        typer.echo(item.question)
        for i, option in enumerate(item.options, start=1):
            typer.echo(f"  {i}. {option.text}")
        choice = _prompt(_q("kujala.choice"), _option_parser(item))
        if choice is not None:
            answers[item.id] = choice
    return answers


def ask_test(test: Test) -> list[dict[str, Any]]:
    """The values of one test's measures, per side, for a test the person did."""
    out: list[dict[str, Any]] = []
    for measure in test.measures:
        for side in ("left", "right") if measure.per_side else (None,):
            entry: dict[str, Any] = {"measure": measure.id}
            if side:
                entry["side"] = side
            fmt = {
                "measure": measure.name,
                "side": f", {side}" if side else "",
                "unit": measure.unit,
                "low": f"{measure.valid_min:g}",
                "high": f"{measure.valid_max:g}",
            }
            question = _q("test.value", **fmt)
            if _ask_value(entry, question) is not None:
                out.append(entry)
    return out


def _ask_value(entry: dict[str, Any], question: str) -> Any:
    def parse(text: str) -> Any:
        raw = text.strip()
        if raw == "":
            return None
        try:
            Measurement.model_validate({**entry, "value": raw})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise typer.BadParameter(describe_error({**first, "loc": ("measurement",)})) from exc
        return raw

    value = _prompt(question, parse)
    if value is not None:
        entry["value"] = value
    return value


def ask_measurements(kb: KnowledgeBase) -> list[dict[str, Any]]:
    typer.echo("\n" + questions().intro["tests"])
    measurements: list[dict[str, Any]] = []
    for test in kb.tests.values():
        if yes_no(_q("test.done", test=test.name)):
            measurements.extend(ask_test(test))
    return measurements


def interview(kb: KnowledgeBase) -> Case:
    """Ask every question in order and return the validated case.

    Red flags come first; when one is present the person is told at once to see a clinician, the
    background questions are still asked (useful to that clinician), and no tests are asked.
    """
    person: dict[str, Any] = {}
    complaint: dict[str, Any] = {}
    flags = ask_red_flags(kb, person, complaint)
    data: dict[str, Any] = {"person": person, "complaint": complaint, "red_flags": flags}
    refer = bool(red_flags(Case.model_validate(data), default_rules(), kb))
    if refer:
        typer.echo("\n" + questions().intro["refer"])
    ask_person(person)
    ask_complaint(complaint)
    if refer:
        return Case.model_validate(data)
    data["signs"] = ask_signs(kb)
    kujala = ask_kujala(kb)
    if kujala:
        data["outcomes"] = {"kujala": kujala}
    data["measurements"] = ask_measurements(kb)
    return Case.model_validate(data)
