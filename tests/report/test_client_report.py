"""`kneechain client-report`: a clinician's printable report of one client, made through
services.reports (issue #12): findings with evidence, measurements over time against the
smallest real change, the program's versions, adherence and pain."""

from __future__ import annotations

import io
from pathlib import Path

import html5lib
import pytest

from tests.plain_words import ids_shown
from tests.report.conftest import run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ARTIFACTS = ROOT / "test-artifacts" / "handouts"


pytestmark = pytest.mark.usefixtures("own_data")


def _client() -> None:
    for args in (
        ("person", "add", "Ana"),
        ("record", str(EXAMPLES / "runner_right_valgus_pelvic_drop.json")),
        ("program", "edit", "--remove", "lateral lunge", "--note", "it hurt", "--by", "Dr Lee"),
        ("measure", "sls_fppa", "--left", "9", "--right", "10", "--date", "2026-11-09"),
        ("score", "--nprs", "3", "--date", "2026-11-09"),
    ):
        code, out = run(*args)
        assert code == 0, (args, out)
    for day in ("2026-10-20", "2026-10-21", "2026-10-23", "2026-10-27"):
        code, out = run(
            "log", "-e", "glute bridge:2", "--pain-before", "5", "--pain-after", "3", "--date", day
        )
        assert code == 0, out


def test_report_pdf_and_html_hold_every_part(tmp_path: Path) -> None:
    from pypdf import PdfReader

    _client()
    pdf, page = tmp_path / "ana.pdf", tmp_path / "ana.html"
    code, out = run("client-report", "--pdf", str(pdf), "--html", str(page))
    assert code == 0, out
    assert f"Wrote {page}" in out and f"Wrote {pdf}" in out
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "client_report.pdf").write_bytes(pdf.read_bytes())
    html = page.read_text(encoding="utf-8")
    doc = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    versions = doc.findall(".//table[@id='versions']//tr")
    assert len(versions) == 3  # header, version 1, version 2
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages
    )
    assert "Clinician report: Ana" in text
    assert "Knee dives inward under load" in text and "For: Frontal plane projection" in text
    assert "removed Lateral lunge (why: it hurt), by Dr Lee" in text
    assert "Smallest real change" in text and "8 deg" in text
    assert "Overall adherence" in text and "Pain before sessions" in text
    assert "data:image/svg+xml;base64," in html, "the progress charts are in the report"
    assert ids_shown(text) == []


def test_report_needs_a_file_and_a_known_person(tmp_path: Path) -> None:
    code, out = run("client-report")
    assert code == 2 and "--pdf FILE" in out
    run("person", "add", "Ana")
    code, out = run("client-report", "--person", "Nobody", "--pdf", str(tmp_path / "x.pdf"))
    assert code != 0 and "Nobody" in out and "Traceback" not in out
