"""Read the program generator's input: a case file (assessed here) or a saved assessment result."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from kneechain.assess.case import Case
from kneechain.assess.caseio import CaseError, read_text_file, validate_case
from kneechain.assess.engine import assess
from kneechain.assess.result import AssessmentResult
from kneechain.assess.rules import Rules
from kneechain.errors import KneechainError, validation_problems
from kneechain.knowledge.loader import KnowledgeBase


class ProgramInputError(KneechainError, ValueError):
    """The input file cannot be read as a case or an assessment result."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__("program_input.invalid", message, problems=problems or [])


@dataclass(frozen=True)
class ProgramInput:
    result: AssessmentResult
    assessed_on: date | None
    runner: bool = False


def is_runner(case: Case) -> bool:
    """The person runs: running among their activities, or a measurement taken running."""
    return any(a.kind == "running" for a in case.person.activities) or any(
        m.activity == "running" for m in case.measurements
    )


def _looks_like_result(data: object) -> bool:
    return isinstance(data, dict) and "findings" in data and "refer" in data


def read_input(path: Path, rules: Rules, kb: KnowledgeBase) -> ProgramInput:
    """Parse `path`: a case (`kneechain assess` input, assessed with `rules` and `kb`) or a
    result (`kneechain assess -f json`)."""
    try:
        data = json.loads(read_text_file(path))
    except OSError as exc:
        raise ProgramInputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise ProgramInputError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        ) from exc
    except ValueError as exc:  # not UTF-8 text
        raise ProgramInputError(f"cannot read {path}: {exc}") from exc
    if _looks_like_result(data):
        try:
            return ProgramInput(AssessmentResult.model_validate(data), None)
        except ValidationError as exc:
            problems = validation_problems(exc, AssessmentResult)
            raise ProgramInputError(f"{path} is not a valid assessment result", problems) from exc
    try:
        case = validate_case(data, str(path), kb)
    except CaseError as exc:
        raise ProgramInputError(f"{path} is not a valid case", exc.problems) from exc
    return ProgramInput(assess(case, rules, kb), case.assessed_on, is_runner(case))
