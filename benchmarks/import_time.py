"""What `import zoo_patterns` costs: the time a learner waits before the first line of a lesson runs.

The goal: at most 100 ms, with no deep-learning framework imported. Each sample is a
fresh interpreter (nothing cached in-process), timed from inside it, so interpreter start-up is not
counted. The best of the samples is what the import costs; the median says how noisy the machine
was. A bare `import json` is timed in the same rounds as a yardstick for this machine's speed.

Run: ``python benchmarks/import_time.py`` (``make bench`` runs all benchmarks).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 100.0
HEAVY = ("torch", "tensorflow", "keras", "mxnet", "transformers", "huggingface_hub")


def sample(module: str) -> tuple[float, list[str]]:
    code = (
        f"import sys, time; t = time.perf_counter(); import {module}; dt = time.perf_counter() - t; "
        f"print(dt * 1e3); print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout.splitlines()
    return float(out[0]), [m for m in out[1].split(",") if m]


def main(rounds: int = 15) -> int:
    ours, yardstick, heavy = [], [], set()
    for _ in range(rounds):  # interleaved, so a busy moment hits both
        ms, frameworks = sample("zoo_patterns")
        ours.append(ms)
        heavy |= set(frameworks)
        yardstick.append(sample("json")[0])
    best = min(ours)
    print(f"import zoo_patterns: best {best:.1f} ms, median {statistics.median(ours):.1f} ms over {rounds} fresh interpreters")
    print(f"import json (yardstick): best {min(yardstick):.1f} ms; ratio {best / min(yardstick):.0f}x")
    print(f"frameworks imported: {', '.join(sorted(heavy)) or 'none'}")
    ok = best <= GOAL_MS and not heavy
    print(f"goal: <= {GOAL_MS:.0f} ms and no framework: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
