"""The evidence stage's levers, measured in one process on the same posed clip.

    .venv/bin/python bench/evidence_cost.py              # 3 interleaved rounds
    .venv/bin/python bench/evidence_cost.py --repeat 5

Poses the shared two-person clip once for the gait test (following the walker, frames kept
as `analyze` keeps them), then writes its evidence (8 proof pictures and annotated.webm) in
turn with:

- `before`: the annotated clip through OpenCV's VideoWriter (VP8 at the bit rate OpenCV
  asks, ~2.25 bits a pixel, libvpx's slow default speed) and full-size proof pictures read
  back from the video, as main had it before issue 18's evidence work;
- `encoder`: the clip through clipwriter.py (PyAV: VP8 real-time, fixed speed, 0.13 bit a
  pixel), proof pictures still full size from the video;
- `now`: as `write_evidence` does it: the encoder above and proof pictures drawn from the
  kept frames at the clip's size.

Each variant's wall and CPU seconds (all threads of this process) are the median of the
rounds; CPU seconds are the figure to compare on a shared machine. Results:
bench/results/evidence_cost.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "evidence_cost.json"


class OpenCVWriter:
    """clipwriter.ClipWriter's interface over OpenCV's VideoWriter (the former encoder, which
    writes every frame at the clip's rate: `timed` and a frame's time are ignored)."""

    def __init__(
        self, path: Path, fps: float, width: int, height: int, timed: bool = False
    ) -> None:
        fourcc = cv2.VideoWriter_fourcc(*("VP80" if path.suffix == ".webm" else "mp4v"))
        self._writer = cv2.VideoWriter(str(path), fourcc, fps, (width, height))

    def write(self, image: np.ndarray, at: float | None = None) -> None:
        self._writer.write(image)

    def close(self) -> None:
        self._writer.release()


def full_size_frames(video: Path, indices: list[int], stash: object = None) -> dict:
    """The former proof-picture source: full-size frames read back from the video."""
    from kneechain.vision.video import read_frames

    return {i: frame.image for i, frame in read_frames(video, indices).items()}


@contextmanager
def variant(name: str) -> Iterator[None]:
    from kneechain.assess.protocols import evidence as protocol_evidence
    from kneechain.vision import evidence as vision_evidence

    saved = vision_evidence.ClipWriter, protocol_evidence.proof_frames
    if name == "before":
        vision_evidence.ClipWriter = OpenCVWriter  # type: ignore[assignment,misc]
    if name in ("before", "encoder"):
        protocol_evidence.proof_frames = full_size_frames  # type: ignore[assignment]
    try:
        yield
    finally:
        vision_evidence.ClipWriter, protocol_evidence.proof_frames = saved  # type: ignore[misc]


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(write: Callable[[Path], list[Path]], name: str, folder: Path) -> dict:
    out = folder / name
    shutil.rmtree(out, ignore_errors=True)
    with variant(name):
        cpu, start = _cpu_s(), time.perf_counter()
        files = write(out)
        wall, cpu = time.perf_counter() - start, _cpu_s() - cpu
    clip = next(f for f in files if f.suffix == ".webm")
    pictures = [f for f in files if f.suffix == ".png"]
    shape = cv2.imread(str(pictures[0])).shape[:2] if pictures else None
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "clip_mb": clip.stat().st_size / 1e6,
        "pictures_mb": sum(p.stat().st_size for p in pictures) / 1e6,
        "picture_size": f"{shape[1]}x{shape[0]}" if shape else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds")
    args = parser.parse_args()

    from kneechain.assess.protocols.config import default_config
    from kneechain.assess.protocols.evidence import write_evidence
    from kneechain.assess.protocols.registry import protocol
    from kneechain.assess.protocols.run import pose_for_test
    from kneechain.assess.protocols.walker_clip import WALKER_BOX
    from kneechain.vision import sample_data
    from kneechain.vision.pipeline import PoseOptions

    video = sample_data.demo_video()
    if video is None:
        raise SystemExit(f"the shared clip is not available: {sample_data.last_failure()}")
    cfg = default_config()
    options = PoseOptions(person=WALKER_BOX, overlay=False, key_frames=False, keep_frames=True)
    traj, _, _, _, frames = pose_for_test(video, "gait", cfg, options)
    result = protocol("gait")(traj, cfg, None)
    measures = cfg.test("gait").measures

    def write(out: Path) -> list[Path]:
        return write_evidence(video, traj, result, out, True, frames, measures=measures)

    names = ("before", "encoder", "now")
    runs: dict[str, list[dict]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            for name in names:
                runs[name].append(measure(write, name, Path(tmp)))
                got = runs[name][-1]
                print(f"{name}: wall {got['wall_s']:.2f} s, CPU {got['cpu_s']:.2f} s", flush=True)
    if frames is not None:
        frames.close()
    report: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "clip": f"{video.name}, gait, {len(traj)} frames posed, {len(result.evidence)} proof "
        "pictures",
        "variants": {},
    }
    for name, rows in runs.items():
        row = {k: rows[0][k] for k in ("clip_mb", "pictures_mb", "picture_size")}
        row |= {k: round(statistics.median(r[k] for r in rows), 2) for k in ("wall_s", "cpu_s")}
        row["clip_mb"], row["pictures_mb"] = round(row["clip_mb"], 2), round(row["pictures_mb"], 2)
        report["variants"][name] = row  # type: ignore[index]
        print(f"{name} (median of {len(rows)}): {row}", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
