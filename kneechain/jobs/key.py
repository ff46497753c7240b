"""The key that makes a job idempotent: a SHA-256 of everything its result depends on.

For a clip: the clip's content (never its name or folder), the test, the request's options
that change the result (side, person box, frame step, evidence wanted), the test's protocol
parameters and the shared ones, what the protocol quotes of the test from the caller's
knowledge base (filming advice, its measures' names, units and ranges), the pose options the
protocol uses, and the versions of the engine, the knowledge base, kneechain and the pose
model. Two jobs with the same key give the same result, so the second is never computed;
anything that could change a number changes the key. How many processes ran it, when, and
under which label, do not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from kneechain import __version__
from kneechain.assess.engine import engine_version, knowledge_version
from kneechain.assess.protocols.config import ProtocolConfig
from kneechain.jobs.models import ClipRequest, JobKind
from kneechain.vision.pipeline import PoseOptions

#: request fields that do not change the result (so they stay out of the key)
UNKEYED = frozenset({"video", "label"})
#: pose options that do not change the result (results do not depend on the process count)
UNKEYED_POSE = frozenset({"workers", "overlay", "key_frames", "person", "every"})


def canonical(value: Any) -> str:
    """`value` as JSON with sorted keys and no spaces: equal data, equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def job_key(kind: str, parts: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the kind and the (JSON-able) parts."""
    return hashlib.sha256(canonical({"kind": kind, "parts": parts}).encode()).hexdigest()


@cache
def _tools() -> tuple[tuple[str, str], ...]:
    """kneechain's and the pose model's versions (read once per process)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        pose = f"mediapipe {version('mediapipe')}"
    except PackageNotFoundError:
        pose = "mediapipe (not installed)"
    return (("kneechain", __version__), ("pose", pose))


def versions(domain: Mapping[str, str] | None = None) -> dict[str, str]:
    """What a result was made with: kneechain, engine rules, knowledge base, pose model.
    `domain`: the knowledge and engine versions of the domain in use (a service passes
    `ctx.domain.versions`, the digest of the knowledge folder it loaded); the packaged
    ones when None."""
    made = dict(_tools())
    made["engine"] = domain["engine"] if domain else engine_version()
    made["knowledge"] = domain["knowledge"] if domain else knowledge_version()
    return made


def clip_parts(
    request: ClipRequest,
    video_sha256: str,
    config: ProtocolConfig,
    pose: PoseOptions,
    made_with: Mapping[str, str],
) -> dict[str, Any]:
    """Everything an `analyse_clip` result depends on, as JSON-able data."""
    params = getattr(config.protocols, request.test_id, None)
    facts = config.tests.get(request.test_id)
    return {
        "video_sha256": video_sha256,
        "request": request.model_dump(mode="json", exclude=set(UNKEYED)),
        "protocol": params.model_dump(mode="json") if params is not None else None,
        "common": config.common.model_dump(mode="json"),
        "test": facts.model_dump(mode="json") if facts is not None else None,
        "pose": pose.model_dump(mode="json", exclude=set(UNKEYED_POSE)),
        "versions": dict(made_with),
    }


def clip_key(
    request: ClipRequest,
    video_sha256: str,
    config: ProtocolConfig,
    pose: PoseOptions | None = None,
    made_with: Mapping[str, str] | None = None,
) -> str:
    """The key of analysing `request`'s clip (whose content hashes to `video_sha256`)."""
    parts = clip_parts(
        request, video_sha256, config, pose or PoseOptions(), made_with or versions()
    )
    return job_key(JobKind.analyse_clip, parts)
