"""The person's journey through the pages: the check-up wizard (red flags first, resumable),
the results, the program with its easier versions, logging a session, progress, the calendar
file and the handout; every page a person can reach, rendered by the test client."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

from kneechain.services import checkups
from kneechain.services.context import ServiceContext
from tests.web.conftest import Browser, Cast


def form_for(ctx: ServiceContext, name: str, *, hand_values: bool = True) -> dict[str, object]:
    """A plausible answer to the question asked now, as the wizard's form sends it."""
    question = checkups.current(ctx, name).question
    assert question is not None
    data: dict[str, object] = {"question_id": question.id, "action": "answer"}
    if question.kind == "yes_no":
        data["answer"] = "no"
    elif question.kind in ("number", "integer"):
        low = question.minimum if question.minimum is not None else 0
        high = question.maximum if question.maximum is not None else low + 10
        data["answer"] = str(int(min(max(low, 3), high)) if question.kind == "integer" else
                             round(low + (high - low) * 0.3, 1))  # fmt: skip
        if question.id == "age":
            data["answer"] = "34"
    elif question.kind == "choice":
        values = [o.value for o in question.options]
        data["answer"] = "hand" if "hand" in values and hand_values else (
            "skip" if "skip" in values else values[0])  # fmt: skip
    elif question.kind == "multi_choice":
        data["answer"] = question.options[0].value
    else:  # a clip: skipped here (the browser test uploads a real one)
        data["action"] = "skip"
    return data


def answer_all(browser: Browser, ctx: ServiceContext, name: str, limit: int = 200) -> int:
    url = f"/people/{browser.person_uid}/checkup/answer"
    for count in range(limit):
        if checkups.current(ctx, name).stage != "asking":
            return count
        response = browser.post(url, form_for(ctx, name))
        assert response.status_code == 303, response.text[:500]
    raise AssertionError("the questionnaire did not finish")


def test_the_checkup_starts_with_safety_and_shows_one_question(cast: Cast) -> None:
    page = cast.alex.get(f"/people/{cast.alex.person_uid}/checkup")
    assert page.status_code == 200
    assert "Safety first" in page.text and 'aria-current="step"' in page.text
    assert "How old are you?" in page.text


def test_a_red_flag_stops_everything_with_the_referral(
    ctx: ServiceContext, cast: Cast, app: FastAPI
) -> None:
    url = f"/people/{cast.alex.person_uid}/checkup/answer"
    for _ in range(30):
        question = checkups.current(ctx, "Alex").question
        assert question is not None
        data = form_for(ctx, "Alex")
        if question.id == "injury":
            data["answer"] = "yes"
        if question.id == "cannot_bear_weight":
            data["answer"] = "yes"
            page = cast.alex.post(url, data)
            break
        cast.alex.post(url, data)
    assert page.status_code == 200
    assert "Please see a clinician" in page.text and "emergency" in page.text.lower()
    assert "See my results" not in page.text and "Next" not in page.text
    letter = re.search(r'href="(/people/[0-9a-f]+/checkups/[0-9a-f]+/letter)"', page.text)
    assert letter, "the referral offers a letter to print"
    printed = cast.alex.get(letter.group(1)).text
    assert "Referral:" in printed and "fracture" in printed
    assert cast.clinician.get(letter.group(1)).status_code == 200
    assert cast.blair.get(letter.group(1)).status_code == 403
    start = cast.alex.get(f"/people/{cast.alex.person_uid}").text
    assert "Please see a clinician before any tests or exercises" in start
    caseload = cast.clinician.get("/caseload").text
    assert "red flag" in caseload.lower() or "see a clinician" in caseload.lower()
    program = cast.alex.get(f"/people/{cast.alex.person_uid}/program").text
    assert "Save session" not in program


def test_a_refused_answer_is_explained_and_nothing_is_stored(
    ctx: ServiceContext, cast: Cast
) -> None:
    url = f"/people/{cast.alex.person_uid}/checkup/answer"
    response = cast.alex.post(url, {"question_id": "age", "answer": "two hundred"})
    assert response.status_code == 422
    assert "Type a number" in response.text
    response = cast.alex.post(url, {"question_id": "age", "answer": "300"})
    assert response.status_code == 422 and "10 to 110" in response.text
    assert checkups.current(ctx, "Alex").answered == 0


def test_answers_are_kept_and_back_forgets_the_last_one(ctx: ServiceContext, cast: Cast) -> None:
    base = f"/people/{cast.alex.person_uid}/checkup"
    cast.alex.post(f"{base}/answer", {"question_id": "age", "answer": "41"})
    assert checkups.current(ctx, "Alex").answered == 1
    again = cast.alex.get(base).text  # a reload, or another device: the same place
    assert '<h1 class="question">How old are you?' not in again
    assert "<dd>41 years</dd>" in again  # in the answers so far
    cast.alex.post(f"{base}/back")
    assert '<h1 class="question">How old are you?' in cast.alex.get(base).text


def test_a_stale_answer_from_another_tab_is_ignored(ctx: ServiceContext, cast: Cast) -> None:
    base = f"/people/{cast.alex.person_uid}/checkup"
    cast.alex.post(f"{base}/answer", {"question_id": "age", "answer": "41"})
    response = cast.alex.post(f"{base}/answer", {"question_id": "age", "answer": "42"})
    assert response.status_code == 303
    for stale in ("two hundred", ""):  # not read at all: that question is not asked now
        response = cast.alex.post(f"{base}/answer", {"question_id": "age", "answer": stale})
        assert response.status_code == 303
    response = cast.alex.post(f"{base}/answer", {"question_id": "no-such", "answer": "1"})
    assert response.status_code == 303
    assert checkups.current(ctx, "Alex").answers[0].answer.startswith("41")
    assert checkups.current(ctx, "Alex").answered == 1


@pytest.fixture
def finished(ctx: ServiceContext, cast: Cast) -> str:
    """Alex answered every question (tests typed by hand) and saw the results."""
    answer_all(cast.alex, ctx, "Alex")
    ready = cast.alex.get(f"/people/{cast.alex.person_uid}/checkup").text
    assert "Ready for your results" in ready
    response = cast.alex.post(f"/people/{cast.alex.person_uid}/checkup/finish")
    assert response.status_code == 303
    return str(response.headers["location"])


def test_finishing_shows_the_results_with_norm_bands(cast: Cast, finished: str) -> None:
    page = cast.alex.get(finished)
    assert page.status_code == 200
    assert "Results of" in page.text
    assert "against the norms" in page.text and "<svg" in page.text
    assert "measured by hand" in page.text
    assert cast.clinician.get(finished).status_code == 200
    assert cast.blair.get(finished).status_code == 403


def test_the_program_logs_a_session_with_the_easier_version(cast: Cast, finished: str) -> None:
    base = f"/people/{cast.alex.person_uid}"
    page = cast.alex.get(f"{base}/program")
    assert page.status_code == 200
    if "rest day" in page.text.lower() and "Save session" not in page.text:
        session = re.search(r"program\?session=([a-z_]+)", page.text)
        assert session
        page = cast.alex.get(f"{base}/program?session={session.group(1)}")
    ids = re.findall(r'name="done_([a-z0-9_]+)"', page.text)
    assert ids, "no exercise on the routine"
    easier = re.search(r'href="([^"]*easier=[a-z0-9_]+[^"]*)"', page.text)
    data: dict[str, object] = {f"done_{i}": "on" for i in ids}
    data |= {f"sets_{i}": "2" for i in ids}
    data |= {"pain_before": "4", "pain_after": "3", "note": "felt fine"}
    session_id = re.search(r'name="session" value="([a-z_]+)"', page.text)
    assert session_id
    data["session"] = session_id.group(1)
    if easier:
        switched = cast.alex.get(easier.group(1).replace("&amp;", "&"))
        assert "easier version" in switched.text
        regression = re.search(r'name="easier_([a-z0-9_]+)" value="([a-z0-9_]+)"', switched.text)
        assert regression
        data[f"easier_{regression.group(1)}"] = regression.group(2)
    saved = cast.alex.post(f"{base}/sessions", data)
    assert saved.status_code == 303 and "saved=1" in saved.headers["location"]
    progress = cast.alex.get(f"{base}/progress").text
    assert "1 session logged" in progress and "felt fine" in progress
    if easier:
        assert "as the easier version" in progress


def test_a_session_without_any_exercise_is_refused_in_plain_words(
    cast: Cast, finished: str
) -> None:
    response = cast.alex.post(f"/people/{cast.alex.person_uid}/sessions", {"pain_after": "3"})
    assert response.status_code == 422
    assert "Tick at least one exercise" in response.text


def test_calendar_handout_and_pictures(cast: Cast, finished: str) -> None:
    base = f"/people/{cast.alex.person_uid}"
    ics = cast.alex.get(f"{base}/calendar.ics")
    assert ics.status_code == 200 and ics.content.startswith(b"BEGIN:VCALENDAR")
    pdf = cast.alex.get(f"{base}/handout.pdf")
    assert pdf.status_code in (200, 503)
    if pdf.status_code == 200:
        assert pdf.content.startswith(b"%PDF")
    picture = cast.nobody.get("/pictures/glute_bridge.svg")
    assert picture.status_code == 200 and picture.headers["content-type"].startswith("image/svg")
    assert cast.nobody.get("/pictures/no_such_thing.svg").status_code == 404


#: pages of a record that only the client's clinician may use
CLINICIAN_TOOLS = {"/people/{uid}/program/edit", "/people/{uid}/report.pdf"}


def test_every_page_of_the_record_renders_for_owner_and_clinician(
    app: FastAPI, ctx: ServiceContext, cast: Cast, finished: str
) -> None:
    from kneechain.knowledge.coaching import coaching
    from kneechain.services import programs
    from kneechain.web.app import route_table

    uid = cast.alex.person_uid or ""
    checkup_uid = finished.rsplit("/", 1)[-1]
    coached = coaching(ctx.domain.knowledge)
    exercise = next(
        e.exercise_id
        for e in programs.current(ctx, "Alex").program.exercises
        if e.exercise_id in coached
    )
    for method, path in route_table(app):
        if method != "GET" or "{uid}" not in path or "media" in path:
            continue
        url = path.replace("{uid}", uid).replace("{checkup_uid}", checkup_uid)
        url = url.replace("{exercise_id}", exercise)
        for browser in (cast.alex, cast.clinician):
            response = browser.get(url, follow_redirects=True)
            if browser is cast.alex and path in CLINICIAN_TOOLS:
                assert response.status_code == 403, url
                continue
            assert response.status_code in (200, 503), f"{url}: {response.status_code}"


def test_media_of_a_record_is_served_only_to_who_may_see_it(
    ctx: ServiceContext, cast: Cast
) -> None:
    from kneechain.track.models import MediaItemRecord, PersonRecord

    digest = ctx.store.media.put_bytes(b"\x89PNG\r\n\x1a\nproof")
    with ctx.db() as db:
        from sqlalchemy import select

        alex = db.scalar(select(PersonRecord).where(PersonRecord.name == "Alex"))
        assert alex is not None
        db.add(
            MediaItemRecord(
                user_id=alex.id, sha256=digest, kind="frame", filename="a.png", size_bytes=13
            )
        )
    url = f"/people/{cast.alex.person_uid}/media/{digest}"
    own = cast.alex.get(url)
    assert own.status_code == 200 and own.headers["content-type"] == "image/png"
    assert cast.clinician.get(url).status_code == 200
    assert cast.blair.get(url).status_code == 403
    blair_url = f"/people/{cast.blair.person_uid}/media/{digest}"
    assert cast.blair.get(blair_url).status_code == 404  # not in Blair's record
