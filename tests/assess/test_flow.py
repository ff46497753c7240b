"""The questionnaire as data (questionnaire.yaml, checked at load) and its flow engine."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from kneechain.assess import flow
from kneechain.assess.case import Case, Measurement
from kneechain.assess.flow import ClipAnswer, FlowState
from kneechain.assess.questionnaire import (
    QUESTIONNAIRE_PATH,
    Question,
    QuestionnaireError,
    QuestionnaireSpec,
    build_questionnaire,
    load_questionnaire,
)
from kneechain.assess.rules import default_rules
from kneechain.errors import KneechainError
from kneechain.knowledge.loader import default_knowledge

QN = load_questionnaire(default_knowledge(), default_rules())
KB = default_knowledge()
PYDANTIC_WORDS = re.compile(r"Input should|validation error|type=|pydantic|Value error", re.I)


def answer(state: FlowState, *values: Any) -> FlowState:
    """Answer the next questions in turn with `values`."""
    for value in values:
        question = flow.next_question(QN, state)
        assert question is not None, f"the flow ended before {value!r}"
        state = flow.apply_answer(QN, state, question.id, value)
    return state


def current(state: FlowState) -> str | None:
    question = flow.next_question(QN, state)
    return question.id if question else None


SAFE = [35, False, *[False] * 5]  # age, no injury, the five other red flags


def refused(state: FlowState, value: Any) -> KneechainError:
    question = flow.next_question(QN, state)
    assert question is not None
    with pytest.raises(KneechainError) as info:
        flow.apply_answer(QN, state, question.id, value)
    assert not PYDANTIC_WORDS.search(info.value.text()), info.value.text()
    return info.value


# --- the file -----------------------------------------------------------------------------------


def _ids() -> set[str]:
    """Internal ids a person must never read: knowledge ids and the case's choice values."""
    ids = {*KB.red_flags, *KB.signs, *KB.tests, *KB.findings}
    ids |= {m.id for t in KB.tests.values() for m in t.measures}
    ids |= {o.value for q in QN.questions for o in q.options}
    return {i for i in ids if "_" in i}


def test_no_question_shows_an_internal_id() -> None:
    ids = _ids()
    for q in QN.questions:
        words = [q.text, *q.help, *(o.label for o in flow.choices(q)), q.none_option or ""]
        for text in words:
            assert not set(re.findall(r"[a-z0-9_]+", text)) & ids, (q.id, text)


def test_every_red_flag_sign_and_kujala_item_is_asked_and_red_flags_come_first() -> None:
    fields = [q.field or "" for q in QN.questions]
    asked = {f.removeprefix("red_flags.") for f in fields if f.startswith("red_flags.")}
    assert asked == set(KB.red_flags) - {"injury_age_55"}  # derived from age and injury
    assert {f.removeprefix("signs.") for f in fields if f.startswith("signs.")} == set(KB.signs)
    last_flag = max(i for i, f in enumerate(fields) if f.startswith("red_flags."))
    assert all(q.section == "safety" for q in QN.questions[: last_flag + 1])
    assert QN.sections[0].id == "safety" and QN.sections[-1].id == "tests"


def test_the_tests_offer_film_hand_or_skip_and_only_by_hand_measures_are_typed() -> None:
    methods = {q.test_id: [o.value for o in q.options] for q in QN.questions if ".method" in q.id}
    assert methods["lying_leg_turn"] == ["film", "hand", "skip"]
    assert methods["double_leg_squat"] == ["film", "skip"]  # every measure needs a video
    assert methods["palpation"] == ["hand", "skip"]  # a clinician's count, not filmable
    typed = {q.measure for q in QN.questions if q.measure}
    assert "overstride_ratio" not in typed and "squat_fppa" not in typed
    assert {"hip_ir_supine", "ktw_distance", "balance_time", "cadence"} <= typed
    value = QN.question("test.knee_to_wall.ktw_distance.left")
    assert value.unit == "cm" and value.minimum == 0 and value.maximum == 30
    assert any("tape" in line for line in value.help)  # the how-to from the knowledge base


def test_every_filmable_test_has_a_video_protocol() -> None:
    from kneechain.assess.protocols.registry import PROTOCOLS

    assert {t.id for t in KB.tests.values() if t.filmable} == set(PROTOCOLS)


def _spec() -> dict[str, Any]:
    return yaml.safe_load(QUESTIONNAIRE_PATH.read_text(encoding="utf-8"))


def _first(raw: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(
        q for s in raw["sections"] for q in s.get("questions", []) if q["id"] == question_id
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: _first(r, "age").update(field="person.agee"), "the case has no field 'agee'"),
        (lambda r: _first(r, "side").update(options=[{"value": "middle", "label": "Middle"}]),
         "the case does not accept middle"),
        (lambda r: _first(r, "pain_worst").update(maximum=12), "wider than the case allows"),
        (lambda r: _first(r, "age").update(kind="yes_no"), "a yes_no answer does not fit"),
        (lambda r: _first(r, "injury").update(when=[{"question": "side", "equals": "left"}]),
         "names 'side', which is not asked before it"),
        (lambda r: r["sections"][0]["questions"].pop(),
         "night_pain_weight_loss, which no question asks"),
        (lambda r: _first(r, "locked_knee").update(field="red_flags.sore_knee"),
         "'sore_knee' is not known to the knowledge base"),
    ],
)  # fmt: skip
def test_a_questionnaire_that_does_not_fit_the_case_is_refused_at_load(change, expected) -> None:
    raw = _spec()
    change(raw)
    with pytest.raises(QuestionnaireError, match=re.escape(expected)):
        build_questionnaire(QuestionnaireSpec.model_validate(raw), KB, default_rules())


# --- the flow -----------------------------------------------------------------------------------


def test_injury_follow_ups_only_after_yes() -> None:
    state = answer(flow.start(QN), 35)
    assert current(answer(state, False)) == "locked_knee"
    after_yes = answer(state, True)
    assert current(after_yes) == "cannot_bear_weight"
    assert current(answer(after_yes, False, False, False, False)) == "locked_knee"


def test_a_red_flag_stops_the_flow_with_referral_and_back_undoes_it() -> None:
    state = answer(flow.start(QN), 35, False, True)  # the knee locks
    assert flow.next_question(QN, state) is None
    assert [h.id for h in flow.referral(QN, state)] == ["locked_knee"]
    case = flow.build_case(QN, state)
    assert case.red_flags == {"locked_knee": True}
    back = flow.go_back(QN, state)
    assert current(back) == "locked_knee" and not flow.referral(QN, back)


def test_age_and_injury_alone_raise_the_ottawa_flag() -> None:
    state = answer(flow.start(QN), 60, True)
    assert flow.next_question(QN, state) is None
    assert [h.id for h in flow.referral(QN, state)] == ["injury_age_55"]


def test_refusals_are_plain_words() -> None:
    start = flow.start(QN)
    assert "give a number from 10 to 110 years" in refused(start, 140).message
    assert "Type a whole number" in refused(start, 35.5).message
    assert "needs an answer" in refused(answer(start, 35), None).message
    err = refused(answer(start, *SAFE, "right", ["front"], 8, *[None] * 5, None, None, [], None,
                         None, None, None, 5), 7)  # fmt: skip
    assert err.message.startswith("This cannot be higher than the 5 you gave for: What was your")
    assert err.field == "pain_now"
    with pytest.raises(KneechainError, match="not the one being asked now"):
        flow.apply_answer(QN, start, "side", "left")
    with pytest.raises(KneechainError, match="nothing to go back to"):
        flow.go_back(QN, start)


@pytest.mark.parametrize(
    ("question_id", "text", "expected"),
    [
        ("injury", "maybe", "Answer yes or no"),
        ("age", "thirty", "Type a number, for example 35"),
        ("duration", "1e999", "Type a number"),
        ("side", "4", "Choose one answer by its number, 1 to 3"),
        ("locations", "1,9", "Choose by number, 1 to 7"),
        ("ankle_injury", "x", "or 3 for none"),
    ],
)
def test_typed_answers_are_read_or_refused_in_plain_words(question_id, text, expected) -> None:
    with pytest.raises(KneechainError, match=re.escape(expected)) as info:
        flow.parse_answer(QN.question(question_id), text)
    assert not PYDANTIC_WORDS.search(info.value.message)


def test_typed_answers_by_number_label_or_letter() -> None:
    q = QN.question
    assert (
        flow.parse_answer(q("injury"), "Y") is True and flow.parse_answer(q("injury"), "2") is False
    )
    assert flow.parse_answer(q("side"), "both knees") == "both"
    assert flow.parse_answer(q("locations"), "2, 1,2") == ["around_kneecap", "front"]
    assert (
        flow.parse_answer(q("ankle_injury"), "3") == [] and flow.parse_answer(q("age"), " ") is None
    )
    assert (
        flow.parse_answer(q("duration"), "2,5") == 2.5 and flow.parse_answer(q("age"), "40") == 40
    )


def test_each_activity_gets_its_own_follow_ups_and_makes_one_case_entry() -> None:
    state = answer(flow.start(QN), *SAFE, None, None, None, *[None] * 5, "female", 9)
    state = answer(state, ["running", "cycling"])
    order = []
    for value in (4, True, False, 2, None, None):
        order.append(current(state))
        state = answer(state, value)
    assert order == [
        "activity_hours:running", "activity_mobility:running", "activity_hip_strength:running",
        "activity_hours:cycling", "activity_mobility:cycling", "activity_hip_strength:cycling",
    ]  # fmt: skip
    assert flow.next_question(QN, state) is not None
    assert QN.question("activity_hours:cycling").text == "Cycling: about how many hours a week?"
    activities = flow.build_case(QN, state).person.activities
    assert [(a.kind, a.hours_per_week, a.includes_mobility_work) for a in activities] == [
        ("running", 4, True),
        ("cycling", 2, None),
    ]


def _to_tests(state: FlowState) -> FlowState:
    while (q := flow.next_question(QN, state)) is not None and q.section != "tests":
        state = flow.apply_answer(QN, state, q.id, None if not q.required else False)
    return state


def _squat_clip() -> ClipAnswer:
    values = [("squat_fppa", "left", 18.0), ("squat_fppa", "right", 4.0)]
    return ClipAnswer(
        test_id="double_leg_squat",
        file="squat.mp4",
        view="front",
        measurements=[
            Measurement(measure=m, side=s, value=v, provenance="video", quality=0.8)
            for m, s, v in values
        ],
        evidence=["ev/squat_fppa_left_frame12.png"],
    )


def test_by_hand_asks_each_side_of_what_a_person_can_measure() -> None:
    state = _to_tests(answer(flow.start(QN), 35))
    assert current(state) == "test.lying_leg_turn.method"
    state = answer(state, "hand")
    assert current(state) == "test.lying_leg_turn.hip_ir_supine.left"
    assert "from -30 to 90 degrees" in refused(state, 140).message
    state = answer(state, 18, 14)
    assert current(state) == "test.seated_hip_rotation.method"
    measured = flow.build_case(QN, state).measurements
    assert [(m.measure, m.side, m.value, m.provenance) for m in measured] == [
        ("hip_ir_supine", "left", 18, "manual"),
        ("hip_ir_supine", "right", 14, "manual"),
    ]


def test_a_clip_is_taken_and_only_what_it_did_not_measure_is_typed() -> None:
    state = _to_tests(answer(flow.start(QN), 35))
    while current(state) != "test.double_leg_squat.method":
        state = answer(state, "skip")
    state = answer(state, "film")
    assert current(state) == "test.double_leg_squat.clip1"
    wrong = _squat_clip().model_copy(update={"test_id": "gait"})
    assert "measured for another test" in refused(state, wrong).message
    state = answer(state, _squat_clip())
    assert [o.value for o in QN.question(current(state) or "").options] == ["another", "done"]
    state = answer(state, "done", "skip", "film")  # single-leg squat skipped, balance filmed
    balance = ClipAnswer(
        test_id="single_leg_balance",
        file="balance.mp4",
        view="front",
        measurements=[
            Measurement(measure="balance_time", side="left", value=30, provenance="video")
        ],
    )
    state = answer(state, balance, "hand")
    assert current(state) == "test.single_leg_balance.balance_time.right"  # left came from the clip
    case = flow.build_case(QN, answer(state, 12))
    values = {(m.measure, m.side): (m.value, m.provenance) for m in case.measurements}
    assert values == {
        ("squat_fppa", "left"): (18, "video"),
        ("squat_fppa", "right"): (4, "video"),
        ("balance_time", "left"): (30, "video"),
        ("balance_time", "right"): (12, "manual"),
    }
    summary = flow.clip_summary(QN, _squat_clip())
    assert summary[0] == "Frontal plane projection angle at the deepest point, left side: " \
        "18 degrees (quality 0.80, good)"  # fmt: skip
    assert "Proof picture: ev/squat_fppa_left_frame12.png" in summary


def test_saved_answers_resume_and_bad_files_are_refused(tmp_path: Path) -> None:
    state = answer(flow.start(QN), *SAFE, "right", ["front", "inside"], 6.5)
    path = tmp_path / "case.answers.json"
    flow.save_state(state, path)
    resumed = flow.load_state(QN, path)
    assert resumed == state and current(resumed) == current(state)
    assert flow.load_state(QN, tmp_path / "none.json") is None
    path.write_text("{not json")
    with pytest.raises(KneechainError, match="damaged"):
        flow.load_state(QN, path)
    path.write_text(state.model_copy(update={"version": 99}).model_dump_json())
    with pytest.raises(KneechainError, match="another version"):
        flow.load_state(QN, path)
    tampered = state.model_copy(update={"answers": {**state.answers, "age": 300}})
    with pytest.raises(KneechainError, match="no longer fit"):
        flow.parse_state(QN, flow.state_json(tampered))


# --- any valid answers make a valid case ----------------------------------------------------------


@st.composite
def clips(draw: st.DrawFn, test_id: str) -> ClipAnswer:
    test = KB.tests[test_id]
    measurements = []
    for measure in draw(st.lists(st.sampled_from(test.measures), unique_by=lambda m: m.id)):
        for side in ("left", "right") if measure.per_side else (None,):
            value = draw(st.floats(measure.valid_min, measure.valid_max, allow_nan=False))
            quality = draw(st.floats(0, 1))
            measurements.append(
                Measurement(
                    measure=measure.id, side=side, value=value, provenance="video", quality=quality
                )
            )
    return ClipAnswer(test_id=test_id, file="clip.mp4", view="front", measurements=measurements)


def values_for(question: Question, state: FlowState) -> st.SearchStrategy[Any]:
    """Answers the question accepts (a skip wherever a skip is allowed)."""
    skip = st.just(None) if not question.required else st.nothing()
    low, high = question.minimum or 0, question.maximum if question.maximum is not None else 1e3
    if question.not_above and isinstance(state.answers.get(question.not_above), int | float):
        high = min(high, state.answers[question.not_above])  # type: ignore[type-var]
    if question.kind == "yes_no" and (question.field or "").startswith("red_flags."):
        return st.integers(0, 19).map(lambda n: n == 0)  # mostly no, so most flows go on
    if question.kind == "yes_no":
        return st.booleans() | skip
    if question.kind == "integer":
        return st.integers(int(low), int(high)) | skip
    if question.kind == "number":
        return st.floats(low, high, allow_nan=False) | skip
    values = [o.value for o in question.options]
    if question.kind == "choice":
        return st.sampled_from(values) | skip
    if question.kind == "multi_choice":
        least = 0 if question.none_option else 1
        return st.lists(st.sampled_from(values), min_size=least, max_size=3, unique=True) | skip
    return clips(question.test_id or "") | skip


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_valid_answers_make_a_valid_case_and_back_then_forward_gives_the_same(data) -> None:
    state = flow.start(QN)
    given_answers: list[tuple[str, Any]] = []
    while (question := flow.next_question(QN, state)) is not None:
        value = data.draw(values_for(question, state), label=question.id)
        state = flow.apply_answer(QN, state, question.id, value)
        given_answers.append((question.id, value))
    case = flow.build_case(QN, state)
    event("referred" if flow.referral(QN, state) else "reached the end")
    assert isinstance(Case.model_validate(case.model_dump()), Case)
    assert flow.parse_state(QN, flow.state_json(state)) == state  # resumable
    steps = data.draw(st.integers(0, len(given_answers)), label="back")
    again = state
    for _ in range(steps):
        again = flow.go_back(QN, again)
    for question_id, value in given_answers[len(given_answers) - steps :]:
        assert current(again) == question_id
        again = flow.apply_answer(QN, again, question_id, value)
    assert again == state and flow.build_case(QN, again) == case


def test_the_referral_says_how_soon_for_every_urgency() -> None:
    raw = _spec()
    raw["referral"]["when"].pop("soon")
    with pytest.raises(ValidationError, match=r"referral\.when needs words for soon"):
        QuestionnaireSpec.model_validate(raw)
