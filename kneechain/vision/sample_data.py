"""Find real sample videos for tests and benchmarks; the only download is from the package index.

Search order for a named clip:

1. the folder in the environment variable ``KNEECHAIN_TEST_VIDEO_DIR``;
2. ``<repo>/../shared/data/`` (the shared data folder beside a checkout);
3. a cache ``<repo>/.cache/testdata/``, filled on demand from a pinned ``sports2d`` (or, for
   the single-person clip, ``pose2sim``) wheel on the Python package index (``pip download
   --no-deps``; a wheel is a zip, the clip is extracted from it) and checked against its
   SHA-256. Package registries are the only network access the project allows.

Nothing happens at import time; callers get ``None`` when no source works and decide
(tests skip with the reason from `last_failure`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ENV_VAR = "KNEECHAIN_TEST_VIDEO_DIR"
SHARED_NAME = "walk_and_jump_sports2d_demo.mp4"
WHEEL_PACKAGE = "sports2d"
WHEEL_VERSION = "0.8.34"
WHEEL_MEMBER_SUFFIX = "demo.mp4"
DEMO_SHA256 = "d9a66417185647b112304b57093f0c180f37a768e6a14daca75ca541f3b78039"
SINGLE_PACKAGE = "pose2sim"
SINGLE_VERSION = "0.10.49"
SINGLE_MEMBER = "Demo_SinglePerson/videos/cam01.mp4"
SINGLE_SHA256 = "cf4f2816c86bea4bfbea255333d8626ff32a3ecabdab8b0fb147cea9167fde3a"

_failures: list[str] = []


def repo_root() -> Path:
    """The checkout root (the folder holding ``pyproject.toml``) of this installed source."""
    return Path(__file__).resolve().parents[2]


def cache_dir() -> Path:
    return repo_root() / ".cache" / "testdata"


def last_failure() -> str:
    """Why the last search found nothing (for a test's skip message)."""
    return "; ".join(_failures) or "no search made"


def _checked(path: Path, sha256: str) -> Path | None:
    """`path` when its content has the expected SHA-256, else None (reason recorded)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        _failures.append(f"{path.name} has SHA-256 {digest[:12]}..., expected {sha256[:12]}...")
        return None
    return path


def _from_wheel(target: Path, package: str, version: str, suffix: str) -> Path | None:
    """Extract the first member ending in `suffix` of the `package==version` wheel."""
    cache = target.parent
    cache.mkdir(parents=True, exist_ok=True)
    wheels = sorted(cache.glob(f"{package}-{version}-*.whl"))
    if not wheels:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        cmd += ["--dest", str(cache), "--quiet", f"{package}=={version}"]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=300)
        except (subprocess.SubprocessError, OSError) as exc:
            _failures.append(f"pip download {package} failed ({type(exc).__name__})")
            return None
        wheels = sorted(cache.glob(f"{package}-{version}-*.whl"))
    if not wheels:
        _failures.append(f"no {package} wheel in {cache}")
        return None
    with zipfile.ZipFile(wheels[-1]) as zf:
        members = sorted(n for n in zf.namelist() if n.lower().endswith(suffix.lower()))
        if not members:
            _failures.append(f"{wheels[-1].name} holds no {suffix}")
            return None
        partial = target.with_suffix(".part")
        partial.write_bytes(zf.read(members[0]))
        partial.replace(target)
    return target


def demo_video(allow_download: bool = True) -> Path | None:
    """Path of the walking-and-jumping demo clip (two people, side view), or None."""
    _failures.clear()
    env = os.environ.get(ENV_VAR)
    if env:
        candidate = Path(env) / SHARED_NAME
        if candidate.is_file():
            return candidate
        _failures.append(f"{candidate} missing")
    shared = repo_root().parent / "shared" / "data" / SHARED_NAME
    if shared.is_file():
        return shared
    _failures.append(f"{shared} missing")
    cached = cache_dir() / f"{WHEEL_PACKAGE}_demo.mp4"
    if not cached.is_file():
        if not allow_download:
            _failures.append("download not allowed")
            return None
        if _from_wheel(cached, WHEEL_PACKAGE, WHEEL_VERSION, WHEEL_MEMBER_SUFFIX) is None:
            return None
    return _checked(cached, DEMO_SHA256)


def single_person_video(allow_download: bool = True) -> Path | None:
    """A portrait clip of one person moving on a force plate, filmed by a fixed camera
    (camera 1 of Pose2Sim's single-person demo, 60 fps, 100 frames), or None. Found in
    ``KNEECHAIN_TEST_VIDEO_DIR`` as ``pose2sim_single_cam01.mp4`` or fetched into the cache
    from the ``pose2sim`` wheel."""
    _failures.clear()
    name = "pose2sim_single_cam01.mp4"
    env = os.environ.get(ENV_VAR)
    if env and (Path(env) / name).is_file():
        return Path(env) / name
    cached = cache_dir() / name
    if not cached.is_file():
        if not allow_download:
            _failures.append("download not allowed")
            return None
        if _from_wheel(cached, SINGLE_PACKAGE, SINGLE_VERSION, SINGLE_MEMBER) is None:
            return None
    return _checked(cached, SINGLE_SHA256)
