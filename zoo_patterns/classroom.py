"""Classroom labs with nbgrader: the exercises as a graded course (``python -m zoo_patterns classroom export``).

The workbook's ``solutions/`` notebooks already mark what a learner writes (``# BEGIN SOLUTION`` ...
``# END SOLUTION``, nbgrader's own delimiters) and what checks it (cells tagged ``check`` that call
``qN.check(...)``). ``export_course`` turns them into an nbgrader course folder:

    COURSE/nbgrader_config.py
    COURSE/source/<assignment>/<assignment>.ipynb     one assignment per exercise

- a cell with a solution region becomes an nbgrader **solution cell**; the learner's starting line (the
  ``#> ...`` lines of the workbook's own exercises) is kept above the region as a comment;
- a ``check`` cell becomes an **autograded test cell** worth ``points`` (locked, so it cannot be edited);
- every other cell is left as it is.

Then the usual nbgrader flow works: ``nbgrader generate_assignment`` writes ``release/`` without the
solutions, students submit, ``nbgrader autograde`` runs their notebooks and scores each check cell.
``docs/teaching.md`` walks through it.
"""

from __future__ import annotations

import re
from pathlib import Path

BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
LEARNER = re.compile(r"^(\s*)#> ?(.*)$")
CHECK = re.compile(r"\b(q\d+)\.check\(")
SCHEMA = 3
JOURNAL = "predictions.json"  # zoo_patterns.exercises.journal_path() beside the notebook

CONFIG = '''"""nbgrader configuration of the zoo-patterns course (written by `python -m zoo_patterns classroom export`)."""

c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = {course!r}
# the workbook's own markers, which are nbgrader's defaults
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
# lessons that train or load models take up to a minute or two on a laptop CPU
c.ExecutePreprocessor.timeout = {timeout}
c.Execute.timeout = {timeout}
# A learner's q.predict(...) commits each prediction to {journal} beside the notebook, and the autograde scores
# the first one: the journal is submitted with the notebook. A journal in source/ (a teacher ran a notebook there)
# must neither be released to the students nor overwrite theirs when grading.
import sys  # noqa: E402

if "generate_assignment" in sys.argv or "assign" in sys.argv:
    c.CourseDirectory.ignore.append({journal!r})
c.Autograde.exclude_overwriting = {{name: [{journal!r}] for name in {assignments!r}}}
'''


def default_solutions() -> Path:
    """``solutions/`` of the repository this package was installed from (``pip install -e .``)."""
    return Path(__file__).resolve().parent.parent / "solutions"


def convert_cell_source(source: str) -> str:
    """A solution cell's code for nbgrader: the learner's starting lines as comments above each region."""
    out, pending, inside = [], [], False
    for line in source.split("\n"):
        if BEGIN.match(line):
            inside, pending, region = True, [], [line]
            continue
        if inside and END.match(line):
            indent = BEGIN.match(region[0]).group(1)
            starts = [p for p in pending if p.strip() and not p.strip().startswith("raise NotImplementedError")]
            if starts:
                out += [f"{indent}# Start from:"] + [f"{indent}#     {p.strip()}" for p in starts]
            out += region + [line]
            inside = False
            continue
        if inside:
            learner = LEARNER.match(line)
            if learner:
                pending.append(learner.group(2))
            else:
                region.append(line)
            continue
        out.append(line)
    if inside:
        raise ValueError("a BEGIN SOLUTION region has no END SOLUTION")
    return "\n".join(out)


def to_nbgrader(nb, *, points: int = 1):
    """The notebook with nbgrader cell metadata; returns ``(notebook, number of graded check cells)``."""
    checks = 0
    for number, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if any(BEGIN.match(line) for line in cell.source.split("\n")):
            cell.source = convert_cell_source(cell.source)
            cell.metadata["nbgrader"] = {
                "grade": False,
                "solution": True,
                "locked": False,
                "task": False,
                "grade_id": f"solution-{number:02d}",
                "schema_version": SCHEMA,
            }
        elif "check" in cell.metadata.get("tags", []):
            names = CHECK.findall(cell.source)
            checks += 1
            cell.metadata["nbgrader"] = {
                "grade": True,
                "solution": False,
                "locked": True,
                "task": False,
                "points": points,
                "grade_id": f"check-{'-'.join(names) or number}",
                "schema_version": SCHEMA,
            }
    return nb, checks


def export_course(
    out: str | Path,
    *,
    solutions: str | Path | None = None,
    only: list[str] | None = None,
    points: int = 1,
    course: str = "zoo-patterns",
    timeout: int = 600,
) -> dict[str, int]:
    """Write an nbgrader course folder; returns ``{assignment: points available}``."""
    import nbformat

    solutions = Path(solutions) if solutions else default_solutions()
    notebooks = sorted(solutions.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(
            f"no solution notebooks in {solutions}; run this from a clone of the workbook or pass --solutions DIR."
        )
    chosen = {p.stem: p for p in notebooks}
    unknown = sorted(set(only or []) - set(chosen))
    if unknown:
        raise ValueError(f"no exercise named {unknown}; the exercises are {sorted(chosen)}.")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; export into a new folder so no grades or submissions are overwritten.")
    available = {}
    for stem, path in chosen.items():
        if only and stem not in only:
            continue
        nb, checks = to_nbgrader(nbformat.read(path, as_version=4), points=points)
        if not checks:
            continue  # nothing to grade
        target = out / "source" / stem / f"{stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        available[stem] = checks * points
    config = CONFIG.format(course=course, timeout=timeout, journal=JOURNAL, assignments=sorted(available))
    (out / "nbgrader_config.py").write_text(config, encoding="utf-8")
    return available
