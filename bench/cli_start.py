"""How long a person waits for the terminal to answer (a benchmark, not a test).

    .venv/bin/python bench/cli_start.py            # 7 runs of each command, about a minute
    .venv/bin/python bench/cli_start.py --repeat 15

Each command runs as a person would start it (a new process, the installed `kneechain`
script), interleaved with the baseline so both see the same machine. The baseline is the least
any Typer command costs: a Python process that imports typer and exits. Printed: the median
wall time of each command, every run, and the ratio to the baseline; targets (issue #12):
`--help` under 0.3 s and every command that does not touch video under 0.6 s on a quiet
machine. Results: bench/results/cli_start.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EXAMPLE = ROOT / "examples" / "runner_right_valgus_pelvic_drop.json"
RESULTS = ROOT / "bench" / "results" / "cli_start.json"

COMMANDS: dict[str, list[str]] = {
    "--help": ["--help"],
    "person --help": ["person", "--help"],
    "person list": ["person", "list"],
    "knowledge list exercises": ["knowledge", "list", "exercises"],
    "assess a case": ["assess", "-i", str(EXAMPLE)],
    "program (terminal)": ["program", "-i", str(EXAMPLE)],
    "history": ["history"],
}
TARGETS = {"--help": 0.3}
DEFAULT_TARGET = 0.6


def _time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "KNEECHAIN_DATA_DIR": data}
        env.pop("KNEECHAIN_DATABASE_URL", None)
        kneechain = str(BIN / "kneechain")
        subprocess.run(
            [kneechain, "person", "add", "Alex"], env=env, capture_output=True, check=True
        )
        baseline_argv = [sys.executable, "-c", "import typer"]
        runs: dict[str, list[float]] = {name: [] for name in ["baseline", *COMMANDS]}
        for _ in range(args.repeat):
            for name, argv in COMMANDS.items():
                runs["baseline"].append(_time(baseline_argv, env))
                runs[name].append(_time([kneechain, *argv], env))
    base = statistics.median(runs["baseline"])
    rows = []
    print(f"baseline (python -c 'import typer'): median {base:.3f} s")
    print(f"{'command':28} {'median s':>9} {'x baseline':>11} {'target s':>9}  runs")
    for name in COMMANDS:
        median = statistics.median(runs[name])
        target = TARGETS.get(name, DEFAULT_TARGET)
        every = ", ".join(f"{r:.2f}" for r in runs[name])
        met = "met" if median <= target else "MISSED"
        print(f"{name:28} {median:9.3f} {median / base:11.2f} {target:9.1f}  {every}  {met}")
        rows.append(
            {"command": name, "median_s": median, "ratio": median / base, "target_s": target,
             "runs_s": runs[name]}
        )  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "cpu_count": os.cpu_count(),
                "load_average": os.getloadavg(),
                "baseline_median_s": base,
                "commands": rows,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"load average during the run: {os.getloadavg()}; results in {RESULTS}")


if __name__ == "__main__":
    main()
