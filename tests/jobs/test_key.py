"""The job key: what must change it and what must not (property-tested)."""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kneechain.assess.protocols.config import default_config
from kneechain.jobs.backend import Backend, Message, Task
from kneechain.jobs.key import clip_key, job_key, versions
from kneechain.jobs.models import ClipRequest
from kneechain.jobs.runner import JobRunner
from kneechain.services.domain import Domain
from kneechain.settings import Settings
from kneechain.track.db import Store
from kneechain.vision.pipeline import PoseOptions
from kneechain.vision.video import sha256_of

SHA = "a" * 64
VERSIONS = {"kneechain": "0.1.0", "engine": "e1", "knowledge": "k1", "pose": "mediapipe 1"}
TESTS = ["double_leg_squat", "gait", "single_leg_squat", "knee_to_wall"]

names = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=12)
boxes = st.none() | st.tuples(*[st.integers(0, 2000)] * 4)
requests = st.builds(
    ClipRequest,
    video=names.map(lambda n: Path(f"/clips/{n}.mp4")),
    test_id=st.sampled_from(TESTS),
    side=st.sampled_from([None, "left", "right"]),
    person=boxes,
    every=st.integers(1, 5),
    evidence=st.booleans(),
    clip=st.booleans(),
    label=st.none() | names,
)


def key(request: ClipRequest, sha: str = SHA, **kw: object) -> str:
    return clip_key(request, sha, default_config(), made_with=VERSIONS, **kw)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(requests, names, st.none() | names, st.integers(0, 16))
def test_name_folder_label_and_workers_do_not_change_the_key(
    request: ClipRequest, other_name: str, label: str | None, workers: int
) -> None:
    moved = request.model_copy(
        update={"video": Path(f"/elsewhere/{other_name}.mov"), "label": label}
    )
    assert key(moved, pose=PoseOptions(workers=workers)) == key(request)


CHANGES = {
    "test_id": lambda r: "gait" if r.test_id != "gait" else "double_leg_squat",
    "side": lambda r: "left" if r.side != "left" else "right",
    "person": lambda r: (1, 2, 3, 4) if r.person != (1, 2, 3, 4) else None,
    "every": lambda r: r.every + 1,
    "evidence": lambda r: not r.evidence,
    "clip": lambda r: not r.clip,
}


@settings(max_examples=60, deadline=None)
@given(requests, st.sampled_from(sorted(CHANGES)))
def test_every_option_that_changes_the_result_changes_the_key(
    request: ClipRequest, field: str
) -> None:
    changed = request.model_copy(update={field: CHANGES[field](request)})
    assert key(changed) != key(request)


@settings(max_examples=40, deadline=None)
@given(requests, st.text("0123456789abcdef", min_size=64, max_size=64))
def test_other_content_other_key(request: ClipRequest, sha: str) -> None:
    assert (key(request, sha) == key(request)) == (sha == SHA)


@settings(max_examples=40, deadline=None)
@given(requests, st.sampled_from(sorted(VERSIONS)))
def test_a_new_version_of_anything_changes_the_key(request: ClipRequest, which: str) -> None:
    newer = dict(VERSIONS, **{which: VERSIONS[which] + "+1"})
    assert clip_key(request, SHA, default_config(), made_with=newer) != key(request)


@settings(max_examples=30, deadline=None)
@given(requests, st.floats(0.5, 20.0).filter(lambda v: v != 6.0))
def test_a_protocol_parameter_changes_the_key_of_its_test_only(
    request: ClipRequest, cutoff: float
) -> None:
    config = default_config()
    squat = config.protocols.double_leg_squat.model_copy(update={"cutoff_hz": cutoff})
    if squat == config.protocols.double_leg_squat:
        return
    tuned = config.model_copy(
        update={"protocols": config.protocols.model_copy(update={"double_leg_squat": squat})}
    )
    same = clip_key(request, SHA, tuned, made_with=VERSIONS) == key(request)
    assert same == (request.test_id != "double_leg_squat")


def test_a_pose_option_that_changes_the_result_changes_the_key() -> None:
    request = ClipRequest(video=Path("a.mp4"), test_id="gait")
    assert key(request, pose=PoseOptions(max_side=640)) != key(request)
    assert key(request, pose=PoseOptions(workers=3)) == key(request)


@given(st.dictionaries(names, st.integers(), max_size=6))
def test_the_order_of_the_parts_does_not_matter(parts: dict[str, int]) -> None:
    reordered = dict(reversed(list(parts.items())))
    assert job_key("k", parts) == job_key("k", reordered)


def test_versions_name_engine_knowledge_and_pose() -> None:
    made = versions()
    assert set(made) == {"kneechain", "engine", "knowledge", "pose"}
    assert made["pose"].startswith("mediapipe")


def _knowledge_copy(folder: Path, edit: tuple[str, str] | None = None) -> Path:
    """A copy of the packaged knowledge folder, with `edit` (old, new) made in tests.yaml."""
    import shutil

    from kneechain.knowledge.loader import DATA_DIR

    shutil.copytree(DATA_DIR, folder)
    if edit is not None:
        tests = folder / "tests.yaml"
        text = tests.read_text(encoding="utf-8")
        assert text.count(edit[0]) == 1, edit[0]
        tests.write_text(text.replace(*edit), encoding="utf-8")
    return folder


#: one threshold of the knowledge base: hip rotation's severe line, 15 -> 10 degrees
THRESHOLD = (
    'value: 25, comparator: "<", severe_value: 15',
    'value: 25, comparator: "<", severe_value: 10',
)


class _Idle(Backend):
    """A backend with no free slot: submitted jobs stay queued, only their keys are made."""

    def submit(self, task: Task) -> None:
        raise AssertionError("no job should start")

    def free(self) -> int:
        return 0

    def poll(self, timeout: float) -> list[Message]:
        time.sleep(min(timeout, 0.01))
        return []

    def close(self) -> None:
        pass


def test_a_job_asked_with_an_edited_knowledge_base_has_its_own_key(
    tmp_path: Path, store: Store, settings: Settings, squat_file: Path
) -> None:
    """The key hashes the knowledge the caller's domain uses: an edited copy (one threshold
    changed) never reuses a result made with the packaged one; an unchanged copy does."""
    packaged = Domain.packaged()
    same = Domain.from_folder(_knowledge_copy(tmp_path / "same"))
    edited = Domain.from_folder(_knowledge_copy(tmp_path / "edited", THRESHOLD))
    request = ClipRequest(video=squat_file, test_id="double_leg_squat")
    assert versions(packaged.versions) == versions()  # the packaged domain: the default key

    def job_key_with(domain: Domain) -> str:
        runner = JobRunner(
            store, _Idle(), data_dir=settings.data_dir, domain_versions=domain.versions
        )
        with runner:
            return runner.submit(request).key

    keys = {name: job_key_with(d) for name, d in [("p", packaged), ("s", same), ("e", edited)]}
    assert keys["s"] == keys["p"] == clip_key(request, sha256_of(squat_file), default_config())
    assert keys["e"] != keys["p"]
