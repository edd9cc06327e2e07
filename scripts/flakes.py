#!/usr/bin/env python3
"""Flake gate: run every notebook that asserts a timing N times, in each environment, and report per cell.

These machines are shared and noisy, so a lesson may assert a timing claim only when its effect is
several times its run-to-run spread. This script measures that spread. A code cell that asserts a
timing is tagged ``timing`` in its jupytext source, and names the numbers it asserts on:

    # %% tags=["timing"] measure={"dense / 80% sparse": "unstructured[0.0][1] / unstructured[0.8][1]"}

Each notebook is executed (with nbclient, in the environment's own Python) up to its last timing
cell; after each timing cell its ``measure`` expressions are evaluated in the kernel. The report
gives, per timing cell and environment, the runs in which the cell passed, and for each measured
value its minimum, median, maximum and spread ((max - min) / median).

    python scripts/flakes.py --runs 5                       .venv and .venv-colab (when built)
    python scripts/flakes.py --runs 3 notebooks/10_optimising_for_deployment.ipynb
    make flakes N=5                                          the same, building what it needs

Exit status 1 when any timing cell failed in any run, so the gate can run in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("notebooks", "solutions", "exercises")
MARK = "__flakes__"
# The Colab-like environment and its own zoo, as `make test-colab` sets them.
ENVIRONMENTS = {
    ".venv": {},
    ".venv-colab": {
        "ZOO_PATTERNS_ZOO": str(ROOT / "build/colab/zoo"),
        "ZOO_PATTERNS_CACHE": str(ROOT / "build/colab/cache"),
        "ZOO_PATTERNS_COLAB_ENV": "1",
    },
}


def timing_cells(nb) -> list[int]:
    """Indexes (into nb.cells) of the code cells tagged ``timing``."""
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "timing" in c.metadata.get("tags", [])]


def timed_notebooks(paths: list[str]) -> list[Path]:
    import nbformat

    candidates = [Path(p).resolve() for p in paths] or sorted(p for f in FOLDERS for p in (ROOT / f).glob("*.ipynb"))
    return [p for p in candidates if timing_cells(nbformat.read(p, as_version=4))]


def code_cell_number(nb, index: int) -> int:
    """nbval's name for a cell: 'Cell N' counts code cells from 0."""
    return sum(1 for c in nb.cells[:index] if c.cell_type == "code")


def probe(measure: dict) -> str:
    """A cell that evaluates the measured expressions in the kernel and prints them as one JSON line."""
    return (
        "import json as _flakes_json\n"
        "_flakes = {}\n"
        f"for _flakes_name, _flakes_expr in {measure!r}.items():\n"
        "    try:\n"
        "        _flakes[_flakes_name] = float(eval(_flakes_expr))\n"
        "    except Exception:  # the cell failed before it set the name: report no value\n"
        "        _flakes[_flakes_name] = None\n"
        f"print({MARK!r} + _flakes_json.dumps(_flakes))\n"
    )


def execute(path: Path) -> list[dict]:
    """Run one notebook up to its last timing cell in this Python; one record per timing cell."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    timed = timing_cells(nb)
    names = {i: f"Cell {code_cell_number(nb, i)}" for i in timed}
    cells, probes = [], {}
    for i, cell in enumerate(nb.cells[: timed[-1] + 1]):  # the cells after the last timing cell are not needed
        cells.append(cell)
        if i in timed:
            probes[i] = nbformat.v4.new_code_cell(probe(cell.metadata.get("measure", {})))
            cells.append(probes[i])
    nb.cells = cells
    NotebookClient(nb, timeout=900, allow_errors=True, resources={"metadata": {"path": str(path.parent)}}).execute()
    records = []
    for i in timed:
        errors = [o for o in cells[cells.index(probes[i]) - 1].outputs if o.output_type == "error"]
        printed = "".join(o.get("text", "") for o in probes[i].outputs if o.output_type == "stream")
        values = next((json.loads(line[len(MARK) :]) for line in printed.splitlines() if line.startswith(MARK)), {})
        error = f"{errors[0].ename}: {errors[0].evalue}".strip() if errors else ""
        records.append({"cell": names[i], "passed": not errors, "error": error[:200], "values": values})
    return records


def spread(values: list[float]) -> str:
    if not values:
        return "no values"
    mid = statistics.median(values)
    rel = (max(values) - min(values)) / abs(mid) if mid else float("nan")
    return f"min {min(values):.3g}  median {mid:.3g}  max {max(values):.3g}  spread {rel:.0%}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", help="notebooks to run (default: every notebook with a timing cell)")
    ap.add_argument("--runs", type=int, default=5, help="runs per notebook and environment (default 5)")
    ap.add_argument(
        "--env", action="append", choices=sorted(ENVIRONMENTS), help="an environment (default: every one that is built)"
    )
    ap.add_argument("--execute", metavar="NOTEBOOK", help=argparse.SUPPRESS)  # worker mode, run in the environment's Python
    args = ap.parse_args()
    if args.execute:
        print(json.dumps(execute(Path(args.execute))))
        return 0

    envs = args.env or [e for e in ENVIRONMENTS if (ROOT / e / "bin/python").exists()]
    missing = [e for e in envs if not (ROOT / e / "bin/python").exists()]
    if missing or not envs:
        print(
            f"flakes: {', '.join(missing) or 'no environment'} is not built; run `make test` (and `make test-colab`) first.",
            file=sys.stderr,
        )
        return 2
    notebooks = timed_notebooks(args.notebooks)
    if not notebooks:
        print("flakes: no notebook has a cell tagged 'timing'.", file=sys.stderr)
        return 2
    results: dict[tuple, list[dict]] = {}
    for env in envs:
        python = str(ROOT / env / "bin/python")
        for run in range(1, args.runs + 1):
            for path in notebooks:  # one notebook after another in each round, as `make test` runs them
                start = time.perf_counter()
                done = subprocess.run(
                    [python, __file__, "--execute", str(path)],
                    capture_output=True, text=True, env={**os.environ, **ENVIRONMENTS[env]}, cwd=ROOT,
                )  # fmt: skip
                if done.returncode != 0:
                    print(f"flakes: {path.name} did not run in {env}:\n{done.stderr[-2000:]}", file=sys.stderr)
                    return 2
                records = json.loads(done.stdout.strip().splitlines()[-1])
                for r in records:
                    results.setdefault((path.relative_to(ROOT).as_posix(), r["cell"], env), []).append(r)
                failed = [r["cell"] for r in records if not r["passed"]]
                took = time.perf_counter() - start
                print(
                    f"  {env} run {run}/{args.runs} {path.name}: {took:.0f} s, {'failed ' + ', '.join(failed) if failed else 'ok'}",
                    flush=True,
                )

    print(f"\n== timing cells: passes out of {args.runs}, and the spread of what each asserts on")
    bad = 0
    for (nb, cell, env), runs in sorted(results.items()):
        passes = sum(r["passed"] for r in runs)
        bad += passes < len(runs)
        print(f"{nb} {cell} [{env}]: {passes}/{len(runs)} passed")
        for error in sorted({r["error"] for r in runs if r["error"]}):
            print(f"    failed with {error}")
        for name in runs[0]["values"]:
            values = [r["values"].get(name) for r in runs]
            print(f"    {name}: {spread([v for v in values if v is not None])}")
    print(f"\nflakes: {sum(len(v) for v in results.values())} timing-cell runs, {bad} cell(s) not passing every run")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
