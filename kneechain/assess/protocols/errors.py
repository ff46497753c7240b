"""The protocols' error: a clip that cannot give the test's measurements, and how to re-film.

It is a `VideoError` (problem + advice), so every command reports it the same way.
"""

from __future__ import annotations

from kneechain.knowledge.models import Test
from kneechain.vision.errors import VideoError


class ProtocolError(VideoError):
    """The clip does not show what the protocol needs."""


def filming_advice(test: Test) -> str:
    """The knowledge base's camera instructions for `test`, as one paragraph."""
    if test.camera is None:
        return "This test is not measured from video."
    steps = " ".join(test.camera.instructions)
    return f"Re-film it: {steps}"
