"""The camera coach's server side: the page of a program exercise (its own CSP, the person's
findings on the cues), the pose runtime served from our own files with the right types, and
"save to my log" (CSRF, validation, the counts stored with the session)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI

from kneechain.assess.case import Case
from kneechain.services import assessment, tracking
from kneechain.services.context import ServiceContext
from kneechain.web import coach_assets
from tests.web.conftest import Browser

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def alex(app: FastAPI, ctx: ServiceContext) -> Browser:
    """Alex, with the program of the runner example (lateral lunge, right side emphasised)."""
    browser = Browser(app).signup("alex@example.org", "Alex")
    data = json.loads((EXAMPLES / "runner_right_valgus_pelvic_drop.json").read_text())
    assessment.record(ctx, "Alex", Case.model_validate(data))
    return browser


def test_the_program_offers_the_camera_for_coached_exercises(alex: Browser) -> None:
    page = alex.get(f"/people/{alex.person_uid}/program").text
    if "Save session" not in page:  # a rest day today: open a session
        session = re.search(r"program\?session=([a-z_]+)", page)
        assert session
        page = alex.get(f"/people/{alex.person_uid}/program?session={session.group(1)}").text
    links = re.findall(r'href="[^"]*/program/coach/([a-z_]+)"', page)
    assert "lateral_lunge" in links or "glute_bridge" in links


def test_the_coach_page_names_dose_cues_and_the_persons_findings(alex: Browser) -> None:
    response = alex.get(f"/people/{alex.person_uid}/program/coach/lateral_lunge")
    assert response.status_code == 200
    page = response.text
    assert "Start with the camera" in page and "Lateral lunge" in page
    assert "Knee over your second toe" in page
    assert "your check-up: knee dives inward under load" in page
    config = json.loads(
        re.search(r"data-config='([^']*)'", page).group(1).replace("&#39;", "'")  # type: ignore[union-attr]
    )
    assert config["signal"] == "stance_width" and config["target"]["reps"] == 12
    knee = next(c for c in config["cues"] if c["id"] == "knee_over_toe")
    assert knee["yours"], "the runner's knee valgus finding is tied to the knee cue"
    assert '<script src="/coach/pose/pose.js"' in page
    assert "<script>" not in page  # no inline script


def test_only_the_coach_page_may_compile_webassembly(alex: Browser) -> None:
    coach = alex.get(f"/people/{alex.person_uid}/program/coach/glute_bridge")
    csp = coach.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in csp
    assert "'unsafe-eval'" not in csp and "'unsafe-inline'" not in csp
    assert "connect-src 'self'" in csp and "default-src 'self'" in csp
    other = alex.get(f"/people/{alex.person_uid}/program")
    assert "wasm-unsafe-eval" not in other.headers["content-security-policy"]


def test_an_exercise_outside_the_program_or_not_coached_says_so(alex: Browser) -> None:
    base = f"/people/{alex.person_uid}/program/coach"
    outside = alex.get(f"{base}/ankle_mobility_stretch")
    assert outside.status_code == 404 and "not in your current program" in outside.text
    variant = alex.get(f"{base}/lateral_lunge_supported")  # the lunge's easier version
    assert variant.status_code == 200 and "Short lateral lunge" in variant.text


def test_another_persons_coach_page_is_refused(app: FastAPI, alex: Browser) -> None:
    blair = Browser(app).signup("blair@example.org", "Blair")
    assert blair.get(f"/people/{alex.person_uid}/program/coach/glute_bridge").status_code == 403


@pytest.mark.skipif(not coach_assets.installed(), reason="pose files not set up (make venv)")
@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("pose.js", "text/javascript"),
        ("pose_solution_simd_wasm_bin.wasm", "application/wasm"),
        ("pose_landmark_lite.tflite", "application/octet-stream"),
        ("pose_solution_packed_assets.data", "application/octet-stream"),
        ("pose_web.binarypb", "application/octet-stream"),
    ],
)
def test_pose_files_are_served_from_our_copy_with_their_types(
    browser: Browser, name: str, media_type: str
) -> None:
    response = browser.get(f"/coach/pose/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "immutable" in response.headers["cache-control"]
    assert len(response.content) == (coach_assets.asset_dir() / name).stat().st_size


def test_only_the_packages_files_are_served(browser: Browser) -> None:
    for name in ("package.json", "..%2F..%2Fpyproject.toml", "README.md"):
        assert browser.get(f"/coach/pose/{name}").status_code == 404


def test_a_missing_pose_runtime_is_a_plain_message(
    browser: Browser, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(coach_assets, "asset_dir", lambda: tmp_path / "nothing")
    response = browser.get("/coach/pose/pose.js", headers={"accept": "application/json"})
    assert response.status_code == 503
    assert "make venv" in response.json()["message"]


SETS = {
    "sets": [
        {"reps": 12, "seconds_under_tension": 21.5, "side": "right", "cues": {"knee_over_toe": 2}},
        {"reps": 10, "seconds_under_tension": 18.0, "side": "left", "cues": {}},
    ]
}


def save(browser: Browser, exercise: str, body: object, token: str | None) -> object:
    headers = {"content-type": "application/json", "accept": "application/json"}
    if token:
        headers["x-csrf-token"] = token
    url = f"/people/{browser.person_uid}/program/coach/{exercise}/sets"
    return browser.client.post(url, content=json.dumps(body), headers=headers)


def test_saving_needs_the_csrf_token(alex: Browser) -> None:
    response = save(alex, "lateral_lunge", SETS, None)
    assert response.status_code == 403  # type: ignore[attr-defined]


def test_saved_sets_are_in_the_log_with_their_counts(ctx: ServiceContext, alex: Browser) -> None:
    response = save(alex, "lateral_lunge", SETS, alex.csrf())
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    logged = tracking.history(ctx, "Alex").sessions
    assert len(logged) == 1
    done = logged[0].exercises[0]
    assert done.exercise_id == "lateral_lunge" and done.sets_done == 2
    assert [s.reps for s in done.coached] == [12, 10]
    assert done.coached[0].cues == {"knee_over_toe": 2} and done.coached[0].side == "right"
    assert done.coached[1].seconds_under_tension == 18.0
    progress = alex.get(f"/people/{alex.person_uid}/progress").text
    shown = re.search(r'data-coached="lateral_lunge">([^<]*)<', progress)
    assert shown, "the progress page shows the coached sets"
    expected = "Lateral lunge with the camera: 12 reps right, 10 reps left · 2 form cues"
    assert shown.group(1) == expected


def test_a_variant_is_logged_as_the_easier_version(ctx: ServiceContext, alex: Browser) -> None:
    body = {"sets": [{"reps": 8, "seconds_under_tension": 12, "cues": {}}]}
    assert save(alex, "lateral_lunge_supported", body, alex.csrf()).status_code == 200  # type: ignore[attr-defined]
    done = tracking.history(ctx, "Alex").sessions[0].exercises[0]
    assert done.exercise_id == "lateral_lunge"
    assert done.regression_id == "lateral_lunge_supported"


@pytest.mark.parametrize(
    "body",
    [
        {"sets": []},
        {"sets": [{"reps": -1, "seconds_under_tension": 3}]},
        {"sets": [{"reps": 3, "seconds_under_tension": 3, "video": "..."}]},
        {"sets": [{"reps": 3, "seconds_under_tension": 3, "side": "middle"}]},
    ],
)
def test_bad_counts_are_refused_in_plain_words(
    ctx: ServiceContext, alex: Browser, body: object
) -> None:
    response = save(alex, "glute_bridge", body, alex.csrf())
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "could not be saved" in response.json()["message"]  # type: ignore[attr-defined]
    assert tracking.history(ctx, "Alex").sessions == []
