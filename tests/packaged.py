"""The packaged domain pieces, for tests that call library functions directly (library code is
given its knowledge base, rules and tracking data; only the edges load the packaged ones)."""

from datetime import date

from sqlalchemy.orm import Session

from kneechain.assess.rules import default_rules
from kneechain.knowledge.illustrations import default_illustrations
from kneechain.knowledge.loader import default_knowledge
from kneechain.program.rules import default_program_rules
from kneechain.track.config import tracking_config
from kneechain.track.models import PersonRecord
from kneechain.track.retest import Due
from kneechain.track.retest import due_for as due

kb = default_knowledge()
rules = default_rules()
program_rules = default_program_rules()
tracking = tracking_config()
illustrations = default_illustrations()


def due_for(db: Session, user: PersonRecord, today: date) -> tuple[list[Due], str]:
    """What is due for `user` on `today`, by the packaged schedules."""
    return due(db, user, today, kb=kb, program_rules=program_rules, config=tracking)
