"""`kneechain serve --demo` (what `make demo` serves): fresh demo records with a real clip
analysed, the logins printed, the app answering; `--check` stops it instead of serving on."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kneechain.cli import app
from kneechain.services.context import ServiceContext
from kneechain.settings import Settings
from kneechain.track.models import VideoAnalysisRecord


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_the_web_demo_seeds_prints_the_logins_and_answers(tmp_path: Path) -> None:
    out = tmp_path / "web"
    port = _free_port()
    args = ["serve", "--demo", "--check", "--port", str(port), "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"http://127.0.0.1:{port}" in result.output
    for email in ("clinician@demo.kneechain", "sam@demo.kneechain", "robin@demo.kneechain"):
        assert email in result.output
    assert "answers 200" in result.output
    with ServiceContext.open(Settings(data_dir=out / "data")) as ctx, ctx.db() as db:
        videos = db.scalars(select(VideoAnalysisRecord)).all()
    if (out / "clips" / "walking-side-view.mp4").exists():
        assert videos and videos[0].evidence_hashes and videos[0].assessment_id
