"""The questionnaire as data: `data/questionnaire.yaml` validated and expanded into questions.

The YAML holds the sections, the wording, the plain-language choices, the case field each
answer fills, the ranges and the conditions (see the comment at its top). Loading checks it
against the case model and the knowledge base, so a typo in a field, a choice the case would
refuse or a range wider than the field's fails at once, naming the question. The movement-test
questions are generated from the knowledge base's tests: for each one, how to measure it (film,
by hand, skip), the clips, and one by-hand value per measure and side that a person can read
without a video (`Measure.by_hand`).

The result, `Questionnaire`, is what the flow engine (`kneechain.assess.flow`) walks through;
no front end is involved here.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import Field, model_validator

from kneechain.assess.case import Case, Provenance, Side
from kneechain.assess.case import Strict as Frozen
from kneechain.assess.redflags import AGE_AFTER_INJURY
from kneechain.assess.result import Urgency
from kneechain.assess.rules import Rules
from kneechain.errors import MessageError
from kneechain.knowledge.loader import KnowledgeBase, load_document
from kneechain.knowledge.models import Test

QUESTIONNAIRE_PATH = Path(__file__).parent / "data" / "questionnaire.yaml"

QuestionKind = Literal["yes_no", "number", "integer", "choice", "multi_choice", "clip"]
#: the kinds a YAML question may have (clips are generated for the tests)
SpecKind = Literal["yes_no", "number", "integer", "choice", "multi_choice"]

#: how a unit of the knowledge base reads in a question
UNIT_WORDS: dict[str, str] = {
    "deg": "degrees",
    "cm": "cm",
    "s": "seconds",
    "steps/min": "steps a minute",
    "ratio": "",
    "count": "",
    "percent": "percent",
    "points": "points",
}


class QuestionnaireError(MessageError, ValueError):
    """The questionnaire file does not fit the case model or the knowledge base (our fault)."""

    default_code = "questionnaire.invalid"


class Option(Frozen):
    """One choice: `value` is what the case stores, `label` what a person reads."""

    value: str
    label: str = Field(min_length=1)


class Condition(Frozen):
    """Holds when the answer to `question` is `equals`, is one of `one_of`, includes
    `includes` (multi_choice), or, with `given`, was answered with something other than a skip."""

    question: str
    equals: bool | int | float | str | None = None
    one_of: list[str] | None = None
    includes: str | None = None
    given: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [self.equals, self.one_of, self.includes, self.given]
        if sum(t is not None for t in tests) != 1:
            raise ValueError("a condition needs exactly one of equals, one_of, includes, given")
        return self


class AnyOf(Frozen):
    """Holds when at least one of its conditions holds."""

    any: list[Condition] = Field(min_length=1)


class QuestionSpec(Frozen):
    """One question as written in the YAML file."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: SpecKind
    text: str | None = None
    help: str | None = None
    unit: str | None = None
    field: str | None = None
    required: bool = False
    options: list[Option] = Field(default_factory=list)
    none_option: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    when: list[Condition | AnyOf] = Field(default_factory=list)
    for_each: str | None = None
    not_above: str | None = None


class TestWording(Frozen):
    """The wording of the generated test questions ({test}, {measure}, {side} filled in)."""

    __test__: typing.ClassVar[bool] = False

    class Asked(Frozen):
        text: str
        help: str = ""
        options: dict[str, str] = Field(default_factory=dict)

    method: Asked
    clip: Asked
    more: Asked
    value: Asked
    how_to_do: str
    clinician_note: str
    max_clips: int = Field(ge=1, le=5)

    @model_validator(mode="after")
    def _options(self) -> TestWording:
        if set(self.method.options) != {"film", "hand", "skip"}:
            raise ValueError("tests.method needs the options film, hand and skip")
        if set(self.more.options) != {"another", "hand", "done"}:
            raise ValueError("tests.more needs the options another, hand and done")
        return self


class SectionSpec(Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    intro: str | None = None
    questions: list[QuestionSpec] = Field(default_factory=list)
    tests: TestWording | None = None


class Referral(Frozen):
    title: str
    text: str
    when: dict[Urgency, str] = Field(description="how soon, in words, for each urgency")

    @model_validator(mode="after")
    def _every_urgency(self) -> Referral:
        missing = set(get_args(Urgency)) - set(self.when)
        if missing:
            raise ValueError(f"referral.when needs words for {', '.join(sorted(missing))}")
        return self


class QuestionnaireSpec(Frozen):
    """The whole YAML file."""

    version: int = Field(ge=1)
    title: str
    intro: str
    controls: str
    referral: Referral
    sections: list[SectionSpec] = Field(min_length=1)


class Question(Frozen):
    """One question as a front end shows it, with everything needed to check its answer.

    `id` is stable (it keys the saved answers); `field` says which case field the answer fills.
    For numbers, `minimum`/`maximum` are inclusive. `options` are shown by label only. A
    question with `for_each` is a template: the flow asks it once per chosen item, with `item`
    set and `{item}` in the text replaced by the item's label.
    """

    id: str
    section: str
    kind: QuestionKind
    text: str
    help: list[str] = Field(default_factory=list)
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    options: list[Option] = Field(default_factory=list)
    none_option: str | None = None
    required: bool = False
    field: str | None = None
    when: list[Condition | AnyOf] = Field(default_factory=list)
    for_each: str | None = None
    item: str | None = None
    not_above: str | None = None
    test_id: str | None = None
    measure: str | None = None
    side: Side | None = None
    provenance: Provenance | None = None
    skip_if_measured: bool = False


class Section(Frozen):
    id: str
    title: str
    intro: str | None = None


@dataclass(frozen=True)
class Questionnaire:
    """The loaded questionnaire: its text, its sections and questions in order, and the domain
    data the flow needs (knowledge base and assessment rules, for the red-flag check)."""

    spec: QuestionnaireSpec
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    kb: KnowledgeBase
    rules: Rules

    def question(self, question_id: str) -> Question:
        """A question (or a for_each instance such as `activity_hours:running`) by id."""
        base, _, item = question_id.partition(":")
        for q in self.questions:
            if q.id == base:
                return instance(q, item, self) if item and q.for_each else q
        raise KeyError(question_id)

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)


def instance(template: Question, item: str, qn: Questionnaire) -> Question:
    """The question `template` asked about one chosen `item` of its for_each question."""
    source = qn.question(template.for_each or "")
    label = next((o.label for o in source.options if o.value == item), item)
    return template.model_copy(
        update={
            "id": f"{template.id}:{item}",
            "item": item,
            "text": template.text.format(item=label),
        }
    )


# --- checking a field path against the case model ---------------------------------------------


def _strip_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


@dataclass(frozen=True)
class FieldSpec:
    """What a case field accepts: its annotation (Optional removed) and numeric bounds."""

    annotation: Any
    low: float | None
    high: float | None


def case_field(path: str, kb: KnowledgeBase) -> FieldSpec:
    """The annotation and bounds of the case field at `path` (e.g. `person.activities[].kind`,
    `red_flags.locked_knee`); ValueError naming the part that does not exist. A key of an
    answer dictionary (red flags, signs, Kujala items) must be a knowledge-base id."""
    model: Any = Case
    parts = path.split(".")
    for i, part in enumerate(parts):
        name = part.removesuffix("[]")
        if get_origin(model) is dict:
            if name not in _keyed_answers(path, kb) or i != len(parts) - 1:
                raise ValueError(f"{path}: {name!r} is not known to the knowledge base")
            return FieldSpec(get_args(model)[1], None, None)
        fields = getattr(model, "model_fields", {})
        if name not in fields:
            raise ValueError(f"{path}: the case has no field {name!r}")
        info = fields[name]
        model = _strip_optional(info.annotation)
        if part.endswith("[]"):
            model = get_args(model)[0]
    low = high = None
    for meta in info.metadata:
        low = getattr(meta, "ge", None) if getattr(meta, "ge", None) is not None else low
        high = getattr(meta, "le", None) if getattr(meta, "le", None) is not None else high
    return FieldSpec(model, low, high)


def _keyed_answers(path: str, kb: KnowledgeBase) -> set[str]:
    if path.startswith("red_flags."):
        return set(kb.red_flags)
    if path.startswith("signs."):
        return set(kb.signs)
    if path.startswith("outcomes.kujala."):
        return {item.id for item in kb.outcomes["kujala"].items}
    return set()


_KIND_TYPES: dict[str, Any] = {"yes_no": bool, "number": float, "integer": int}


def _check_against_field(spec: QuestionSpec, kb: KnowledgeBase) -> FieldSpec:
    """The field of `spec`, after checking that its kind, choices and range fit the case."""
    assert spec.field is not None
    field = case_field(spec.field, kb)
    where = f"question {spec.id!r} ({spec.field})"
    if spec.kind in _KIND_TYPES:
        if field.annotation is not _KIND_TYPES[spec.kind]:
            raise ValueError(f"{where}: a {spec.kind} answer does not fit {field.annotation}")
    elif spec.kind == "choice" and not spec.field.startswith("outcomes.kujala."):
        _check_choices(spec, field.annotation, where)
    elif spec.kind == "multi_choice":
        inner = field.annotation
        if get_origin(inner) is list:
            inner = get_args(inner)[0]
        _check_choices(spec, inner, where)
    low = spec.minimum if spec.minimum is not None else field.low
    high = spec.maximum if spec.maximum is not None else field.high
    if (field.low is not None and low is not None and low < field.low) or (
        field.high is not None and high is not None and high > field.high
    ):
        raise ValueError(f"{where}: range {low} to {high} is wider than the case allows")
    return FieldSpec(field.annotation, low, high)


def _check_choices(spec: QuestionSpec, annotation: Any, where: str) -> None:
    allowed = set(get_args(annotation)) if get_origin(annotation) is Literal else set()
    if not spec.options:
        raise ValueError(f"{where}: a {spec.kind} question needs options")
    unknown = [o.value for o in spec.options if o.value not in allowed]
    if unknown:
        raise ValueError(f"{where}: the case does not accept {', '.join(unknown)}")


# --- expanding the YAML into questions ----------------------------------------------------------


def _knowledge_text(spec: QuestionSpec, kb: KnowledgeBase) -> tuple[str | None, list[Option]]:
    """The knowledge base's question (and Kujala answers) for a red flag, sign or Kujala item."""
    field = spec.field or ""
    key = field.rsplit(".", 1)[-1]
    if field.startswith("red_flags."):
        return kb.red_flags[key].question, []
    if field.startswith("signs."):
        return kb.signs[key].question, []
    if field.startswith("outcomes.kujala."):
        item = next(i for i in kb.outcomes["kujala"].items if i.id == key)
        return item.question, [Option(value=o.id, label=o.text) for o in item.options]
    return None, []


def _question(spec: QuestionSpec, section: str, kb: KnowledgeBase) -> Question:
    bounds = _check_against_field(spec, kb) if spec.field else FieldSpec(None, None, None)
    known_text, known_options = _knowledge_text(spec, kb)
    text = spec.text or known_text
    if not text:
        raise ValueError(f"question {spec.id!r} needs a text")
    if spec.kind in ("choice", "multi_choice") and not (spec.options or known_options):
        raise ValueError(f"question {spec.id!r} needs options")
    if spec.none_option and spec.kind != "multi_choice":
        raise ValueError(f"question {spec.id!r}: none_option is for multi_choice questions")
    return Question(
        id=spec.id,
        section=section,
        kind=spec.kind,
        text=text,
        help=[spec.help] if spec.help else [],
        unit=spec.unit,
        minimum=bounds.low,
        maximum=bounds.high,
        options=spec.options or known_options,
        none_option=spec.none_option,
        required=spec.required,
        field=spec.field,
        when=spec.when,
        for_each=spec.for_each,
        not_above=spec.not_above,
    )


def _side_words(side: Side | None) -> str:
    return f", {side} side" if side else ""


def _camera_help(test: Test) -> list[str]:
    cam = test.camera
    if cam is None:
        return []
    where = f"Phone {cam.height}"
    if cam.distance_m is not None:
        where += f", {cam.distance_m:g} m away"
    held = {"portrait": "held upright", "landscape": "held sideways", "either": "either way up"}
    return [f"{where}, {held[cam.orientation]}.", *cam.instructions]


def _offered(options: dict[str, str], left_out: set[str]) -> list[Option]:
    return [Option(value=v, label=label) for v, label in options.items() if v not in left_out]


def test_questions(
    test: Test, wording: TestWording, section: str, filmable: bool
) -> list[Question]:
    """The questions of one movement test: how to measure it, clips, by-hand values."""
    by_hand = [m for m in test.measures if m.by_hand]
    method = f"test.{test.id}.method"
    fmt = {"test": test.name}
    no_hand = set() if by_hand else {"hand"}
    options = _offered(wording.method.options, no_hand | (set() if filmable else {"film"}))
    intro = [test.purpose]
    if test.performer == "clinician":
        intro.append(wording.clinician_note)
    questions = [
        Question(
            id=method,
            section=section,
            kind="choice",
            text=wording.method.text.format(**fmt),
            help=intro,
            options=options,
            test_id=test.id,
        )
    ]
    hand_triggers = [Condition(question=method, equals="hand")]
    if filmable:
        previous = Condition(question=method, equals="film")
        for n in range(1, wording.max_clips + 1):
            clip = f"test.{test.id}.clip{n}"
            questions.append(
                Question(
                    id=clip,
                    section=section,
                    kind="clip",
                    text=wording.clip.text.format(**fmt),
                    help=[wording.how_to_do, *test.setup, wording.clip.help, *_camera_help(test)],
                    when=[previous],
                    test_id=test.id,
                )
            )
            more = f"test.{test.id}.more{n}"
            last = n == wording.max_clips
            more_options = _offered(
                wording.more.options, no_hand | ({"another"} if last else set())
            )
            if len(more_options) < 2:  # nothing left to choose: on to the next test
                break
            questions.append(
                Question(
                    id=more,
                    section=section,
                    kind="choice",
                    text=wording.more.text.format(**fmt),
                    options=more_options,
                    when=[Condition(question=clip, given=True)],
                    test_id=test.id,
                )
            )
            hand_triggers.append(Condition(question=more, equals="hand"))
            previous = Condition(question=more, equals="another")
    provenance: Provenance = "clinician" if test.performer == "clinician" else "manual"
    # The test's own steps lead the first by-hand question when the whole test is done by hand;
    # where only some measures can be (cadence of the gait video), their how-to says it all.
    steps = [wording.how_to_do, *test.setup] if len(by_hand) == len(test.measures) else []
    for measure in by_hand:
        for side in ("left", "right") if measure.per_side else (None,):
            unit = UNIT_WORDS[measure.unit]
            questions.append(
                Question(
                    id=f"test.{test.id}.{measure.id}" + (f".{side}" if side else ""),
                    section=section,
                    kind="number",
                    text=wording.value.text.format(
                        test=test.name, measure=measure.name, side=_side_words(side)
                    ),
                    help=[*steps, wording.value.help, measure.by_hand or ""],
                    unit=unit or None,
                    minimum=measure.valid_min,
                    maximum=measure.valid_max,
                    when=[AnyOf(any=hand_triggers)],
                    test_id=test.id,
                    measure=measure.id,
                    side=side,
                    provenance=provenance,
                    skip_if_measured=filmable,
                )
            )
            steps = []
    return questions


def _check_references(questions: Iterable[Question]) -> None:
    """Conditions, for_each and not_above may only name questions asked before."""
    seen: dict[str, Question] = {}
    for q in questions:
        named = [
            c.question for cond in q.when for c in (cond.any if isinstance(cond, AnyOf) else [cond])
        ]
        for other in [*named, *filter(None, [q.for_each, q.not_above])]:
            if other not in seen:
                raise ValueError(f"question {q.id!r} names {other!r}, which is not asked before it")
        if q.for_each and seen[q.for_each].kind != "multi_choice":
            raise ValueError(f"question {q.id!r}: for_each needs a multi_choice question")
        if q.not_above and seen[q.not_above].kind not in ("number", "integer"):
            raise ValueError(f"question {q.id!r}: not_above needs a number question")
        if q.id in seen:
            raise ValueError(f"question id {q.id!r} is used twice")
        seen[q.id] = q


def _check_coverage(questions: Iterable[Question], kb: KnowledgeBase) -> None:
    """Every red flag (but the one derived from age and injury), sign and Kujala item is asked."""
    fields = {q.field for q in questions if q.field}
    wanted = {f"red_flags.{f}" for f in kb.red_flags if f != AGE_AFTER_INJURY}
    wanted |= {f"signs.{s}" for s in kb.signs}
    wanted |= {f"outcomes.kujala.{i.id}" for i in kb.outcomes["kujala"].items}
    missing = sorted(wanted - fields)
    if missing:
        raise ValueError(
            f"the knowledge base asks for {', '.join(missing)}, which no question asks"
        )


def build_questionnaire(
    spec: QuestionnaireSpec,
    kb: KnowledgeBase,
    rules: Rules,
    filmable: Iterable[str] | None = None,
) -> Questionnaire:
    """Expand and check a parsed questionnaire; QuestionnaireError naming what does not fit.

    `filmable`: the tests a clip can measure (default: the knowledge base's filmable tests).
    """
    films = (
        set(filmable) if filmable is not None else {t.id for t in kb.tests.values() if t.filmable}
    )
    questions: list[Question] = []
    sections: list[Section] = []
    try:
        for sec in spec.sections:
            sections.append(Section(id=sec.id, title=sec.title, intro=sec.intro))
            questions += [_question(q, sec.id, kb) for q in sec.questions]
            if sec.tests is not None:
                for test in kb.tests.values():
                    questions += test_questions(test, sec.tests, sec.id, test.id in films)
        _check_references(questions)
        _check_coverage(questions, kb)
    except ValueError as exc:
        raise QuestionnaireError(f"questionnaire: {exc}") from exc
    return Questionnaire(spec, tuple(sections), tuple(questions), kb, rules)


def load_questionnaire(
    kb: KnowledgeBase,
    rules: Rules,
    path: Path = QUESTIONNAIRE_PATH,
    filmable: Iterable[str] | None = None,
) -> Questionnaire:
    """Read, validate and expand the questionnaire file (the packaged one by default) for the
    knowledge base and assessment rules given (a service passes `ctx.domain`'s, a front end
    the packaged ones)."""
    spec = load_document(QuestionnaireSpec, path)
    return build_questionnaire(spec, kb, rules, filmable)
