"""The exercise machinery: checks, hints, the generator, and exercise/solution agreement."""

import importlib.util
import json

import pytest
from helpers import ROOT, sources

from zoo_patterns.exercises import CheckFailed, Incorrect, NotAttempted, Question, ____, expect

spec = importlib.util.spec_from_file_location("make_exercises", ROOT / "scripts" / "make_exercises.py")
make_exercises = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_exercises)


def _square_checker(fn):
    expect(fn(3) == 9, "square(3) should be 9.")


q = Question("qx", _square_checker, hints=["first", "second"], solution="def square(x): return x * x")


def test_placeholder_means_not_attempted():
    with pytest.raises(NotAttempted, match="Not attempted"):
        q.check(____)


def test_not_implemented_means_not_attempted():
    def square(x):
        raise NotImplementedError("your code here")

    with pytest.raises(NotAttempted):
        q.check(square)


def test_wrong_answer_says_incorrect_without_the_answer():
    with pytest.raises(Incorrect) as err:
        q.check(lambda x: x + x)
    assert str(err.value).startswith("Incorrect:") and "x * x" not in str(err.value)


def test_crash_in_learner_code_is_a_check_failure():
    with pytest.raises(Incorrect, match="ZeroDivisionError"):
        q.check(lambda x: 1 / 0)


def test_right_answer_passes(capsys):
    assert q.check(lambda x: x * x) is True
    assert "Correct" in capsys.readouterr().out


def test_hints_chain_and_solution(capsys):
    assert "first" in q.hint() and "hint(2)" in q.hint()
    assert "second" in q.hint(2) and "more" not in q.hint(2)
    assert "has 2 hint" in q.hint(3)
    assert "x * x" in q.solution()


def test_a_graded_lab_hides_solutions(monkeypatch):
    monkeypatch.setenv("ZOO_PATTERNS_HIDE_SOLUTIONS", "1")
    assert "x * x" not in q.solution() and "hidden" in q.solution()


def test_check_failures_are_assertion_errors():
    assert issubclass(CheckFailed, AssertionError) and issubclass(NotAttempted, CheckFailed)


def test_generator_keeps_exercise_lines_and_drops_solution():
    text = "a = 1\n# BEGIN SOLUTION\n#> b = ____\nb = a + 1\n# END SOLUTION\n    # BEGIN SOLUTION\n    #> raise NotImplementedError\n    return 2\n    # END SOLUTION\n"
    out = make_exercises.exercise_from_solution(text)
    assert out == "a = 1\nb = ____\n    raise NotImplementedError\n"


@pytest.mark.parametrize(
    "text, message",
    [
        ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "no '#> ' line"),
        ("# BEGIN SOLUTION\n#> x = ____\n", "never closed"),
        ("# END SOLUTION\n", "without a BEGIN"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n", "inside another"),
    ],
)
def test_generator_rejects_bad_markers(text, message):
    with pytest.raises(make_exercises.MarkerError, match=message):
        make_exercises.exercise_from_solution(text)


def test_exercises_are_generated_from_solutions():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "scripts/make_exercises.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _check_cells(path):
    cells = json.loads(path.read_text())["cells"]
    return [c["source"] for c in cells if "check" in c.get("metadata", {}).get("tags", [])]


SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("solution", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_exercise_has_the_same_check_cells_as_its_solution(solution):
    exercise = ROOT / "exercises" / solution.name
    assert exercise.exists(), f"{solution.name} has no exercise"
    checks = _check_cells(solution)
    assert len(checks) >= 3, f"{solution.name} has fewer than 3 checked questions"
    assert checks and checks == _check_cells(exercise)


def test_every_lesson_has_an_exercise():
    lessons = {p.stem for p in sources("notebooks")}
    assert lessons == {p.stem for p in sources("solutions")}


def test_exception_name_reads_ipython_tracebacks():
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    exception_name = module.exception_name

    tb = "\x1b[0;31m---\x1b[0m\n\x1b[0;31mNotAttempted\x1b[0m: Not attempted: q1 still has a ____"
    assert exception_name(tb) == "NotAttempted"
    assert exception_name("Traceback...\nNameError: name 'q1' is not defined") == "NameError"
