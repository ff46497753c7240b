"""Progress charts: the right data with norms and minimal changes, drawn to PNG and SVG.

The PNGs land in test-artifacts/track/ for a person to look at.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from kneechain.assess.case import Measurement
from kneechain.track.chartdata import progress_panels
from kneechain.track.charts import progress_chart
from kneechain.track.db import Store
from kneechain.track.errors import TrackError
from kneechain.track.logbook import log_session, record_outcome
from kneechain.track.people import add_person, find_person
from kneechain.track.records import add_measurements
from tests import packaged

from .factories import session_on

START = date(2026, 1, 5)


def _m(measure: str, value: float, side: str | None) -> Measurement:
    return Measurement(measure=measure, value=value, side=side)


def fill_six_weeks(store: Store, name: str = "Alex", sex: str | None = "female") -> None:
    """A plausible six weeks: right hip and left ankle improve, FPPA and pain ease."""
    with store.session() as db:
        user = add_person(db, name, sex=sex)
        for week in range(0, 7, 2):
            day = START + timedelta(weeks=week)
            add_measurements(db, user, day, [
                _m("hip_ir_supine", 30 + week * 0.3, "left"),
                _m("hip_ir_supine", 17 + week * 2.0, "right"),
                _m("ankle_df_angle", 31 + week * 1.2, "left"),
                _m("ankle_df_angle", 37 + week * 0.2, "right"),
                _m("sls_fppa", 17 - week * 0.6, "left"),
                _m("sls_fppa", 14 - week * 1.5, "right"),
            ], packaged.kb)  # fmt: skip
            record_outcome(db, user, "kujala", 62 + week * 2.5, day, kb=packaged.kb)
        for week in range(7):
            record_outcome(
                db,
                user,
                "nprs",
                max(0.0, 6 - 0.6 * week),
                START + timedelta(weeks=week),
                kb=packaged.kb,
            )
            for offset in (0, 2, 4):
                day = START + timedelta(weeks=week, days=offset)
                log_session(
                    db,
                    user,
                    session_on(day, pain_before=max(0, 6 - week), pain_after=2),
                    kb=packaged.kb,
                )


def test_panels_carry_norms_and_verdicts(sqlite_store: Store) -> None:
    fill_six_weeks(sqlite_store)
    with sqlite_store.session() as db:
        panels = progress_panels(db, find_person(db, "Alex"), packaged.kb, packaged.tracking)
    hip, ankle, fppa, nprs, kujala = panels
    assert hip.norm_line == 30 and hip.threshold == 25 and hip.min_change == 5.4
    assert {line.label: line.verdict for line in hip.lines} == {
        "left": "no clear change yet",  # +1.8 deg
        "right": "improved",  # +12 deg
    }
    assert ankle.norm_band == (35, 40) and ankle.min_change == 4.7
    assert fppa.norm_line == 8.4  # women without knee pain, not the patellofemoral-pain mean
    assert {line.label: line.verdict for line in fppa.lines} == {
        "left": "no clear change yet",  # -3.6 deg, SDD 8
        "right": "improved",  # -9 deg
    }
    assert nprs.min_change == 1.2 and nprs.lines[0].verdict == "improved"
    assert len(nprs.extra[0].points) == 21
    assert kujala.min_change == 10 and kujala.lines[0].verdict == "improved"  # +15


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_chart_files(sqlite_store: Store, artifacts: Path, suffix: str) -> None:
    fill_six_weeks(sqlite_store)
    out = artifacts / f"progress_six_weeks{suffix}"
    out.unlink(missing_ok=True)
    with sqlite_store.session() as db:
        progress_chart(db, find_person(db, "Alex"), out, packaged.kb, packaged.tracking)
    assert out.stat().st_size > 20_000
    head = out.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in out.read_bytes()[:2000]


def test_chart_with_little_data(sqlite_store: Store, artifacts: Path) -> None:
    with sqlite_store.session() as db:
        user = add_person(db, "Sam")
        add_measurements(db, user, START, [_m("hip_ir_supine", 24, "left")], packaged.kb)
        out = progress_chart(
            db, user, artifacts / "progress_first_day.png", packaged.kb, packaged.tracking
        )
    assert out.is_file()


def test_chart_format_checked(sqlite_store: Store, tmp_path: Path) -> None:
    with sqlite_store.session() as db:
        user = add_person(db, "Sam")
        with pytest.raises(TrackError, match=r"must end in \.png or \.svg"):
            progress_chart(db, user, tmp_path / "chart.jpg", packaged.kb, packaged.tracking)
