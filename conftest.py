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

A second hook makes a dead kernel fail fast (see ``watch_nbval_kernels``).
"""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path
from queue import Empty

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
    """One hook (a second function of the same name would replace this one): dead kernels, then exercises."""
    outcome = yield
    if call.when != "call" or getattr(item, "cell", None) is None:
        return
    report = outcome.get_result()
    if not report_dead_kernel(item, call, report) and _is_exercise_check(item):
        report_exercise_check(item, call, report)


def report_exercise_check(item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport) -> None:
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


# -- a kernel that dies fails its cell at once -----------------------------------------
# nbval waits for a cell's reply for the whole --nbval-cell-timeout (600 s here), even when
# the kernel process is gone: a framework's segfault looked like a hang, not a failure.
# Waiting in short slices and asking the kernel manager whether the process still lives
# turns that into a failure within about a second, naming the notebook and the cell.
KERNEL_POLL_S = 0.5
DEAD_ON_START = "Kernel dead on test start"  # nbval's message for every cell after the crash


class KernelDied(RuntimeError):
    """The notebook's kernel process exited while a cell was running."""


def _exit_reason(kernel) -> str:
    process = getattr(getattr(kernel.km, "provisioner", None), "process", None)
    code = process.poll() if process is not None else None
    if code is None:
        return "it exited"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def watch_nbval_kernels() -> None:
    """Patch nbval's kernel wait so that a dead kernel raises :class:`KernelDied` within KERNEL_POLL_S."""
    try:
        from nbval.kernel import RunningKernel
    except ImportError:
        return
    if getattr(RunningKernel.get_message, "watches_kernel", False):
        return
    wait_for_message = RunningKernel.get_message

    def get_message(self, stream, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = KERNEL_POLL_S if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return wait_for_message(self, stream, timeout=min(KERNEL_POLL_S, left))
            except Empty:
                if not self.is_alive():
                    raise KernelDied(f"the kernel died ({_exit_reason(self)})") from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    get_message.watches_kernel = True
    RunningKernel.get_message = get_message


def pytest_configure(config: pytest.Config) -> None:
    watch_nbval_kernels()
    share_cores_between_workers()
    config.addinivalue_line("markers", "serial: run alone, outside pytest-xdist's workers (timing claims, browsers)")


def share_cores_between_workers() -> None:
    """Under pytest-xdist, give each worker (and the kernels and subprocesses it starts) its share of the cores.

    torch and MXNet use OpenMP, whose threads wait for each other at every parallel step. Two workers
    that each start as many threads as there are cores put twice as many threads as cores to work, and
    a step then waits for a thread that has no core: one lesson cell measured 150 s that way instead
    of about 40 s. An explicit ``OMP_NUM_THREADS`` is kept.
    """
    import os

    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    if workers > 1 and "OMP_NUM_THREADS" not in os.environ:
        os.environ["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // workers))


def asserts_timing(path: Path) -> bool:
    """True for a notebook with a cell tagged ``timing`` (a claim about wall time; see scripts/flakes.py)."""
    if path not in _TIMED:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        _TIMED[path] = any("timing" in c.get("metadata", {}).get("tags", []) for c in cells)
    return _TIMED[path]


_TIMED: dict[Path, bool] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Notebooks that assert timings are `serial`: `make test` runs them after the parallel part, alone on the CPU."""
    for item in items:
        if item.path.suffix == ".ipynb" and asserts_timing(item.path):
            item.add_marker(pytest.mark.serial)


def report_dead_kernel(item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport) -> bool:
    """Say which notebook and cell killed the kernel; skip, not fail, the cells after it. True if it did."""
    if call.excinfo is None:
        return False
    error = call.excinfo.value
    if isinstance(error, KernelDied):
        first_line = next((line for line in item.cell.source.splitlines() if line.strip()), "")
        report.outcome = "failed"
        report.longrepr = (
            f"{item.path.name}, {item.name}: {error} while this cell ran (first line: {first_line!r}). "
            "A crash in native code (a framework's segfault) kills the kernel; the cells after it are skipped. "
            "Run the notebook in JupyterLab to see the cell, and `python -m zoo_patterns doctor` to check the install."
        )
        return True
    if isinstance(error, RuntimeError) and str(error) == DEAD_ON_START:
        report.outcome = "skipped"
        report.longrepr = (str(item.path), 0, f"Skipped: the kernel of {item.path.name} died in an earlier cell")
        return True
    return False


# -- each notebook's prediction journal is its own, outside the repository -----------------------------------
# `q.predict(...)` commits a prediction to a journal (zoo_patterns.exercises.journal_path), by default
# `predictions.json` beside the notebook. Under test, a solution's committed predictions must not make the
# untouched exercise's `q.check()` pass, and no run may write into the working tree: every notebook gets a
# fresh journal in a temporary folder, set before its kernel starts (nbval starts it in the collector's setup,
# which pytest runs after this tryfirst hook).
_JOURNALS: dict[Path, str] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    import os
    import tempfile

    if getattr(item, "cell", None) is None:
        os.environ.pop("ZOO_PATTERNS_PREDICTIONS", None)  # a notebook's journal must not leak into later tests
        return

    if item.path not in _JOURNALS:
        _JOURNALS[item.path] = str(Path(tempfile.mkdtemp(prefix="zoo-patterns-journal-")) / "predictions.json")
    os.environ["ZOO_PATTERNS_PREDICTIONS"] = _JOURNALS[item.path]
