"""The questionnaire flow: which question comes next, checking an answer, going back, resuming,
and the case the answers make. Pure functions over immutable state, for every front end.

A front end (the terminal in `cli_questionnaire.py`, the web wizard) loops:

    qn = load_questionnaire(kb, rules)         # the knowledge base and rules in use
    state = start(qn)                          # or load_state(qn, path) to resume
    while (question := next_question(qn, state)) is not None:
        value = parse_answer(question, text)   # or a typed value from a form; None skips
        state = apply_answer(qn, state, question.id, value)   # KneechainError: say it, ask again
        save_state(state, path)
    hits = referral(qn, state)                 # red flags: the flow stopped early
    case = build_case(qn, state)

`go_back(qn, state)` forgets the last answer. A clip question takes a `ClipAnswer`: the front
end analyses the clip (`kneechain.assess.protocols.casevideo.film_clip`) and passes the result,
so the engine never runs the vision pipeline itself. Every refusal is a `KneechainError` with a
plain message (`field` is the question id); pydantic's wording never reaches a person.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kneechain.assess.case import Case, Measurement
from kneechain.assess.questionnaire import (
    UNIT_WORDS,
    AnyOf,
    Condition,
    Option,
    Question,
    Questionnaire,
    instance,
)
from kneechain.assess.redflags import red_flags
from kneechain.assess.result import RedFlagHit
from kneechain.errors import ErrorKind, KneechainError, validation_problems
from kneechain.knowledge.render import number


class ClipAnswer(BaseModel):
    """What one clip gave for one test: the values (case measurements with provenance `video`,
    quality and frames), the proof pictures written, and the protocol's warnings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    test_id: str
    file: str = Field(description="the clip as the person named it")
    view: str = Field(description="camera view found in the clip")
    measurements: list[Measurement] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list, description="proof-frame picture files")
    warnings: list[str] = Field(default_factory=list)


#: An answer: yes/no, a number, a choice value, several choice values, a clip, or None (skipped).
Answer = bool | int | float | str | list[str] | ClipAnswer | None


class FlowState(BaseModel):
    """The answers so far, in the order given (JSON-serialisable, to resume later)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(description="version of the questionnaire these answers belong to")
    answers: dict[str, Answer] = Field(default_factory=dict)
    order: list[str] = Field(default_factory=list)


YES_NO = [Option(value="yes", label="Yes"), Option(value="no", label="No")]


def _error(question: Question | None, message: str, kind: ErrorKind = ErrorKind.invalid_input):
    return KneechainError(
        "answer.invalid", message, field=question.id if question else None, kind=kind
    )


# --- which questions are asked ------------------------------------------------------------------


def _holds(cond: Condition | AnyOf, answers: dict[str, Answer]) -> bool:
    if isinstance(cond, AnyOf):
        return any(_holds(c, answers) for c in cond.any)
    if cond.given is not None:
        return (answers.get(cond.question) is not None) == cond.given
    if cond.question not in answers:
        return False
    value = answers[cond.question]
    if cond.equals is not None:
        return type(value) is type(cond.equals) and value == cond.equals
    if cond.one_of is not None:
        return isinstance(value, str) and value in cond.one_of
    return isinstance(value, list) and cond.includes in value


def _filmed(test_id: str | None, answers: dict[str, Answer]) -> set[tuple[str, str | None]]:
    """(measure, side) already measured by a clip of this test."""
    return {
        (m.measure, m.side)
        for value in answers.values()
        if isinstance(value, ClipAnswer) and value.test_id == test_id
        for m in value.measurements
    }


def _expanded(qn: Questionnaire, given: dict[str, Answer]) -> Iterator[Question]:
    """Every question in order, for_each templates expanded item by item (a run of templates
    over the same question is asked item-major: all questions about one item, then the next)."""
    questions = qn.questions
    i = 0
    while i < len(questions):
        q = questions[i]
        if not q.for_each:
            yield q
            i += 1
            continue
        group = [q]
        while i + len(group) < len(questions) and questions[i + len(group)].for_each == q.for_each:
            group.append(questions[i + len(group)])
        items = given.get(q.for_each)
        for item in items if isinstance(items, list) else []:
            for template in group:
                yield instance(template, item, qn)
        i += len(group)


def _walk(qn: Questionnaire, state: FlowState) -> tuple[list[Question], dict[str, Answer]]:
    """The questions asked with these answers (answered ones and those known to come), and the
    answers that count (answers to questions no longer asked are left out)."""
    asked: list[Question] = []
    counted: dict[str, Answer] = {}
    for q in _expanded(qn, counted):
        if not all(_holds(c, counted) for c in q.when):
            continue
        if q.skip_if_measured and (q.measure, q.side) in _filmed(q.test_id, counted):
            continue
        asked.append(q)
        if q.id in state.answers:
            counted[q.id] = state.answers[q.id]
    return asked, counted


def start(qn: Questionnaire) -> FlowState:
    """An empty questionnaire."""
    return FlowState(version=qn.spec.version)


def plan(qn: Questionnaire, state: FlowState) -> list[Question]:
    """The questions asked so far and those known to come (more appear as answers open
    follow-ups); for a progress display."""
    return _walk(qn, state)[0]


def referral(qn: Questionnaire, state: FlowState) -> list[RedFlagHit]:
    """The red flags the answers raise (most urgent first): when any, the flow has stopped and
    the person must see a clinician (the assessment's own red-flag logic decides)."""
    case = _case(qn, _walk(qn, state)[1], check=False)
    return red_flags(case, qn.rules, qn.kb) if case is not None else []


def next_question(qn: Questionnaire, state: FlowState) -> Question | None:
    """The question to ask now; None when the questionnaire is finished or a red flag stopped it."""
    asked, counted = _walk(qn, state)
    if referral(qn, state):
        return None
    return next((q for q in asked if q.id not in counted), None)


def is_finished(qn: Questionnaire, state: FlowState) -> bool:
    return next_question(qn, state) is None


def progress(qn: Questionnaire, state: FlowState) -> tuple[int, int]:
    """(answered, asked so far plus known to come)."""
    asked, counted = _walk(qn, state)
    return len(counted), len(asked)


# --- reading and checking one answer -----------------------------------------------------------


def choices(question: Question) -> list[Option]:
    """The answers offered, in order (yes/no questions get Yes and No); the multi_choice
    `none_option` is offered after them and means an empty list."""
    return YES_NO if question.kind == "yes_no" else list(question.options)


def _pick(question: Question, text: str) -> Option | None:
    """The option a person meant by its number or its label."""
    options = choices(question)
    if text.isdigit() and 1 <= int(text) <= len(options):
        return options[int(text) - 1]
    lowered = text.casefold()
    return next((o for o in options if o.label.casefold() == lowered), None)


def _range_words(question: Question) -> str:
    unit = f" {question.unit}" if question.unit else ""
    low, high = question.minimum, question.maximum
    if low is not None and high is not None:
        return f"from {number(low)} to {number(high)}{unit}"
    if low is not None:
        return f"of at least {number(low)}{unit}"
    return f"of at most {number(high or 0)}{unit}"


def parse_answer(question: Question, text: str) -> Answer:
    """What a typed answer means: a blank skips (None); yes/no as y, yes, n, no or the number
    shown; a choice by its number or label; several choices separated by commas; a number; a
    clip's path as text (analyse it, then pass the `ClipAnswer` to `apply_answer`)."""
    raw = text.strip()
    if raw == "":
        return None
    if question.kind == "clip":
        return raw
    if question.kind == "yes_no":
        lowered = raw.casefold()
        if lowered in ("y", "yes"):
            return True
        if lowered in ("n", "no"):
            return False
        picked = _pick(question, raw)
        if picked is None:
            raise _error(question, "Answer yes or no (y or n).")
        return picked.value == "yes"
    if question.kind in ("number", "integer"):
        return _parse_number(question, raw)
    if question.kind == "choice":
        picked = _pick(question, raw)
        if picked is None:
            raise _error(
                question, f"Choose one answer by its number, 1 to {len(question.options)}."
            )
        return picked.value
    return _parse_several(question, raw)


def _parse_number(question: Question, raw: str) -> int | float:
    text = raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        example = "35" if question.kind == "integer" else "12 or 12.5"
        raise _error(question, f"Type a number, for example {example}.")
    if question.kind == "integer":
        if not value.is_integer():
            raise _error(question, "Type a whole number, without a decimal point.")
        return int(value)
    return int(value) if value.is_integer() and "." not in text else value


def _parse_several(question: Question, raw: str) -> list[str]:
    options = question.options
    if question.none_option and (
        raw == str(len(options) + 1) or raw.casefold() == question.none_option.casefold()
    ):
        return []
    picked: list[str] = []
    for part in (p.strip() for p in raw.split(",")):
        option = _pick(question, part) if part else None
        if option is None:
            none = f", or {len(options) + 1} for none" if question.none_option else ""
            raise _error(
                question,
                f"Choose by number, 1 to {len(options)}{none}; separate several with commas (1,3).",
            )
        if option.value not in picked:
            picked.append(option.value)
    return picked


def _check(qn: Questionnaire, question: Question, value: Answer, counted: dict) -> Answer:
    """The answer, normalised, or a KneechainError saying in plain words what is wrong."""
    if value is None:
        if question.required:
            raise _error(question, "This question needs an answer: it checks your safety.")
        return None
    kind = question.kind
    if kind == "yes_no":
        if not isinstance(value, bool):
            raise _error(question, "Answer yes or no.")
        return value
    if kind in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _error(question, "Type a number.")
        if not math.isfinite(value):
            raise _error(question, "Type a number.")
        if kind == "integer":
            if not float(value).is_integer():
                raise _error(question, "Type a whole number, without a decimal point.")
            value = int(value)
        low, high = question.minimum, question.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            raise _error(
                question,
                f"{number(value)} is not possible here: give a number {_range_words(question)}.",
            )
        if question.not_above and isinstance(counted.get(question.not_above), int | float):
            limit = counted[question.not_above]
            if value > limit:
                raise _error(
                    question,
                    f"This cannot be higher than the {number(limit)} you gave for: "
                    f"{qn.question(question.not_above).text}",
                )
        return value
    if kind == "choice":
        if not isinstance(value, str) or value not in {o.value for o in question.options}:
            raise _error(question, "Choose one of the answers offered.")
        return value
    if kind == "multi_choice":
        allowed = {o.value for o in question.options}
        if not isinstance(value, list) or not all(
            isinstance(v, str) and v in allowed for v in value
        ):
            raise _error(question, "Choose from the answers offered.")
        if len(set(value)) != len(value):
            raise _error(question, "Choose each answer only once.")
        if not value and not question.none_option:
            raise _error(question, "Choose at least one answer, or skip the question.")
        return list(value)
    return _check_clip(qn, question, value)


def _check_clip(qn: Questionnaire, question: Question, value: Answer) -> ClipAnswer:
    if not isinstance(value, ClipAnswer):
        try:
            value = ClipAnswer.model_validate(value)
        except ValidationError as exc:
            raise _error(question, "The clip's result could not be read.") from exc
    test = qn.kb.tests[question.test_id or ""]
    measures = {m.id for m in test.measures}
    if value.test_id != test.id or any(m.measure not in measures for m in value.measurements):
        raise _error(question, f"This clip was measured for another test, not the {test.name}.")
    return value


def apply_answer(qn: Questionnaire, state: FlowState, question_id: str, value: Answer) -> FlowState:
    """The state with `value` as the answer to the current question (`question_id` must be the
    one `next_question` gives). KneechainError, nothing changed, when the answer is refused."""
    current = next_question(qn, state)
    if current is None or current.id != question_id:
        raise KneechainError(
            "answer.not_current",
            "That question is not the one being asked now; it may have been answered already.",
            field=question_id,
            kind=ErrorKind.conflict,
        )
    counted = _walk(qn, state)[1]
    checked = _check(qn, current, value, counted)
    new = FlowState(
        version=state.version,
        answers={**state.answers, question_id: checked},
        order=[*state.order, question_id],
    )
    try:
        _case(qn, _walk(qn, new)[1], check=True)
    except KneechainError as exc:
        raise _error(current, "This answer does not fit with your earlier answers.") from exc
    return new


def go_back(qn: Questionnaire, state: FlowState) -> FlowState:
    """The state without the last answer, so that question is asked again."""
    if not state.order:
        raise KneechainError(
            "answer.nothing_before", "This is the first question: there is nothing to go back to."
        )
    last = state.order[-1]
    answers = {k: v for k, v in state.answers.items() if k != last}
    return FlowState(version=state.version, answers=answers, order=state.order[:-1])


# --- the case --------------------------------------------------------------------------------


def _put(qn: Questionnaire, data: dict[str, Any], question: Question, value: Answer) -> None:
    """Set the case field of `question`; `a.b[].c` fields fill a list of items: the multi_choice
    question creates one item per chosen value, its for_each questions fill in that item."""
    head, listed, tail = (question.field or "").partition("[].")
    parts = head.split(".")
    target = data
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    if not listed:
        target[parts[-1]] = value
    elif question.for_each is None:
        target[parts[-1]] = [{tail: v} for v in value]  # type: ignore[union-attr]
    else:
        key = (qn.question(question.for_each).field or "").rsplit(".", 1)[-1]
        item = next(i for i in target.get(parts[-1], []) if i.get(key) == question.item)
        item[tail] = value


def case_data(qn: Questionnaire, counted: dict[str, Answer]) -> dict[str, Any]:
    """The answers as a case document (not yet validated)."""
    data: dict[str, Any] = {}
    measurements: list[dict[str, Any]] = []
    for question in _expanded(qn, counted):
        value = counted.get(question.id)
        if value is None:
            continue
        if isinstance(value, ClipAnswer):
            new = [m.model_dump(mode="json", exclude_none=True) for m in value.measurements]
            covered = {(m["measure"], m.get("side")) for m in new}
            measurements = [m for m in measurements if (m["measure"], m.get("side")) not in covered]
            measurements += new
        elif question.measure:
            entry = {"measure": question.measure, "value": value}
            entry |= {"side": question.side} if question.side else {}
            measurements.append(entry | {"provenance": question.provenance or "manual"})
        elif question.field:
            _put(qn, data, question, value)
    if measurements:
        data["measurements"] = measurements
    return data


def _case(qn: Questionnaire, counted: dict[str, Answer], check: bool) -> Case | None:
    try:
        return Case.model_validate(case_data(qn, counted))
    except ValidationError as exc:
        if not check:
            return None
        raise KneechainError(
            "answers.invalid",
            "The answers do not make a valid case.",
            problems=validation_problems(exc, Case),
        ) from exc


def build_case(qn: Questionnaire, state: FlowState, assessed_on: date | None = None) -> Case:
    """The case the answers make (also from an unfinished or referred questionnaire), dated
    `assessed_on` when given (the day the questionnaire was finished)."""
    case = _case(qn, _walk(qn, state)[1], check=True)
    assert case is not None
    return case if assessed_on is None else case.model_copy(update={"assessed_on": assessed_on})


# --- saving and resuming -----------------------------------------------------------------------


def state_json(state: FlowState) -> str:
    return state.model_dump_json(indent=2) + "\n"


def parse_state(qn: Questionnaire, text: str, source: str = "saved answers") -> FlowState:
    """Saved answers, replayed through the flow so that each is checked again; KneechainError
    when they cannot be used (damaged, or from another version of the questionnaire)."""
    try:
        saved = FlowState.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise KneechainError(
            "answers.damaged", f"{source} cannot be read: the file is damaged."
        ) from exc
    if saved.version != qn.spec.version:
        raise KneechainError(
            "answers.other_version",
            f"{source} belong to another version of the questionnaire.",
            kind=ErrorKind.conflict,
        )
    state = start(qn)
    for question_id in saved.order:
        if question_id not in saved.answers:
            raise KneechainError("answers.damaged", f"{source} cannot be read: one is missing.")
        try:
            state = apply_answer(qn, state, question_id, saved.answers[question_id])
        except KneechainError as exc:
            raise KneechainError(
                "answers.damaged", f"{source} no longer fit the questionnaire: {exc.message}"
            ) from exc
    return state


def save_state(state: FlowState, path: Path) -> None:
    """Write the answers so far (atomically: an interruption never leaves half a file)."""
    part = path.with_name(path.name + ".part")
    part.write_text(state_json(state), encoding="utf-8")
    os.replace(part, path)


def load_state(qn: Questionnaire, path: Path) -> FlowState | None:
    """Saved answers from `path`, or None when there is no such file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise KneechainError("answers.damaged", f"{path} cannot be read.") from exc
    return parse_state(qn, text, str(path))


# --- words for people -------------------------------------------------------------------------


def answer_text(question: Question, value: Answer) -> str:
    """An answer as a person reads it (labels, never stored values)."""
    if value is None:
        return "skipped"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return f"{number(value)} {question.unit or ''}".rstrip()
    if isinstance(value, ClipAnswer):
        return f"clip {value.file}"
    labels = {o.value: o.label for o in question.options}
    if isinstance(value, list):
        return ", ".join(labels.get(v, v) for v in value) or (question.none_option or "none")
    return labels.get(value, value)


def clip_summary(qn: Questionnaire, clip: ClipAnswer) -> list[str]:
    """What a clip gave, one line each: every value with its quality, then the proof pictures
    and the warnings, in plain words."""
    specs = {m.id: m for t in qn.kb.tests.values() for m in t.measures}
    lines: list[str] = []
    for m in clip.measurements:
        spec = specs[m.measure]
        side = f", {m.side} side" if m.side else ""
        unit = UNIT_WORDS[spec.unit]
        value = f"{number(round(m.value, 1))} {unit}".rstrip()
        quality = ""
        if m.quality is not None:
            verdict = (
                "good"
                if m.quality >= 0.7
                else (
                    "fair"
                    if m.quality >= qn.rules.min_quality
                    else "low: this value counts for less"
                )
            )
            reps = f"; {m.repetitions} repetitions or steps" if m.repetitions else ""
            quality = f" (quality {m.quality:.2f}, {verdict}{reps})"
        lines.append(f"{spec.name}{side}: {value}{quality}")
    if not clip.measurements:
        lines.append("The clip gave no values for this test.")
    lines += [f"Proof picture: {path}" for path in clip.evidence]
    lines += [f"Note: {_named(w, specs)}" for w in clip.warnings]
    return lines


def _named(text: str, specs: dict[str, Any]) -> str:
    """`text` with every measure id replaced by the measure's name."""
    return re.sub(
        r"\b[a-z][a-z0-9_]*\b", lambda m: specs[m[0]].name if m[0] in specs else m[0], text
    )
