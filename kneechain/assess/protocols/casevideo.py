"""Clips for a case. `kneechain assess --video TEST_ID=PATH`: measure tests from clips and merge
the values into the case before it is assessed; a video value replaces an earlier value of the
same measure and side (the clip is the newer, documented measurement). `film_clip`: one clip
measured for the questionnaire's "film it now", with its proof pictures."""

from __future__ import annotations

from pathlib import Path

from kneechain.assess.case import Case
from kneechain.assess.flow import ClipAnswer
from kneechain.assess.protocols.config import ProtocolConfig
from kneechain.assess.protocols.registry import PROTOCOLS
from kneechain.assess.protocols.result import ProtocolResult
from kneechain.assess.protocols.run import analyse_file, merge
from kneechain.errors import ErrorKind, KneechainError
from kneechain.vision.errors import VideoError


class VideoSpecError(KneechainError, ValueError):
    """A `--video` option that cannot be used: a message and the problems found."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__("video_spec.invalid", message, problems=problems)


def parse_spec(text: str) -> tuple[str, Path]:
    """'TEST_ID=PATH' to (test id, path); a clear error for anything else."""
    test_id, sep, path = text.partition("=")
    test_id = test_id.strip()
    if not sep or not test_id or not path.strip():
        raise VideoSpecError(
            f"--video {text!r} is not TEST_ID=PATH", ["example: --video gait=side_walk.mp4"]
        )
    if test_id not in PROTOCOLS:
        raise VideoSpecError(
            f"--video {text!r}: no video protocol for {test_id!r}",
            [f"filmable tests: {', '.join(PROTOCOLS)}"],
        )
    file = Path(path.strip())
    if not file.is_file():
        raise VideoSpecError(f"--video {text!r}: {file} does not exist", [])
    return test_id, file


def add_videos(
    case: Case, specs: list[str], config: ProtocolConfig
) -> tuple[Case, list[ProtocolResult]]:
    """The case with every clip's measurements merged in, and the protocol results
    (measured with the protocol parameters `config`)."""
    parsed = [parse_spec(spec) for spec in specs]
    measurements = list(case.measurements)
    results = []
    for test_id, path in parsed:
        try:
            result = analyse_file(path, test_id, config).result
        except VideoError as err:
            raise VideoSpecError(
                f"{path.name} cannot be measured as {test_id}", [err.problem, err.advice]
            ) from err
        measurements = merge(measurements, result.measurements)
        results.append(result)
    return case.model_copy(update={"measurements": measurements}), results


def film_clip(
    path: Path, test_id: str, config: ProtocolConfig, evidence_folder: Path | None = None
) -> ClipAnswer:
    """Measure one test from one clip for the questionnaire ("film it now"): its values with
    their quality, and the proof pictures written into `evidence_folder` (video input only).
    A clip that cannot be measured is a KneechainError saying what is wrong and how to re-film."""
    from kneechain.assess.protocols.evidence import write_evidence

    if not path.is_file():
        raise KneechainError(
            "clip.not_found",
            f"There is no file {path}.",
            hint="Give the path of the clip you filmed, or press Enter to skip.",
            kind=ErrorKind.not_found,
        )
    analysis = analyse_file(path, test_id, config)  # VideoError (a KneechainError) when unusable
    evidence: list[str] = []
    if evidence_folder is not None and analysis.video is not None:
        written = write_evidence(
            analysis.video,
            analysis.trajectories,
            analysis.result,
            evidence_folder,
            clip=False,
            measures=config.test(test_id).measures,
        )
        evidence = [str(p) for p in written]
    return ClipAnswer(
        test_id=test_id,
        file=str(path),
        view=analysis.result.view,
        measurements=analysis.result.measurements,
        evidence=evidence,
        warnings=[*analysis.pose_warnings, *analysis.result.warnings],
    )
