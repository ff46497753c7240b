"""Broken and adversarial uploads through the web upload (tests/reliability/hostile.py makes
them): each gets a clear error in plain words, the server keeps answering, nothing of the file
is kept (no media row, no job, no file in the store, no temporary upload left behind).

Protections: the type is sniffed from the content (never the name), the clip is probed before
it is stored, its length is limited by settings.upload_max_seconds and its picture size by
clips.MAX_SIDE/MAX_PIXELS (a decompression bomb: an 8000x8000 clip of 0.7 MB), and the name a
person gave is reduced to its last part without control characters before it is stored."""

from __future__ import annotations

import glob
import tempfile
from pathlib import Path

from sqlalchemy import func, select

from kneechain.services.context import ServiceContext
from kneechain.track.models import JobRecord, MediaItemRecord
from tests.reliability.hostile import corpus, tiny_clip
from tests.reliability.wizard import to_first_clip
from tests.web.conftest import Cast

UPLOAD_LEFTOVERS = str(Path(tempfile.gettempdir()) / "kneechain-upload-*")


def send(cast: Cast, question: str, path: Path, sent_as: str) -> object:
    with path.open("rb") as handle:
        return cast.alex.client.post(
            f"/people/{cast.alex.person_uid}/checkup/clip",
            data={"csrf_token": cast.alex.csrf(), "question_id": question},
            files={"clip": (sent_as, handle, "video/mp4")},
        )


def stored(ctx: ServiceContext) -> tuple[int, int, list[Path]]:
    with ctx.db() as db:
        media = db.scalar(select(func.count()).select_from(MediaItemRecord)) or 0
        jobs = db.scalar(select(func.count()).select_from(JobRecord)) or 0
    files = [p for p in ctx.settings.media_dir.rglob("*") if p.is_file()]
    return media, jobs, files


def test_every_hostile_file_gets_a_clear_error_and_leaves_nothing(
    ctx: ServiceContext, cast: Cast, tmp_path: Path
) -> None:
    question = to_first_clip(cast.alex, ctx, "Alex")
    leftovers_before = set(glob.glob(UPLOAD_LEFTOVERS))
    answers = {}
    for name, (path, sent_as) in corpus(tmp_path / "corpus").items():
        response = send(cast, question, path, sent_as)
        status = response.status_code  # type: ignore[attr-defined]
        text = response.text  # type: ignore[attr-defined]
        answers[name] = status
        assert status in (413, 422), f"{name}: {status} {text[:300]}"
        assert 'role="alert"' in text or "error" in text.lower(), name
        assert "Traceback" not in text and "cv2" not in text and str(path) not in text, name
        assert stored(ctx) == (0, 0, []), f"{name} left something behind"
    assert answers["huge-dimensions"] == 413 and answers["two-hours"] == 413
    assert set(glob.glob(UPLOAD_LEFTOVERS)) == leftovers_before
    assert cast.alex.get(f"/people/{cast.alex.person_uid}/checkup").status_code == 200


def test_a_file_name_with_path_separators_and_control_characters(
    ctx: ServiceContext, cast: Cast, tmp_path: Path
) -> None:
    question = to_first_clip(cast.alex, ctx, "Alex")
    hostile = "../../etc/passwd\x1b[31m\x07 ..\\..\\boot.ini\r\nkneechain.mp4"
    response = send(cast, question, tiny_clip(tmp_path), hostile)
    assert response.status_code == 303, response.text[:300]  # type: ignore[attr-defined]
    with ctx.db() as db:
        names = list(db.scalars(select(MediaItemRecord.filename)))
    assert len(names) == 1
    name = names[0]  # (the client may percent-encode the CR LF; the server keeps what it got)
    assert name.endswith("kneechain.mp4") and "/" not in name and "\\" not in name, name
    assert not [c for c in name if ord(c) < 32 or 127 <= ord(c) < 160], name
    files = [p for p in ctx.settings.data_dir.rglob("*") if p.is_file()]
    assert not [p for p in files if "passwd" in p.name or "boot" in p.name]
    assert not (ctx.settings.data_dir.parent / "etc").exists()
