"""Repository-wide pytest hooks: the proof that untouched exercises fail their checks.

nbval runs every notebook in ``exercises/`` cell by cell. A cell tagged
``check`` (``# %% tags=["check"]``) in an untouched exercise must *fail*, and
fail with a check failure (``CheckFailed``, ``NotAttempted``, ``Incorrect``):

- it raised a check failure      -> the cell passes (the exercise is a real exercise);
- it raised nothing              -> the cell fails: the check cannot fail, or the
                                    exercise gives the answer away;
- it raised anything else        -> the cell fails: a NameError or ImportError means
                                    the exercise is broken before the learner starts.

In ``solutions/`` nothing is special: every cell, checks included, must pass.
"""

from __future__ import annotations

import re

import pytest

CHECK_FAILURES = {"CheckFailed", "NotAttempted", "Incorrect"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _is_exercise_check(item: pytest.Item) -> bool:
    cell = getattr(item, "cell", None)
    return cell is not None and item.path.parent.name == "exercises" and "check" in cell.get("metadata", {}).get("tags", [])


def exception_name(traceback_text: str) -> str:
    """The exception class an IPython traceback ends with ('' if none)."""
    for line in reversed(_ANSI.sub("", traceback_text).strip().splitlines()):
        m = re.match(r"^([A-Za-z_][\w.]*)(?::|$)", line.strip())
        if m:
            return m.group(1).rsplit(".", 1)[-1]
    return ""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    if call.when != "call" or not _is_exercise_check(item):
        return
    report = outcome.get_result()
    if call.excinfo is None:
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid}: this check passed in an untouched exercise. A check cell must fail until the "
            "learner fills the gap: either the check cannot fail or the exercise gives the answer away."
        )
        return
    error = call.excinfo.value
    name = exception_name(getattr(error, "inner_traceback", "") or str(error))
    if name in CHECK_FAILURES:
        report.outcome = "passed"
        report.longrepr = None
    else:
        report.longrepr = (
            f"{item.nodeid}: an untouched exercise's check cell must fail with a check failure "
            f"({', '.join(sorted(CHECK_FAILURES))}), but it raised {name or 'an unknown error'}:\n{report.longrepr}"
        )
