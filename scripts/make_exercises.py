#!/usr/bin/env python3
"""Generate exercises/ from solutions/: the solutions are the one hand-edited copy.

In a solution's ``.py`` source, each gap the learner fills is a region:

    # BEGIN SOLUTION
    #> n_classes = ____                 <- exercise-only line (the learner sees it)
    n_classes = len(card.labels)        <- solution-only line
    # END SOLUTION

The exercise keeps the ``#>`` lines (without the ``#> ``) and drops the rest,
so a gap always has something to fill: a ``____`` placeholder or a
``raise NotImplementedError``. Then each exercise's ``.ipynb`` is regenerated
with ``jupytext --to ipynb --update``.

    python scripts/make_exercises.py           write exercises/
    python scripts/make_exercises.py --check   exit 1 if exercises/ is not what solutions/ generates
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
EXERCISE_LINE = re.compile(r"^(\s*)#> ?(.*)$")


class MarkerError(ValueError):
    pass


def exercise_from_solution(text: str, source: str = "<solution>") -> str:
    out: list[str] = []
    inside = False
    start = 0
    kept = 0
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        if BEGIN.match(line):
            if inside:
                raise MarkerError(f"{source}:{number}: BEGIN SOLUTION inside another region (opened at line {start}).")
            inside, start, kept = True, number, 0
            continue
        if END.match(line):
            if not inside:
                raise MarkerError(f"{source}:{number}: END SOLUTION without a BEGIN SOLUTION.")
            if kept == 0:
                raise MarkerError(
                    f"{source}:{start}: this solution region has no '#> ' line, so the exercise would have no gap. "
                    "Add e.g. '#> answer = ____' or '#> raise NotImplementedError'."
                )
            inside = False
            continue
        if inside:
            m = EXERCISE_LINE.match(line)
            if m:
                out.append(f"{m.group(1)}{m.group(2)}\n")
                kept += 1
            continue
        out.append(line)
    if inside:
        raise MarkerError(f"{source}:{start}: BEGIN SOLUTION is never closed with END SOLUTION.")
    return "".join(out)


def generate(out_dir: Path) -> list[Path]:
    """Write ``out_dir/src/NN_name.py`` from each ``solutions/src/NN_name.py``, then its paired ``out_dir/NN_name.ipynb``."""
    from check_notebooks import regenerate, sources  # the one place that finds the sources and runs jupytext

    (out_dir / "src").mkdir(parents=True, exist_ok=True)
    written = []
    for solution in sources(("solutions",)):
        target = out_dir / "src" / solution.name
        target.write_text(exercise_from_solution(solution.read_text(encoding="utf-8"), str(solution)), encoding="utf-8")
        written.append(target)
    regenerate(written)
    return written


def _generated_files(folder: Path) -> dict[str, bytes]:
    """The notebooks and their sources under an exercises folder, by path relative to it."""
    files = [*folder.glob("*.ipynb"), *folder.glob("src/*.py")]
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    if not args.check:
        for path in generate(ROOT / "exercises"):
            print(f"wrote {path.relative_to(ROOT)} (+ .ipynb)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp) / "exercises"
        tmp_dir.mkdir()
        shutil.copy(ROOT / "jupytext.toml", Path(tmp) / "jupytext.toml")
        for nb in (ROOT / "exercises").glob("*.ipynb"):  # --update keeps the committed cell ids
            shutil.copy(nb, tmp_dir / nb.name)
        generate(tmp_dir)
        expected = _generated_files(tmp_dir)
    actual = _generated_files(ROOT / "exercises")
    problems = [f"exercises/{n} differs from what solutions/ generates" for n in expected if actual.get(n) != expected[n]]
    problems += [f"exercises/{n} has no solution in solutions/" for n in actual if n not in expected]
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print("Edit solutions/src/*.py (never exercises/), then run: make notebooks-sync", file=sys.stderr)
        return 1
    print(f"exercises/ agrees with solutions/ ({len(expected)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
