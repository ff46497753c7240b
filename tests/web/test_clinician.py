"""The clinician's pages: the client's record, two check-ups side by side, editing the program
(a new version each time, stale edits refused, people may not edit), and the client report."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from kneechain.assess.case import Case
from kneechain.services import assessment, programs
from kneechain.services.context import ServiceContext
from tests.web.conftest import Cast

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def two_checkups(ctx: ServiceContext, cast: Cast) -> None:
    data = json.loads((EXAMPLES / "desk_worker_bilateral_ir_deficit.json").read_text())
    first = date.today() - timedelta(days=28)
    assessment.record(ctx, "Alex", Case.model_validate(data | {"assessed_on": str(first)}))
    for item in data["measurements"]:
        if item["measure"] == "hip_ir_supine":
            item["value"] += 12
    later = Case.model_validate(data | {"assessed_on": str(date.today())})
    assessment.record(ctx, "Alex", later, with_program=False)


def test_the_record_offers_the_clinician_tools(cast: Cast, two_checkups: None) -> None:
    page = cast.clinician.get(f"/people/{cast.alex.person_uid}").text
    for label in ("Compare check-ups", "Edit the program", "Client report (PDF)"):
        assert label in page
    own = cast.alex.get(f"/people/{cast.alex.person_uid}").text
    assert "Edit the program" not in own


def test_two_checkups_side_by_side(cast: Cast, two_checkups: None) -> None:
    page = cast.clinician.get(f"/people/{cast.alex.person_uid}/compare")
    assert page.status_code == 200
    assert "Hip internal rotation, lying" in page.text and "improved" in page.text
    assert "±5.4" in page.text


def edit(cast: Cast, **form: str) -> object:
    return cast.clinician.post(f"/people/{cast.alex.person_uid}/program/edit", form)


def test_program_edits_make_versions_and_stale_edits_are_refused(
    ctx: ServiceContext, cast: Cast, two_checkups: None
) -> None:
    current = programs.current(ctx, "Alex")
    first = current.program.exercises[0]
    response = edit(cast, action="redose", exercise=first.exercise_id, dose="twice a day",
                    note="tolerates more", expected_version=str(current.version))  # fmt: skip
    assert response.status_code == 303  # type: ignore[attr-defined]
    after = programs.current(ctx, "Alex")
    assert after.version == current.version + 1
    assert after.program.exercises[0].dosage_text == "twice a day"
    stale = edit(cast, action="remove", exercise=first.exercise_id,
                 expected_version=str(current.version))  # fmt: skip
    assert stale.status_code == 409  # type: ignore[attr-defined]
    assert "changed meanwhile" in stale.text  # type: ignore[attr-defined]
    page = cast.clinician.get(f"/people/{cast.alex.person_uid}/program/edit").text
    assert "re-dosed" in page and "tolerates more" in page and "Dr Kim" in page
    client_view = cast.alex.get(f"/people/{cast.alex.person_uid}/program").text
    assert f"Version {after.version}" in client_view


def test_an_unknown_exercise_is_named_in_plain_words(cast: Cast, two_checkups: None) -> None:
    response = edit(cast, action="add", exercise="Moon walk", expected_version="1")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "No exercise is called" in response.text  # type: ignore[attr-defined]


def test_a_person_cannot_edit_their_program_or_get_the_clinician_report(
    cast: Cast, two_checkups: None
) -> None:
    uid = cast.alex.person_uid
    assert cast.alex.get(f"/people/{uid}/program/edit").status_code == 403
    data = {"action": "remove", "exercise": "x", "expected_version": "1"}
    assert cast.alex.post(f"/people/{uid}/program/edit", data).status_code == 403
    assert cast.alex.get(f"/people/{uid}/report.pdf").status_code == 403


def test_the_client_report_is_a_pdf(cast: Cast, two_checkups: None) -> None:
    response = cast.clinician.get(f"/people/{cast.alex.person_uid}/report.pdf")
    assert response.status_code in (200, 503)
    if response.status_code == 200:
        from io import BytesIO

        from pypdf import PdfReader

        text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
        assert "Alex" in text and "Limited hip internal rotation" in text
        assert "version" in text.lower()


def test_hands_on_findings_are_stored_for_the_client(
    ctx: ServiceContext, cast: Cast, two_checkups: None
) -> None:
    from sqlalchemy import select

    from kneechain.track.models import MeasurementRecord

    url = f"/people/{cast.alex.person_uid}"
    assert "Hands-on findings" in cast.clinician.get(url).text
    assert "Hands-on findings" not in cast.alex.get(url).text
    data = {"tender_regions.left": "4", "tender_regions.right": "1"}
    stored = cast.clinician.post(f"{url}/hands-on", data)
    assert stored.status_code == 303 and "hands_on_saved=1" in stored.headers["location"]
    with ctx.db() as db:
        rows = db.execute(
            select(MeasurementRecord.side, MeasurementRecord.value, MeasurementRecord.source).where(
                MeasurementRecord.measure_id == "tender_regions",
                MeasurementRecord.assessment_id.is_(None),
            )
        ).all()
    assert sorted(rows) == [("left", 4.0, "clinician"), ("right", 1.0, "clinician")]
    wrong = cast.clinician.post(f"{url}/hands-on", {"tender_regions.left": "99"})
    assert "hands_on_error" in wrong.headers["location"]
    assert cast.alex.post(f"{url}/hands-on", data).status_code == 403
