"""What a person reads must not show kneechain's internal ids (knowledge-base ids, measure ids,
camera-view codes): a shared check for the tests of every front end."""

from __future__ import annotations

import re
from functools import cache

from kneechain.knowledge.loader import default_knowledge


@cache
def internal_ids() -> frozenset[str]:
    """Every id with an underscore that the knowledge base uses (ids without one read as words)."""
    kb = default_knowledge()
    ids: set[str] = set()
    for name in ("tests", "exercises", "findings", "red_flags", "signs", "risk_factors"):
        ids.update(getattr(kb, name))
    for test in kb.tests.values():
        ids.update(m.id for m in test.measures)
    ids.add("feet_end")
    return frozenset(i for i in ids if "_" in i)


def ids_shown(text: str) -> list[str]:
    """The internal ids found in `text` (whole words; a prefix cut by an ellipsis counts too)."""
    words = set(re.findall(r"[a-z][a-z0-9_]*_[a-z0-9_]*", text))
    found = sorted(words & internal_ids())
    cut = re.findall(r"([a-z][a-z0-9]*_[a-z0-9_]{2,})…", text)
    found += [c for c in cut if any(i.startswith(c) for i in internal_ids())]
    return found
