"""A clinician's changes to a generated program: swap, remove, add or re-dose an exercise.

Each edit is applied to a `Program` and gives a new `Program` whose `version` is one higher and
whose `edits` list ends with the change and its note; the original is never changed. Session
times are worked out again from the knowledge base, so a day's minutes stay true.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kneechain.errors import KneechainError
from kneechain.knowledge.loader import KnowledgeBase
from kneechain.program.models import DayType, EditNote, FindingSummary, Prescription, Program
from kneechain.program.prescribe import order_key, prescription
from kneechain.program.rules import ProgramRules
from kneechain.program.schedule import day_description

Action = Literal["swap", "remove", "add", "redose"]


class ProgramEdit(BaseModel):
    """One change. `exercise` names the exercise in the program (its id or its name);
    `new_exercise` the one swapped or added in; `finding` the finding an added exercise treats;
    `dose` the new dose in plain words for a re-dose."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Action
    exercise: str = Field(min_length=1, max_length=200)
    new_exercise: str | None = Field(None, max_length=200)
    finding: str | None = Field(None, max_length=200)
    dose: str | None = Field(None, max_length=300)
    note: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def _complete(self) -> ProgramEdit:
        needs = {"swap": "new_exercise", "redose": "dose"}.get(self.action)
        if needs and not getattr(self, needs):
            raise ValueError(f"a {self.action} needs {needs.replace('_', ' ')}")
        return self


def _key(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").lower().split())


def find_exercise(kb: KnowledgeBase, text: str) -> str:
    """A knowledge-base exercise id from its id or its name (any case, spaces or underscores)."""
    wanted = _key(text)
    for ex in kb.exercises.values():
        if wanted in (_key(ex.id), _key(ex.name)):
            return ex.id
    raise KneechainError(
        "exercise.unknown",
        f"No exercise is called {text!r}.",
        hint="Use a name from the exercise list of the knowledge base.",
        field="exercise",
    )


def _in_program(program: Program, kb: KnowledgeBase, text: str) -> Prescription:
    exercise_id = find_exercise(kb, text)
    for p in program.exercises:
        if p.exercise_id == exercise_id:
            return p
    names = ", ".join(p.name for p in program.exercises)
    raise KneechainError(
        "program.exercise_absent",
        f"{kb.exercises[exercise_id].name} is not in this program.",
        hint=f"Its exercises are: {names}.",
        field="exercise",
    )


def _prescription(
    exercise_id: str, like: Prescription, kb: KnowledgeBase, rules: ProgramRules
) -> Prescription:
    """A prescription of another exercise for the same reasons (and side emphasis)."""
    ex = kb.exercises[exercise_id]
    emphasis = like.emphasis_side if ex.dosage.per_side else None
    return prescription(
        ex,
        list(like.reasons),
        kb,
        rules,
        score=like.score,
        emphasis_side=emphasis,
        emphasis_text=like.emphasis_text if emphasis else None,
    )


def _replace_ids(ids: list[str], old: str, new: str | None) -> list[str]:
    out = [new if i == old else i for i in ids if i != old or new is not None]
    return list(dict.fromkeys(x for x in out if x is not None))


def _days(
    program: Program,
    exercises: list[Prescription],
    old: str | None,
    new: str | None,
    add_to: frozenset[str] = frozenset(),
    rules: ProgramRules | None = None,
) -> list[DayType]:
    """Day types with `old` replaced by `new` (removed when `new` is None); with no `old`, `new`
    is added to the day types named in `add_to`. Each day's minutes are summed again."""
    by_id = {p.exercise_id: p for p in exercises}
    days = []
    for day in program.day_types:
        ids = list(day.exercise_ids)
        if old is not None:
            ids = _replace_ids(ids, old, new)
        elif new is not None and day.id in add_to:
            ids.append(new)
        ids.sort(key=lambda i: order_key(by_id[i]))
        total = round(sum(by_id[i].minutes for i in ids), 1)
        update: dict[str, object] = {"exercise_ids": ids, "minutes": total}
        if rules is not None and any(d.id == day.id for d in rules.day_types):
            update["description"] = day_description(day.id, [by_id[i] for i in ids], rules)
        days.append(day.model_copy(update=update))
    return days


def _findings(findings: list[FindingSummary], old: str, new: str | None) -> list[FindingSummary]:
    return [
        f.model_copy(update={"exercise_ids": _replace_ids(list(f.exercise_ids), old, new)})
        for f in findings
    ]


def _finding_for(program: Program, kb: KnowledgeBase, text: str | None) -> FindingSummary:
    if not program.findings:
        raise KneechainError(
            "program.no_findings",
            "This program treats no finding, so an exercise cannot be added to it.",
        )
    if text is None:
        return program.findings[0]
    wanted = _key(text)
    for f in program.findings:
        if wanted in (_key(f.finding_id), _key(f.name)):
            return f
    names = ", ".join(f.name for f in program.findings)
    raise KneechainError(
        "program.finding_absent",
        f"This program treats no finding called {text!r}.",
        hint=f"It treats: {names}.",
        field="finding",
    )


def apply_edit(
    program: Program,
    edit: ProgramEdit,
    kb: KnowledgeBase,
    rules: ProgramRules,
    *,
    by: str | None = None,
    on: date | None = None,
) -> Program:
    """The program with one edit applied, one version higher, the edit noted."""
    if program.refer:
        raise KneechainError(
            "program.referral",
            "This is a referral, not an exercise program; there is nothing to edit.",
        )
    exercises = list(program.exercises)
    add_to: frozenset[str] = frozenset()
    changed = _in_program(program, kb, edit.exercise) if edit.action != "add" else None
    if edit.action == "remove":
        assert changed is not None
        if len(exercises) == 1:
            raise KneechainError(
                "program.last_exercise",
                "The program's only exercise cannot be removed.",
                hint="Swap it for another, or add one first.",
            )
        exercises = [p for p in exercises if p.exercise_id != changed.exercise_id]
        old, new = changed.exercise_id, None
    elif edit.action == "swap":
        assert changed is not None and edit.new_exercise is not None
        new_id = find_exercise(kb, edit.new_exercise)
        if any(p.exercise_id == new_id for p in exercises):
            raise KneechainError(
                "program.duplicate",
                f"{kb.exercises[new_id].name} is already in the program.",
                field="new_exercise",
            )
        fresh = _prescription(new_id, changed, kb, rules)
        exercises = [fresh if p.exercise_id == changed.exercise_id else p for p in exercises]
        old, new = changed.exercise_id, new_id
    elif edit.action == "add":
        new_id = find_exercise(kb, edit.exercise)
        if any(p.exercise_id == new_id for p in exercises):
            raise KneechainError(
                "program.duplicate",
                f"{kb.exercises[new_id].name} is already in the program.",
                field="exercise",
            )
        finding = _finding_for(program, kb, edit.finding)
        template = next(
            (p for p in exercises if any(r.finding_id == finding.finding_id for r in p.reasons)),
            None,
        )
        if template is None:
            raise KneechainError("program.finding_absent", f"No exercise treats {finding.name}.")
        like = template.model_copy(
            update={"reasons": [r for r in template.reasons if r.finding_id == finding.finding_id]}
        )
        exercises.append(_prescription(new_id, like, kb, rules))
        old, new = None, new_id
        add_to = frozenset(
            d.id for d in program.day_types if template.exercise_id in d.exercise_ids
        )
        findings = [
            f.model_copy(update={"exercise_ids": [*f.exercise_ids, new_id]})
            if f.finding_id == finding.finding_id
            else f
            for f in program.findings
        ]
    else:  # redose
        assert changed is not None and edit.dose is not None
        redosed = changed.model_copy(update={"dosage_text": edit.dose.strip()})
        exercises = [redosed if p.exercise_id == changed.exercise_id else p for p in exercises]
        old = new = changed.exercise_id
    exercises.sort(key=order_key)
    if old is not None:
        findings = _findings(list(program.findings), old, new)
    days = (
        _days(program, exercises, old, new, add_to, rules)
        if edit.action != "redose"
        else list(program.day_types)
    )
    note = EditNote(
        version=program.version + 1,
        action=edit.action,
        exercise_id=changed.exercise_id if changed else None,
        new_exercise_id=new if edit.action in ("swap", "add") else None,
        dose=edit.dose if edit.action == "redose" else None,
        note=edit.note,
        by=by,
        on=on or date.today(),
    )
    return program.model_copy(
        update={
            "exercises": exercises,
            "day_types": days,
            "findings": findings,
            "version": program.version + 1,
            "edits": [*program.edits, note],
        }
    )
