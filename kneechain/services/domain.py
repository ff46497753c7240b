"""The domain bundle: knowledge base, assessment rules, program rules, protocol parameters and
tracking data, passed to every use case.

Each part is loaded (and cross-checked) the first time a use case asks for it, and then kept:
assessing a case never reads the protocol parameters, and a command that needs nothing from the
domain reads nothing.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kneechain.assess.protocols.config import ProtocolConfig
    from kneechain.assess.rules import Rules
    from kneechain.knowledge.illustrations import IllustrationSet
    from kneechain.knowledge.loader import KnowledgeBase
    from kneechain.program.rules import ProgramRules
    from kneechain.track.config import TrackingConfig


class Domain:
    """Everything kneechain knows, as data. `Domain.packaged()` is the content shipped with
    kneechain; give parts to the constructor (or use `from_folder`) to use others."""

    def __init__(
        self,
        knowledge: KnowledgeBase | None = None,
        assessment_rules: Rules | None = None,
        program_rules: ProgramRules | None = None,
        protocols: ProtocolConfig | None = None,
        tracking: TrackingConfig | None = None,
    ) -> None:
        self._protocol_params = protocols
        given = {
            "knowledge": knowledge,
            "assessment_rules": assessment_rules,
            "program_rules": program_rules,
            "tracking": tracking,
        }
        for name, value in given.items():
            if value is not None:
                self.__dict__[name] = value  # fills the cached property

    @classmethod
    def packaged(cls) -> Domain:
        """The packaged content (each file read once per process, when first needed)."""
        return cls()

    @classmethod
    def from_folder(cls, knowledge_dir: Path, assessment_rules: Path | None = None) -> Domain:
        """A knowledge base read from `knowledge_dir` (links checked) with the packaged rules,
        or the assessment rules read from `assessment_rules`, checked against it."""
        from kneechain.assess.rules import load_rules
        from kneechain.knowledge.loader import KnowledgeError, load_knowledge
        from kneechain.knowledge.validate import check_links

        kb = load_knowledge(knowledge_dir)
        problems = check_links(kb)
        if problems:
            raise KnowledgeError(
                "The knowledge base's links are broken.",
                problems=problems,
                field=str(knowledge_dir),
            )
        rules = load_rules(assessment_rules, kb) if assessment_rules else None
        return cls(knowledge=kb, assessment_rules=rules)

    @cached_property
    def knowledge(self) -> KnowledgeBase:
        from kneechain.knowledge.loader import default_knowledge

        return default_knowledge()

    @cached_property
    def assessment_rules(self) -> Rules:
        from kneechain.assess.rules import RULES_PATH, default_rules, load_rules

        if self._custom_knowledge():
            return load_rules(RULES_PATH, self.knowledge)
        return default_rules()

    def _custom_knowledge(self) -> bool:
        return "knowledge" in self.__dict__ and self.knowledge is not _packaged_knowledge()

    @cached_property
    def program_rules(self) -> ProgramRules:
        """The packaged program rules (checked against the knowledge base in use)."""
        from kneechain.program.rules import RULES_PATH, default_program_rules, parse_rules

        if self._custom_knowledge():
            return parse_rules(RULES_PATH.read_text(encoding="utf-8"), self.knowledge)
        return default_program_rules()

    @cached_property
    def illustrations(self) -> IllustrationSet:
        """The pictures' pose data: the knowledge folder's own `illustrations.yaml` when an
        edited knowledge base has one, else the packaged file."""
        from kneechain.knowledge.illustrations import (
            ILLUSTRATIONS_FILE,
            default_illustrations,
            parse_illustrations,
        )

        mine = self.knowledge.data_dir / ILLUSTRATIONS_FILE.name
        if self._custom_knowledge() and mine.is_file():
            return parse_illustrations(mine.read_text(encoding="utf-8"), str(mine))
        return default_illustrations()

    @cached_property
    def protocols(self) -> ProtocolConfig:
        """The protocol parameters given (else the packaged ones), with the filming advice and
        measures of the knowledge base in use (`with_knowledge`): what the protocols quote."""
        from kneechain.assess.protocols.config import default_config, with_knowledge

        if self._protocol_params is None and not self._custom_knowledge():
            return default_config()
        return with_knowledge(self._protocol_params or default_config(), self.knowledge)

    @cached_property
    def tracking(self) -> TrackingConfig:
        """The packaged tracking data (its outcomes checked against the knowledge base in use)."""
        from kneechain.track.config import DATA_FILE, load_config, tracking_config

        if self._custom_knowledge():
            return load_config(DATA_FILE, self.knowledge)
        return tracking_config()

    @cached_property
    def versions(self) -> dict[str, str]:
        """What a stored result was made with: knowledge and engine versions."""
        from kneechain.assess.engine import engine_version, knowledge_version

        return {
            "knowledge": knowledge_version(self.knowledge.data_dir),
            "engine": engine_version(),
        }


def _packaged_knowledge() -> KnowledgeBase:
    from kneechain.knowledge.loader import default_knowledge

    return default_knowledge()
