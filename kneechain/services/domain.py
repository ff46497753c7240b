"""The domain bundle: knowledge base, assessment rules, program rules, protocol parameters and
tracking data, loaded and cross-checked once and passed to every use case."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from kneechain.assess.engine import engine_version, knowledge_version
from kneechain.assess.protocols.config import ProtocolConfig, default_config
from kneechain.assess.rules import Rules, default_rules, load_rules
from kneechain.knowledge.loader import (
    KnowledgeBase,
    KnowledgeError,
    default_knowledge,
    load_knowledge,
)
from kneechain.knowledge.validate import check_links
from kneechain.program.rules import ProgramRules, default_program_rules
from kneechain.track.config import TrackingConfig, tracking_config


@dataclass(frozen=True)
class Domain:
    """Everything kneechain knows, as data. Build one with `Domain.packaged()` (the content
    shipped with kneechain) or `Domain.from_folder(...)` (an edited copy of the knowledge)."""

    knowledge: KnowledgeBase
    assessment_rules: Rules
    program_rules: ProgramRules
    protocols: ProtocolConfig
    tracking: TrackingConfig

    @classmethod
    def packaged(cls) -> Domain:
        """The packaged content (each file read once per process)."""
        return cls(
            knowledge=default_knowledge(),
            assessment_rules=default_rules(),
            program_rules=default_program_rules(),
            protocols=default_config(),
            tracking=tracking_config(),
        )

    @classmethod
    def from_folder(cls, knowledge_dir: Path, assessment_rules: Path | None = None) -> Domain:
        """A knowledge base read from `knowledge_dir` (links checked) with the packaged rules,
        or the assessment rules read from `assessment_rules`, checked against it."""
        kb = load_knowledge(knowledge_dir)
        problems = check_links(kb)
        if problems:
            raise KnowledgeError(
                "the knowledge base's links are broken.",
                problems=problems,
                field=str(knowledge_dir),
            )
        packaged = cls.packaged()
        rules = load_rules(assessment_rules, kb) if assessment_rules else packaged.assessment_rules
        return cls(kb, rules, packaged.program_rules, packaged.protocols, packaged.tracking)

    @cached_property
    def versions(self) -> dict[str, str]:
        """What a stored result was made with: knowledge and engine versions."""
        return {
            "knowledge": knowledge_version(self.knowledge.data_dir),
            "engine": engine_version(),
        }
