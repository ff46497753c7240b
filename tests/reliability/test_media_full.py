"""The media storage is full when a clip is uploaded: the upload gets a clear error, the
database stays consistent (no media row, no job, no pending clip), earlier media are intact and
no partial file is left in the store.

Real: a 1 MB tmpfs mounted over the media folder (needs root and mount; skipped, with the
reason, where it cannot be had). Simulated: the copy into the store writes part of the file and
fails with ENOSPC, at the MediaStore boundary. Protection: MediaStore._write turns ENOSPC/EDQUOT
into StorageError("storage.full") and removes its temporary file."""

from __future__ import annotations

import errno
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kneechain.services import checkups
from kneechain.services.context import ServiceContext
from kneechain.track import media
from kneechain.track.models import JobRecord, MediaItemRecord
from tests.reliability.wizard import to_first_clip
from tests.web.conftest import Cast

CLIP = Path("/work/shared/data/walk_and_jump_sports2d_demo.mp4")
EARLIER = b"\x89PNG\r\n\x1a\n" + b"an earlier proof picture " * 1000  # 25 kB


def clip_file(tmp_path: Path) -> Path:
    """A real phone clip (the walking demo when present, else the first pinned sample)."""
    if CLIP.is_file():
        return CLIP
    from kneechain.vision.sample_data import demo_video

    found = demo_video()
    if found is None:
        pytest.skip("no sample clip could be had (see kneechain.vision.sample_data)")
    return found


@pytest.fixture
def small_media_folder(ctx: ServiceContext) -> Iterator[Path]:
    """The media folder as a 1 MB tmpfs (unmounted afterwards)."""
    folder = ctx.settings.media_dir
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        pytest.skip("no mount command: the simulated ENOSPC test covers this")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs ({done.stderr.strip()}): simulated test covers it")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def upload(cast: Cast, ctx: ServiceContext, clip: Path) -> object:
    question = to_first_clip(cast.alex, ctx, "Alex")
    with clip.open("rb") as handle:
        return cast.alex.client.post(
            f"/people/{cast.alex.person_uid}/checkup/clip",
            data={"csrf_token": cast.alex.csrf(), "question_id": question},
            files={"clip": ("walk.mp4", handle, "video/mp4")},
        )


def check_nothing_stored_and_earlier_intact(ctx: ServiceContext, earlier: str) -> None:
    with ctx.db() as db:
        assert db.scalar(select(func.count()).select_from(JobRecord)) == 0
        videos = select(func.count()).select_from(MediaItemRecord)
        assert db.scalar(videos.where(MediaItemRecord.kind == "video")) == 0
    assert checkups.current(ctx, "Alex").question.kind == "clip"  # type: ignore[union-attr]
    assert ctx.store.media.read_bytes(earlier) == EARLIER
    leftovers = [p for p in ctx.settings.media_dir.rglob("*") if p.name.startswith(".incoming-")]
    assert leftovers == []


def assert_clear_error(response: object) -> None:
    assert response.status_code == 503, response.text[:300]  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert "no room left to store this file" in text and "Traceback" not in text


@pytest.mark.slow
def test_a_full_media_folder_refuses_the_upload_clearly(
    ctx: ServiceContext, cast: Cast, small_media_folder: Path, tmp_path: Path
) -> None:
    earlier = ctx.store.media.put_bytes(EARLIER)
    clip = clip_file(tmp_path)
    assert clip.stat().st_size > 1024 * 1024  # larger than the room left
    response = upload(cast, ctx, clip)
    assert_clear_error(response)
    check_nothing_stored_and_earlier_intact(ctx, earlier)


def test_enospc_at_the_media_store_boundary(
    ctx: ServiceContext, cast: Cast, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    earlier = ctx.store.media.put_bytes(EARLIER)

    def half_then_full(source: str, target: str) -> None:
        Path(target).write_bytes(Path(source).read_bytes()[:4096])  # part of it, then no room
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(media.shutil, "copyfile", half_then_full)
    response = upload(cast, ctx, clip_file(tmp_path))
    assert_clear_error(response)
    check_nothing_stored_and_earlier_intact(ctx, earlier)
