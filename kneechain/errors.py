"""The one error type every front end understands, and the one formatter for validation errors.

Every problem a person can do something about ends as a `KneechainError`: a machine `code`
("case.invalid", "person.not_found", ...), a `kind` that fixes how front ends report it (exit
code in the terminal, HTTP status on the web), a plain `message` for a person, an optional
`hint` (what to do next), the `field` it concerns and, for input files, one line per
`problems`. Messages name no command-line flag: the front end adds its own words.

    raise KneechainError("person.not_found", "Nobody called 'Alx' is stored.",
                         hint="Check the spelling, or add them first.", kind=ErrorKind.not_found)

This module imports nothing from kneechain, so every package may use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ValidationError


class ErrorKind(StrEnum):
    """How a front end reports an error: one exit code and one HTTP status per kind."""

    invalid_input = "invalid_input"  # the person can fix what they gave
    not_found = "not_found"  # a person, record or file that does not exist
    conflict = "conflict"  # already exists, or changed by someone else meanwhile
    unauthenticated = "unauthenticated"  # not logged in
    forbidden = "forbidden"  # logged in, but not allowed
    bad_media = "bad_media"  # a video or picture that cannot give a measurement
    too_large = "too_large"  # an upload over the limits
    rate_limited = "rate_limited"  # too many tries in a short time (e.g. failed log-ins)
    unavailable = "unavailable"  # storage, PDF engine or job runner cannot be used now
    internal = "internal"  # a fault of ours; the message never shows internals


EXIT_CODES: Mapping[ErrorKind, int] = {
    ErrorKind.invalid_input: 2,
    ErrorKind.not_found: 2,
    ErrorKind.conflict: 2,
    ErrorKind.unauthenticated: 2,
    ErrorKind.forbidden: 2,
    ErrorKind.bad_media: 2,
    ErrorKind.too_large: 2,
    ErrorKind.rate_limited: 2,
    ErrorKind.unavailable: 3,
    ErrorKind.internal: 1,
}

HTTP_STATUS: Mapping[ErrorKind, int] = {
    ErrorKind.invalid_input: 422,
    ErrorKind.not_found: 404,
    ErrorKind.conflict: 409,
    ErrorKind.unauthenticated: 401,
    ErrorKind.forbidden: 403,
    ErrorKind.bad_media: 422,
    ErrorKind.too_large: 413,
    ErrorKind.rate_limited: 429,
    ErrorKind.unavailable: 503,
    ErrorKind.internal: 500,
}


class ErrorBody(BaseModel):
    """The JSON shape of an error, as the web API returns it and `--format json` prints it."""

    code: str
    kind: ErrorKind
    message: str
    hint: str | None = None
    field: str | None = None
    problems: list[str] = []


class KneechainError(Exception):
    """A problem a person can understand (and usually fix)."""

    #: defaults for subclasses that keep an older name for one family of problems
    default_code = "error"
    default_kind = ErrorKind.invalid_input

    def __init__(
        self,
        code: str | None = None,
        message: str = "",
        *,
        hint: str | None = None,
        field: str | None = None,
        problems: Iterable[str] = (),
        kind: ErrorKind | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.kind = kind or self.default_kind
        self.message = message
        self.hint = hint
        self.field = field
        self.problems = list(problems)
        super().__init__(self.text())

    def text(self) -> str:
        """Message, problems and hint as one paragraph (for logs and plain output)."""
        parts = [self.message]
        if self.problems:
            parts.append("; ".join(self.problems))
        if self.hint:
            parts.append(self.hint)
        return " ".join(p for p in parts if p)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.kind]

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.kind]

    def body(self) -> ErrorBody:
        return ErrorBody(
            code=self.code,
            kind=self.kind,
            message=self.message,
            hint=self.hint,
            field=self.field,
            problems=self.problems,
        )


class MessageError(KneechainError):
    """Base of the older error families, raised as `SomeError("message", hint=...)`: each
    subclass fixes its `default_code` and `default_kind`."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        field: str | None = None,
        problems: Iterable[str] = (),
        code: str | None = None,
        kind: ErrorKind | None = None,
    ) -> None:
        super().__init__(code, message, hint=hint, field=field, problems=problems, kind=kind)


def field_path(loc: Iterable[int | str]) -> str:
    """('measurements', 0, 'value') -> 'measurements[0].value'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _shown(value: Any) -> str:
    if isinstance(value, float) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value)


def _bounds(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> tuple[Any, Any]:
    """The (low, high) bounds declared on the field at `loc` (None where not declared)."""
    current: Any = model
    info = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return None, None
        info = fields[part]
        current = _inner_model(info.annotation)
    low = high = None
    for meta in info.metadata if info is not None else ():
        for name in ("ge", "gt"):
            low = getattr(meta, name, None) if getattr(meta, name, None) is not None else low
        for name in ("le", "lt"):
            high = getattr(meta, name, None) if getattr(meta, name, None) is not None else high
    return low, high


def _inner_model(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as `list[Measurement]` or `Person | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


_PLAIN: Mapping[str, str] = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field; check its spelling",
    "int_parsing": "should be a whole number",
    "int_type": "should be a whole number",
    "int_from_float": "should be a whole number",
    "float_parsing": "should be a number",
    "float_type": "should be a number",
    "bool_parsing": "should be yes or no",
    "bool_type": "should be yes or no",
    "string_type": "should be text",
    "date_parsing": "should be a date written as YYYY-MM-DD",
    "date_from_datetime_parsing": "should be a date written as YYYY-MM-DD",
    "date_type": "should be a date written as YYYY-MM-DD",
    "list_type": "should be a list",
    "dict_type": "should be a group of named values",
    "model_type": "should be a group of named values",
    "model_attributes_type": "should be a group of named values",
    "string_too_short": "should not be empty",
    "too_short": "needs more entries",
    "too_long": "has too many entries",
}


def describe(err: Mapping[str, Any], model: type[BaseModel] | None = None) -> str:
    """One line in plain words for one pydantic error, naming the field (and the range)."""
    loc = tuple(err.get("loc", ()))
    where = field_path(loc) or "the input"
    kind = str(err.get("type", ""))
    value = err.get("input")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        low, high = _bounds(model, loc)
        if low is not None and high is not None:
            return (
                f"{where}: {_shown(value)} is out of range; allowed {_shown(low)} to {_shown(high)}"
            )
        limit = (err.get("ctx") or {}).values()
        bound = next(iter(limit), None)
        word = "at least" if kind.startswith("greater") else "at most"
        return f"{where}: {_shown(value)} is out of range; it must be {word} {_shown(bound)}"
    if kind in ("literal_error", "enum"):
        expected = (err.get("ctx") or {}).get("expected", "")
        return f"{where}: {_shown(value)} is not one of the allowed answers ({expected})"
    if kind in _PLAIN:
        shown = "" if kind in ("missing", "extra_forbidden") else f" (got {_shown(value)})"
        return f"{where}: {_PLAIN[kind]}{shown}"
    message = str(err.get("msg", "is not valid")).removeprefix("Value error, ")
    return f"{where}: {message}"


def validation_problems(exc: ValidationError, model: type[BaseModel] | None = None) -> list[str]:
    """Every problem of a pydantic ValidationError, one plain line each."""
    return [describe(e, model) for e in exc.errors()]


def invalid(
    code: str,
    message: str,
    exc: ValidationError,
    model: type[BaseModel] | None = None,
    hint: str | None = None,
) -> KneechainError:
    """A KneechainError for input that failed validation, with one line per problem."""
    problems = validation_problems(exc, model)
    first = exc.errors()[0] if exc.errors() else {}
    return KneechainError(
        code,
        message,
        hint=hint,
        field=field_path(tuple(first.get("loc", ()))) or None,
        problems=problems,
    )
