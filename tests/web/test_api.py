"""The JSON API: the same use cases as the pages, the service layer's models as they are, the
CSRF header on state-changing calls, ErrorBody on every error, and an OpenAPI schema."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from kneechain.errors import ErrorBody, KneechainError
from kneechain.services import checkups
from kneechain.services.clips import check_clip, sniff_video
from kneechain.services.context import ServiceContext
from tests.web.conftest import Cast


class Api:
    """A logged-in API client: the session cookie and the CSRF header."""

    def __init__(self, cast_browser: Any) -> None:
        self.client = cast_browser.client
        self.token = self.client.get("/api/csrf").json()["csrf_token"]
        self.uid = cast_browser.person_uid

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/people/{self.uid}{path}")

    def post(self, path: str, body: Any = None) -> Any:
        headers = {"X-CSRF-Token": self.token}
        return self.client.post(f"/api/people/{self.uid}{path}", json=body, headers=headers)


def plausible(question: Any) -> Any:
    if question.kind == "yes_no":
        return False
    if question.kind in ("number", "integer"):
        low = question.minimum if question.minimum is not None else 0
        return 34 if question.id == "age" else int(max(low, 3))
    if question.kind == "choice":
        values = [o.value for o in question.options]
        return "hand" if "hand" in values else ("skip" if "skip" in values else values[0])
    if question.kind == "multi_choice":
        return [question.options[0].value]
    return None


def test_the_whole_checkup_and_program_through_the_api(ctx: ServiceContext, cast: Cast) -> None:
    api = Api(cast.alex)
    step = api.get("/checkup").json()
    assert step["stage"] == "asking" and step["question"]["id"] == "age"
    refused = api.post("/checkup/answers", {"question_id": "age", "value": 500})
    assert refused.status_code == 422
    assert ErrorBody.model_validate(refused.json()).field == "age"
    for _ in range(200):
        now = checkups.current(ctx, "Alex")
        if now.stage != "asking":
            break
        assert now.question is not None
        answer = {"question_id": now.question.id, "value": plausible(now.question)}
        assert api.post("/checkup/answers", answer).status_code == 200
    recorded = api.post("/checkup/finish")
    assert recorded.status_code == 200
    uid = recorded.json()["uid"]
    results = api.get(f"/checkups/{uid}").json()
    assert results["values"] and "findings" in results
    assert api.get("/checkups").json()[0]["uid"] == uid
    program = api.get("/program").json()
    assert program["version"] == 1 and program["program"]["exercises"]
    session = program["program"]["day_types"][0]["id"]
    routine = api.get(f"/routine?session={session}").json()
    done = [{"exercise_id": e["main"]["exercise_id"], "sets_done": 1} for e in routine["exercises"]]
    entry = {"performed_on": str(date.today()), "exercises": done, "pain_after": 2}
    assert api.post("/sessions", entry).status_code == 201
    assert len(api.get("/history").json()["sessions"]) == 1
    for path in ("/progress", "/charts", "/retests", "/compare"):
        assert api.get(path).status_code == 200, path


def test_state_changing_api_calls_need_the_csrf_header(cast: Cast) -> None:
    client = cast.alex.client
    response = client.post(
        f"/api/people/{cast.alex.person_uid}/checkup/answers",
        json={"question_id": "age", "value": 30},
    )
    assert response.status_code == 403
    assert ErrorBody.model_validate(response.json()).code == "csrf.failed"


def test_only_a_clinician_edits_through_the_api(ctx: ServiceContext, cast: Cast) -> None:
    import json

    from kneechain.assess.case import Case
    from kneechain.services import assessment

    examples = Path(__file__).resolve().parents[2] / "examples"
    case = json.loads((examples / "desk_worker_bilateral_ir_deficit.json").read_text())
    assessment.record(ctx, "Alex", Case.model_validate(case))
    first = Api(cast.alex).get("/program").json()["program"]["exercises"][0]["exercise_id"]
    edit = [{"action": "redose", "exercise": first, "dose": "once a day", "note": "ok"}]
    assert Api(cast.alex).post("/program/edits", edit).status_code == 403
    changed = Api(cast.clinician).client.post(
        f"/api/people/{cast.alex.person_uid}/program/edits?expected_version=1",
        json=edit,
        headers={"X-CSRF-Token": Api(cast.clinician).token},
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2


def test_the_openapi_schema_describes_the_api(app: FastAPI, cast: Cast) -> None:
    schema = cast.nobody.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/people/{uid}/checkup/answers", "/api/people/{uid}/sessions",
                 "/api/people/{uid}/program/edits", "/api/session"):  # fmt: skip
        assert path in paths, path
    models = schema["components"]["schemas"]
    for model in ("CheckupStep", "SessionEntry", "ProgramEdit", "CheckupReport"):
        assert model in models, model


def test_clip_types_are_sniffed_from_the_content(ctx: ServiceContext, tmp_path: Path) -> None:
    assert sniff_video(b"\x00\x00\x00\x18ftypmp42") == "mp4"
    assert sniff_video(b"\x1a\x45\xdf\xa3\x01\x00") == "webm"
    assert sniff_video(b"%PDF-1.7 not a clip") is None
    assert sniff_video(b"") is None
    renamed = tmp_path / "squat.mp4"
    cases = [
        (b"", "clip.empty"),
        (b"%PDF-1.7\n" + b"x" * 100, "clip.not_video"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "clip.unreadable"),
    ]
    for data, code in cases:
        renamed.write_bytes(data)
        with pytest.raises(KneechainError) as refused:
            check_clip(ctx, renamed)
        assert refused.value.code == code
