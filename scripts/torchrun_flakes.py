#!/usr/bin/env python3
"""The distributed flake loop: lesson 14's torchrun jobs, many times, beside a busy CPU; count what fails.

A rank that dies one run in a dozen passes a few local runs and still fails a CI run that launches
about twenty jobs. This loop runs, in turns,

- the restart job of lesson 14 (2 processes, ``--plan partial``, rank 1 kills itself during epoch 2,
  ``--max-restarts 1``), which must resume from epoch 1, and
- the ``--plan full --bn frozen`` job of exercise 14 (2 processes, 2 epochs),

while ``--load`` processes spin on the CPU, standing in for the test suite's other worker. Each failed
job prints :class:`RunFailed`'s message (the failed rank, its attempt and its last stderr lines) and
the folder of every rank's own output.

    python scripts/torchrun_flakes.py --jobs 30              30 of each, one busy process beside them
    make flakes-distributed N=30                             the same

Exit status 1 when any job failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def restart_job(out: Path) -> str:
    from zoo_patterns.transfer.distributed import launch

    result = launch(2, out, plan="partial", epochs=3, env={"ZOO_PATTERNS_CRASH_ONCE": "1:2"}, max_restarts=1)
    if result["resumed_from"] != 1:
        raise AssertionError(f"the restarted job resumed from epoch {result['resumed_from']}, not 1")
    return f"resumed from epoch 1, accuracy {result['accuracy']:.4f}"


def full_job(out: Path) -> str:
    from zoo_patterns.transfer.distributed import launch

    result = launch(2, out, plan="full", bn="frozen", epochs=2)
    return f"accuracy {result['accuracy']:.4f}"


JOBS = {"restart": restart_job, "full-2": full_job}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=30, help="runs of each job (default 30)")
    ap.add_argument("--load", type=int, default=1, help="busy processes beside the jobs (default 1)")
    args = ap.parse_args(argv)

    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.load)]
    counts = {name: [0, 0] for name in JOBS}  # passed, failed
    failures = []
    start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="torchrun-flakes-") as tmp:
            for i in range(args.jobs):
                for name, job in JOBS.items():
                    t = time.perf_counter()
                    try:
                        said = job(Path(tmp) / f"{name}-{i}")
                        counts[name][0] += 1
                        print(f"{name:8} {i + 1:3}/{args.jobs}  ok      {time.perf_counter() - t:5.1f} s  {said}", flush=True)
                    except Exception as exc:  # a failed job is what this loop counts
                        counts[name][1] += 1
                        failures.append(f"{name} #{i + 1}: {type(exc).__name__}: {exc}")
                        print(f"{name:8} {i + 1:3}/{args.jobs}  FAILED  {time.perf_counter() - t:5.1f} s  {exc}", flush=True)
    finally:
        for p in busy:
            p.kill()
    print(f"\n{args.jobs} rounds in {time.perf_counter() - start:.0f} s, {args.load} busy process(es) beside them")
    for name, (ok, bad) in counts.items():
        print(f"  {name:8} {ok} ok, {bad} failed")
    for line in failures:
        print("  " + line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
