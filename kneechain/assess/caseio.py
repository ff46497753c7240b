"""Read and write case files, turning every validation problem into a line naming the field.

`CaseError` carries one line per problem, e.g.
`complaint.nprs_now: 12 is out of range; allowed 0 to 10` or
`measurements[0]: hip_ir_supine value 140 is outside the allowed range -30 to 90 deg`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from kneechain.assess.case import Case
from kneechain.knowledge.render import number


class CaseError(ValueError):
    """A case file cannot be read or does not validate; `problems` holds one line per problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


def field_path(loc: tuple[int | str, ...]) -> str:
    """('measurements', 0, 'value') -> 'measurements[0].value'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(case)"


def _field_bounds(model: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[Any, Any] | None:
    """The (low, high) bounds declared on the field at `loc`, when it has both."""
    current: Any = model
    info = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return None
        info = fields[part]
        current = _inner_model(info.annotation)
    if info is None:
        return None
    low = high = None
    for meta in info.metadata:
        low = getattr(meta, "ge", None) if getattr(meta, "ge", None) is not None else low
        high = getattr(meta, "le", None) if getattr(meta, "le", None) is not None else high
    return (low, high) if low is not None and high is not None else None


def _inner_model(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as `list[Measurement]` or `Person | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def describe_error(err: dict[str, Any]) -> str:
    """One readable line for one pydantic error, naming the field and, for ranges, the range."""
    where = field_path(tuple(err["loc"]))
    kind = err["type"]
    value = err.get("input")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bounds = _field_bounds(Case, tuple(err["loc"]))
        shown = number(value) if isinstance(value, int | float) else str(value)
        if bounds is not None:
            low, high = number(bounds[0]), number(bounds[1])
            return f"{where}: {shown} is out of range; allowed {low} to {high}"
        return f"{where}: {shown} is out of range; {err['msg'].lower()}"
    if kind == "extra_forbidden":
        return f"{where}: unknown field; check the spelling against `kneechain schema case`"
    if kind == "missing":
        return f"{where}: required field is missing"
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


def validate_case(data: object, source: str = "case") -> Case:
    """Validate parsed JSON into a Case, or raise CaseError listing every problem."""
    if not isinstance(data, dict):
        raise CaseError(source, [f"expected a JSON object, got {type(data).__name__}"])
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseError(source, [describe_error(e) for e in exc.errors()]) from exc


def parse_case(text: str, source: str = "case") -> Case:
    """Parse JSON text into a Case, or raise CaseError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseError(
            source, [f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]
        ) from exc
    return validate_case(data, source)


def load_case(path: Path) -> Case:
    """Read a case file, or raise CaseError naming the file and each problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError(str(path), [f"cannot be read: {exc}"]) from exc
    return parse_case(text, str(path))


def case_json(case: Case) -> str:
    """The case as indented JSON, leaving out fields that were not answered."""
    return case.model_dump_json(indent=2, exclude_none=True) + "\n"


def save_case(case: Case, path: Path) -> None:
    """Write a case file (parent folders must exist)."""
    path.write_text(case_json(case), encoding="utf-8")
