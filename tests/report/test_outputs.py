"""The handout (HTML, PDF), the calendar and the `kneechain program` command."""

from __future__ import annotations

import base64
import io
import json
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from pathlib import Path

import html5lib
import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from kneechain.cli import app
from kneechain.knowledge.loader import default_knowledge
from kneechain.program.build import ProgramOptions, build_program
from kneechain.program.models import Program
from kneechain.program.source import read_input
from kneechain.report.calendar import render_ics
from kneechain.report.handout import render_html, render_pdf
from tests import packaged

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ARTIFACTS = ROOT / "test-artifacts" / "handouts"
RUNNER = EXAMPLES / "runner_right_valgus_pelvic_drop.json"
RED_FLAG = EXAMPLES / "red_flag_hot_swollen_knee.json"
START = date(2026, 11, 30)
runner = CliRunner()


def program_for(path: Path, runner: bool = False) -> Program:
    return build_program(
        read_input(path, packaged.rules, packaged.kb).result,
        ProgramOptions(start_date=START, runner=runner),
        packaged.program_rules,
        packaged.kb,
    )


def handout(program: Program) -> str:
    return render_html(program, packaged.kb, packaged.program_rules, packaged.illustrations)


def parse_strict(page: str):
    """html5lib in strict mode raises on any parse error: a strict validity check of the markup."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_handout_is_valid_html_and_shows_every_picture(path: Path) -> None:
    program = program_for(path)
    page = handout(program)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{path.stem}.html").write_text(page, encoding="utf-8")
    doc = parse_strict(page)
    ids = [el.get("id") for el in doc.iter() if el.get("id")]
    assert len(ids) == len(set(ids)), "element ids are unique"
    assert "http" not in page.replace("http://www.w3.org/2000/svg", ""), "self-contained"
    imgs = doc.findall(".//img")
    expected = sum(len(d.exercise_ids) for d in program.day_types) + len(program.retests)
    assert len(imgs) == expected
    for img in imgs:
        src = img.get("src")
        assert src.startswith("data:image/svg+xml;base64,") and img.get("alt")
        svg = ET.fromstring(base64.b64decode(src.split(",", 1)[1]))
        assert svg.find("{http://www.w3.org/2000/svg}title").text in img.get("alt")
    sections = doc.findall(".//section")
    plan_page = 1 if program.plan or program.running else 0
    assert len(sections) == 1 + plan_page + len(program.day_types) + (1 if program.retests else 0)


def test_handout_says_why_each_exercise_is_there_and_shows_its_cautions() -> None:
    program = program_for(RUNNER)
    doc = parse_strict(handout(program))
    for day in program.day_types:
        for ex_id in day.exercise_ids:
            article = doc.find(f".//article[@id='{day.id}-{ex_id}']")
            text = " ".join(article.itertext())
            p = program.exercise(ex_id)
            assert p.dosage_text in text
            for r in p.reasons:
                assert r.finding_name in text and " → ".join(r.chain) in text
            for caution in p.cautions:
                assert caution in text


def test_referral_handout_has_no_exercise_pages() -> None:
    program = program_for(RED_FLAG)
    page = handout(program)
    doc = parse_strict(page)
    assert doc.findall(".//article") == [] and len(doc.findall(".//section")) == 1
    assert program.referral[0].refer_to in page


def _page_texts(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def test_pdf_starts_every_section_on_its_own_page() -> None:
    program = program_for(RUNNER)
    pdf = render_pdf(handout(program))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "runner.pdf").write_bytes(pdf)
    pages = _page_texts(pdf)
    headings = ["Your knee program", *(d.name for d in program.day_types), "Re-tests"]
    starts = [i for i, text in enumerate(pages) if any(text.startswith(h) for h in headings)]
    assert [pages[i].split("\n")[0] for i in starts] == headings
    assert len(pages) >= len(headings)
    for name in (p.name for p in program.exercises):
        assert any(name.split()[0] in text for text in pages)


def test_referral_pdf_is_one_page() -> None:
    pages = _page_texts(render_pdf(handout(program_for(RED_FLAG))))
    assert len(pages) == 1 and pages[0].startswith("Your knee program")


def test_calendar_parses_back_with_every_session_and_retest() -> None:
    program = program_for(RUNNER)
    cal = Calendar.from_ical(render_ics(program))
    events = list(cal.walk("VEVENT"))
    sessions = [e for e in events if isinstance(e.decoded("dtstart"), datetime)]
    retests = [e for e in events if not isinstance(e.decoded("dtstart"), datetime)]
    assert len(sessions) == program.weeks * program.sessions_per_week == 42
    assert len(retests) == sum(len(t.weeks) for t in program.retests)
    assert len({str(e["uid"]) for e in events}) == len(events)
    first = min(sessions, key=lambda e: e.decoded("dtstart"))
    assert first.decoded("dtstart") == datetime(2026, 11, 30, 7, 30)
    assert "Strength day" in str(first["summary"])
    assert program.exercise("glute_bridge").dosage_text in str(first["description"])
    last = max(sessions, key=lambda e: e.decoded("dtstart"))
    assert last.decoded("dtstart").date() == START + timedelta(days=41)
    mondays = [e for e in sessions if e.decoded("dtstart").weekday() == 0]
    assert all("Strength day" in str(e["summary"]) for e in mondays)


def test_each_session_says_when_to_stop_and_what_this_week_changes() -> None:
    program = program_for(RUNNER, runner=True)
    assert program.stop_rule and program.plan and program.running
    sessions = sorted(
        (
            e
            for e in Calendar.from_ical(render_ics(program)).walk("VEVENT")
            if isinstance(e.decoded("dtstart"), datetime)
        ),
        key=lambda e: e.decoded("dtstart"),
    )
    texts = [str(e["description"]) for e in sessions]
    assert all(program.stop_rule in t for t in texts)
    last_step = max(program.plan, key=lambda s: s.week)
    assert all(item in texts[-1] for item in last_step.items)
    assert f"({program.weeks} of {program.weeks})" in texts[-1]
    first_step = min(program.plan, key=lambda s: s.week)
    if first_step.week == 1:
        assert all(item in texts[0] for item in first_step.items)
    # the running advice once a week, on the week's first session
    advice = program.running.advice[0]
    with_advice = [e.decoded("dtstart").date() for e in sessions if advice in str(e["description"])]
    assert len(with_advice) == program.weeks
    assert len({(d - START).days // 7 for d in with_advice}) == program.weeks


def test_calendar_is_empty_for_a_referral_and_identical_when_rebuilt() -> None:
    assert list(Calendar.from_ical(render_ics(program_for(RED_FLAG))).walk("VEVENT")) == []
    assert render_ics(program_for(RUNNER)) == render_ics(program_for(RUNNER))


def test_cli_prints_json_and_writes_every_output(tmp_path: Path) -> None:
    html, pdf, ics = tmp_path / "h.html", tmp_path / "h.pdf", tmp_path / "h.ics"
    args = ["program", "-i", str(RUNNER), "--format", "json", "--start", "2026-11-30"]
    result = runner.invoke(app, [*args, "--html", str(html), "--pdf", str(pdf), "--ics", str(ics)])
    assert result.exit_code == 0, result.output
    program = Program.model_validate(json.loads(result.output))
    assert program.exercises and program.start_date == START
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert Calendar.from_ical(ics.read_bytes())


def test_cli_text_output_and_assessment_result_input(tmp_path: Path) -> None:
    assessed = runner.invoke(app, ["assess", "-i", str(RUNNER), "-f", "json"])
    saved = tmp_path / "result.json"
    saved.write_text(assessed.output)
    result = runner.invoke(app, ["program", "-i", str(saved)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "Glute bridge" in result.output and "Strength day" in result.output


def test_cli_rejects_bad_input_with_a_clear_message(tmp_path: Path) -> None:
    bad = tmp_path / "case.json"
    bad.write_text('{"person": {"age": 400}}')
    result = runner.invoke(app, ["program", "-i", str(bad)])
    assert result.exit_code == 2 and "not a valid case" in result.output
    result = runner.invoke(app, ["program", "-i", str(RUNNER), "--start", "30/11/2026"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
    result = runner.invoke(app, ["program", "-i", str(RUNNER), "--minutes", "twenty"])
    assert result.exit_code == 2 and "10-20" in result.output


def test_every_program_picture_exists_for_the_knowledge_base() -> None:
    kb = default_knowledge()
    program = program_for(RUNNER)
    assert all(p.exercise_id in kb.exercises for p in program.exercises)


def test_calendar_starting_midweek_keeps_weekdays_and_length() -> None:
    source = read_input(RUNNER, packaged.rules, packaged.kb)
    wednesday = date(2026, 12, 2)
    program = build_program(
        source.result,
        ProgramOptions(start_date=wednesday, weeks=2),
        packaged.program_rules,
        packaged.kb,
    )
    sessions = sorted(
        (
            e
            for e in Calendar.from_ical(render_ics(program)).walk("VEVENT")
            if isinstance(e.decoded("dtstart"), datetime)
        ),
        key=lambda e: e.decoded("dtstart"),
    )
    days = [e.decoded("dtstart").date() for e in sessions]
    assert days[0] == wednesday and days[-1] == wednesday + timedelta(days=13)
    assert len(days) == len(set(days)) == 14
    for e in sessions:
        strength = e.decoded("dtstart").weekday() in (0, 2, 4)
        assert ("Strength day" in str(e["summary"])) == strength


def test_missing_pango_gives_the_install_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    out = tmp_path / "x.pdf"
    result = runner.invoke(app, ["program", "-i", str(RUNNER), "--pdf", str(out)])
    # the machine lacks something (exit code 3), not the person's input (2)
    assert result.exit_code == 3 and "apt-get install libpango" in result.output
    assert not out.exists()


def test_writing_files_lists_them_instead_of_printing_the_program(tmp_path: Path) -> None:
    html, ics = tmp_path / "p.html", tmp_path / "p.ics"
    result = runner.invoke(
        app, ["program", "-i", str(RUNNER), "--html", str(html), "--ics", str(ics)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["Wrote", str(html), "Wrote", str(ics)]
    shown = runner.invoke(app, ["program", "-i", str(RUNNER)])
    assert "Wrote" not in shown.output and len(shown.output.splitlines()) > 20


def test_a_bad_routine_length_is_refused_naming_the_option() -> None:
    typo = runner.invoke(app, ["program", "-i", str(RUNNER), "--minutes", "ten"])
    assert typo.exit_code == 2 and "--minutes 'ten' is not a range" in typo.output
    too_long = runner.invoke(app, ["program", "-i", str(RUNNER), "--minutes", "60-150"])
    assert too_long.exit_code == 2 and "at most 120 minutes" in too_long.output
    assert "Traceback" not in too_long.output


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_every_handout_says_when_to_stop(path: Path) -> None:
    program = program_for(path)
    doc = parse_strict(handout(program))
    stop = doc.find(".//div[@id='stop-rule']")
    assert stop is not None and "see a clinician" in "".join(stop.itertext())


def test_runner_handout_has_the_week_by_week_plan_and_running_advice() -> None:
    source = read_input(RUNNER, packaged.rules, packaged.kb)
    program = build_program(
        source.result,
        ProgramOptions(start_date=START, runner=source.runner),
        packaged.program_rules,
        packaged.kb,
    )
    doc = parse_strict(handout(program))
    plan = doc.find(".//section[@id='plan']")
    assert plan is not None
    text = " ".join("".join(plan.itertext()).split())
    assert "Week by week" in text and "If you run" in text and "no mileage rule" in text
    rows = plan.findall(".//table[@class='plan']//tr")[1:]
    assert [r.find("td").text for r in rows] == ["1", "2-3", "4", "5", "6"]
