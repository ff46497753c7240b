"""Reading the program's input file: any file a person might pick ends in a plain message."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kneechain.assess.caseio import CaseError, load_case
from kneechain.cli import app
from kneechain.knowledge.render import agree
from kneechain.program.source import ProgramInputError, read_input
from tests import packaged

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "desk_worker_bilateral_ir_deficit.json"


def _case() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (bytes(range(256)) * 4, "is not UTF-8 text"),
        (json.dumps(_case()).encode("utf-16"), "saved as UTF-16"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "is not UTF-8 text"),
    ],
)
def test_a_file_that_is_not_utf8_text_is_refused_in_plain_words(
    tmp_path: Path, data: bytes, words: str
) -> None:
    path = _write(tmp_path, "case.json", data)
    with pytest.raises(ProgramInputError, match=words):
        read_input(path, packaged.rules, packaged.kb)
    with pytest.raises(CaseError, match=words):
        load_case(path)
    result = CliRunner().invoke(app, ["program", "-i", str(path)])
    assert result.exit_code == 2
    assert words in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, "bom.json", b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    assert read_input(path, packaged.rules, packaged.kb).assessed_on is not None
    assert load_case(path).assessed_on is not None
    assert CliRunner().invoke(app, ["program", "-i", str(path)]).exit_code == 0


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("measurements", 0, "value"), True),
        (("complaint", "nprs_now"), False),
        (("person", "age"), True),
    ],
)
def test_yes_or_no_where_a_number_goes_is_refused(
    tmp_path: Path, where: tuple[str | int, ...], value: bool
) -> None:
    """JSON `true` would otherwise be read as 1 (a hip turning in 1 degree)."""
    case = _case()
    target = case
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    path = _write(tmp_path, "case.json", json.dumps(case).encode())
    with pytest.raises(ProgramInputError) as info:
        read_input(path, packaged.rules, packaged.kb)
    assert any(f"should be a number, not {str(value).lower()}" in p for p in info.value.problems)
    result = CliRunner().invoke(app, ["program", "-i", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_numbers_written_as_text_by_a_person_still_read(tmp_path: Path) -> None:
    """Only yes/no is refused; the questionnaire passes typed answers as text."""
    case = _case()
    case["person"]["age"] = "41"
    path = _write(tmp_path, "case.json", json.dumps(case).encode())
    assert load_case(path).person.age == 41


def test_one_degree_is_singular_wherever_values_are_written(tmp_path: Path) -> None:
    case = _case()
    case["measurements"][0]["value"] = 1  # hip_ir_supine, left
    path = _write(tmp_path, "case.json", json.dumps(case).encode())
    explanations = " ".join(
        f.explanation for f in read_input(path, packaged.rules, packaged.kb).result.findings
    )
    assert "1 degree (left)" in explanations
    assert not re.search(r"(?<![\d.])1 degrees", explanations)
    assert agree("1 degrees, 21 degrees, 0.1 degrees, 1-2 rounds, 1 sets") == (
        "1 degree, 21 degrees, 0.1 degrees, 1-2 rounds, 1 set"
    )
