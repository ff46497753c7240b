"""Target signals for constructed clips (shared with the accuracy bench)."""

from __future__ import annotations

from kneechain.assess.protocols.constructed import clock, dips, holds

__all__ = ["clock", "dips", "holds"]
