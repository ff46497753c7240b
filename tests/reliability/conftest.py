"""The web tests' fixtures (an app over its own data folder, browsers with their CSRF token and
the cast of people and clinicians), shared with the reliability tests, plus Alex's resources."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from kneechain.assess.case import Case
from kneechain.services import assessment, programs
from kneechain.services.context import ServiceContext
from kneechain.track.models import MediaItemRecord, PersonRecord
from tests.web.conftest import (  # noqa: F401  (fixtures)
    Cast,
    _quick_password_hashing,
    app,
    browser,
    cast,
    ctx,
    settings,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclass(frozen=True)
class Owned:
    """Resources of Alex's record that another user could try to reach by their identifier."""

    checkup_uid: str
    media_sha256: str
    clinician_uid: str
    exercise_id: str  # an exercise of Alex's program (a knowledge-base id, not Alex's own)


@pytest.fixture
def owned(ctx: ServiceContext, cast: Cast) -> Owned:  # noqa: F811
    """Alex with a stored check-up (and program) and a proof picture; Dr Kim linked."""
    data = json.loads((EXAMPLES / "desk_worker_bilateral_ir_deficit.json").read_text())
    on = date.today() - timedelta(days=7)
    recorded = assessment.record(ctx, "Alex", Case.model_validate(data | {"assessed_on": str(on)}))
    digest = ctx.store.media.put_bytes(b"\x89PNG\r\n\x1a\nalex's proof picture")
    with ctx.db() as db:
        alex = db.scalar(select(PersonRecord).where(PersonRecord.name == "Alex"))
        assert alex is not None
        db.add(
            MediaItemRecord(
                user_id=alex.id, sha256=digest, kind="frame", filename="a.png", size_bytes=27
            )
        )
    assert cast.clinician.person_uid
    exercise = programs.current(ctx, "Alex").program.exercises[0].exercise_id
    return Owned(recorded.uid, digest, cast.clinician.person_uid, exercise)
