"""The one error type of the vision stage.

Every problem with the input video ends as a `VideoError` whose message says what is wrong
and how to film again; the CLI turns it into a clear message and a non-zero exit code.
"""

from __future__ import annotations

from kneechain.errors import ErrorKind, KneechainError


class VideoError(KneechainError):
    """The video cannot give a trustworthy measurement.

    Attributes:
        problem: what is wrong, in one sentence.
        advice: how to fix it (usually: how to re-film).
    """

    def __init__(self, problem: str, advice: str) -> None:
        self.problem = problem
        self.advice = advice
        super().__init__(self.default_code, problem, hint=advice or None, kind=ErrorKind.bad_media)

    default_code = "video.unusable"
