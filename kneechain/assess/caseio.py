"""Read and write case files, turning every validation problem into a line naming the field.

`CaseError` carries one line per problem, e.g.
`complaint.nprs_now: 12 is out of range; allowed 0 to 10` or
`measurements[0]: hip_ir_supine value 140 is outside the allowed range -30 to 90 deg`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kneechain.assess.case import MEASURES, Case, measures_in
from kneechain.errors import KneechainError, describe
from kneechain.knowledge.loader import KnowledgeBase


class CaseError(KneechainError, ValueError):
    """A case file cannot be read or does not validate; `problems` holds one line per problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        super().__init__(
            "case.invalid",
            f"{source} is not a valid case.",
            problems=problems,
            hint="See the case file format with `kneechain schema case`.",
        )


def describe_error(err: dict[str, Any]) -> str:
    """One readable line for one pydantic error of a case, naming the field and any range."""
    return describe(err, Case)


def validate_case(data: object, source: str = "case", kb: KnowledgeBase | None = None) -> Case:
    """Validate parsed JSON into a Case, or raise CaseError listing every problem; its
    measurements checked against `kb`'s measures (the packaged knowledge base's when None)."""
    if not isinstance(data, dict):
        raise CaseError(source, [f"expected a JSON object, got {type(data).__name__}"])
    context = {MEASURES: measures_in(kb)} if kb is not None else None
    try:
        return Case.model_validate(data, context=context)
    except ValidationError as exc:
        raise CaseError(source, [describe_error(e) for e in exc.errors()]) from exc


def parse_case(text: str, source: str = "case", kb: KnowledgeBase | None = None) -> Case:
    """Parse JSON text into a Case (checked against `kb`, see `validate_case`), or raise
    CaseError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseError(
            source, [f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]
        ) from exc
    return validate_case(data, source, kb)


UTF8_BOM = b"\xef\xbb\xbf"


def decode_text(data: bytes) -> str:
    """The text of a JSON or YAML file: UTF-8, with or without a byte-order mark. Anything else
    raises ValueError saying, in plain words, what the file seems to be."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("it is saved as UTF-16 text; save it again as UTF-8")
    try:
        return data.removeprefix(UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            "it is not UTF-8 text (perhaps a picture, a video or another binary file, or text "
            f"saved in another encoding; the first bad byte is at position {exc.start})"
        ) from None


def read_text_file(path: Path) -> str:
    """A text file's contents (see `decode_text`); OSError when it cannot be opened."""
    return decode_text(path.read_bytes())


def load_case(path: Path, kb: KnowledgeBase | None = None) -> Case:
    """Read a case file (checked against `kb`, see `validate_case`), or raise CaseError naming
    the file and each problem."""
    try:
        text = read_text_file(path)
    except OSError as exc:
        raise CaseError(str(path), [f"cannot be read: {exc.strerror or exc}"]) from exc
    except ValueError as exc:
        raise CaseError(str(path), [f"cannot be read: {exc}"]) from exc
    return parse_case(text, str(path), kb)


def case_json(case: Case) -> str:
    """The case as indented JSON, leaving out fields that were not answered."""
    return case.model_dump_json(indent=2, exclude_none=True) + "\n"


def save_case(case: Case, path: Path) -> None:
    """Write a case file (parent folders must exist)."""
    path.write_text(case_json(case), encoding="utf-8")
