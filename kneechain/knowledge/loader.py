"""Load the YAML files in data/ into validated models, failing with file, entry and field named."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from kneechain.errors import MessageError, validation_problems
from kneechain.knowledge.models import (
    ClinicianType,
    Entry,
    Exercise,
    Finding,
    Mechanism,
    Outcome,
    RedFlag,
    RiskFactor,
    Sign,
    Source,
    Test,
)
from kneechain.knowledge.validate import check_links

DATA_DIR = Path(__file__).parent / "data"

M = TypeVar("M", bound=Entry)
D = TypeVar("D", bound=BaseModel)


class KnowledgeError(MessageError, ValueError):
    """A knowledge file is malformed or its entries do not fit together."""

    default_code = "knowledge.invalid"


#: libyaml's parser when PyYAML was built with it (5-10 times faster), else the pure-Python one
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> object:
    """Parse YAML text safely (no tags that build Python objects)."""
    return yaml.load(text, Loader=_LOADER)


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"field {line}" for line in validation_problems(exc))


def parse_document(model: type[D], text: str, name: str) -> D:
    """Parse one YAML document (a mapping) into `model`.

    The one way every data file of the project is read: KnowledgeError names the file (`name`)
    and each bad field, so an editor can go straight to it.
    """
    try:
        raw = read_yaml(text)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{name}: not valid YAML: {exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeError(f"{name}: {_problems(exc)}") from exc


def load_document(model: type[D], path: Path) -> D:
    """Read and parse one YAML document file (see `parse_document`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot be read: {exc.strerror}") from exc
    return parse_document(model, text, path.name)


def _entry_label(raw: object, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return f"entry {index} (id {raw['id']!r})"
    return f"entry {index}"


def parse_entries(path: Path, model: type[M], text: str | None = None) -> list[M]:
    """Parse one YAML file holding a list of entries of `model`.

    Raises KnowledgeError naming the file, the entry (index and id) and the field for the first
    problem found, so an editor can go straight to it.
    """
    try:
        raw = read_yaml(text if text is not None else path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path.name}: not valid YAML: {exc}") from exc
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot be read: {exc.strerror}") from exc
    if not isinstance(raw, list):
        raise KnowledgeError(f"{path.name}: expected a list of entries, got {type(raw).__name__}")
    entries: list[M] = []
    for index, item in enumerate(raw):
        try:
            entries.append(model.model_validate(item))
        except ValidationError as exc:
            label = _entry_label(item, index)
            raise KnowledgeError(f"{path.name}: {label}: {_problems(exc)}") from exc
    _check_unique(path, entries)
    return entries


def _check_unique(path: Path, entries: list[M]) -> None:
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise KnowledgeError(f"{path.name}: entry id {entry.id!r}: duplicate id")
        seen.add(entry.id)


@dataclass(frozen=True)
class KnowledgeBase:
    """Every collection of the knowledge base, indexed by id."""

    sources: dict[str, Source]
    mechanisms: dict[str, Mechanism]
    risk_factors: dict[str, RiskFactor]
    signs: dict[str, Sign]
    tests: dict[str, Test]
    exercises: dict[str, Exercise]
    findings: dict[str, Finding]
    red_flags: dict[str, RedFlag]
    outcomes: dict[str, Outcome]
    clinicians: dict[str, ClinicianType]
    data_dir: Path = field(default=DATA_DIR)

    def primary_exercises(self) -> list[Exercise]:
        """The main exercises, not their regressions or progressions, in file order."""
        return [e for e in self.exercises.values() if e.variant_of is None]

    def collection(self, name: str) -> dict[str, BaseModel]:
        """A collection by its file stem (e.g. 'exercises'), for generic listing and lookup."""
        if name not in FILES:
            raise KnowledgeError(f"unknown collection {name!r}; choose from {', '.join(FILES)}")
        return getattr(self, name)

    def find(self, entry_id: str) -> tuple[str, BaseModel]:
        """Find an entry by id in any collection; returns (collection name, entry)."""
        for name in FILES:
            entries = getattr(self, name)
            if entry_id in entries:
                return name, entries[entry_id]
        raise KnowledgeError(f"no knowledge entry has id {entry_id!r}")


#: collection name (and file stem in data/) -> entry model
FILES: dict[str, type[Entry]] = {
    "sources": Source,
    "mechanisms": Mechanism,
    "risk_factors": RiskFactor,
    "signs": Sign,
    "tests": Test,
    "exercises": Exercise,
    "findings": Finding,
    "red_flags": RedFlag,
    "outcomes": Outcome,
    "clinicians": ClinicianType,
}


def load_knowledge(data_dir: Path = DATA_DIR) -> KnowledgeBase:
    """Load and validate every file in `data_dir` (entries only; see validate.py for links)."""
    collections = {
        name: {e.id: e for e in parse_entries(data_dir / f"{name}.yaml", model)}
        for name, model in FILES.items()
    }
    return KnowledgeBase(**collections, data_dir=data_dir)  # type: ignore[arg-type]


@cache
def default_knowledge() -> KnowledgeBase:
    """The packaged knowledge base, loaded once per process and cross-checked."""
    kb = load_knowledge(DATA_DIR)
    problems = check_links(kb)
    if problems:
        raise KnowledgeError("knowledge base links are broken:\n" + "\n".join(problems))
    return kb
