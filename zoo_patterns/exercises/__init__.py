"""Instant checks for the exercise notebooks, in the rhythm of Kaggle Learn.

An exercise notebook does ``from zoo_patterns.exercises.ex01 import q1, q2, q3``,
the learner fills a gap, then runs ``q1.check(answer)``. Stuck: ``q1.hint()``,
then ``q1.hint(2)``; giving up: ``q1.solution()``.

- An untouched placeholder (``____``) or a function that still raises
  ``NotImplementedError`` means *not attempted*.
- A wrong answer raises :class:`CheckFailed` whose message starts with
  "Incorrect:" and says why, without giving the answer away.
- A right answer prints "Correct" and returns ``True``.

``CheckFailed`` subclasses ``AssertionError``, so a failed check stops a
notebook run, and the test suite can tell a check failure apart from a
``NameError`` or ``ImportError`` (see ``tests/conftest.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


class _Placeholder:
    """The gap a learner fills: ``answer = ____``."""

    def __repr__(self) -> str:
        return "____"

    def __bool__(self) -> bool:
        raise CheckFailed("Not attempted: replace ____ with your answer first.")


____ = _Placeholder()


class CheckFailed(AssertionError):
    """A check did not pass: not attempted, or incorrect (the message says which)."""


class NotAttempted(CheckFailed):
    """The learner has not filled the gap yet."""


class Incorrect(CheckFailed):
    """The learner's answer is wrong; the message says why, not what is right."""

    def __init__(self, why: str):
        super().__init__(f"Incorrect: {why}")


def is_placeholder(value: Any) -> bool:
    return isinstance(value, _Placeholder)


Checker = Callable[..., None]


class Question:
    """One checked question: a checker, a chain of hints and a solution to show."""

    def __init__(self, name: str, checker: Checker, hints: Sequence[str], solution: str):
        if not hints:
            raise ValueError(f"Question {name} needs at least one hint.")
        self.name = name
        self._checker = checker
        self._hints = list(hints)
        self._solution = solution.strip("\n")

    def check(self, *answers: Any) -> bool:
        """Check the answer; raise :class:`CheckFailed` when it is missing or wrong."""
        if not answers or any(is_placeholder(a) for a in answers):
            raise NotAttempted(f"Not attempted: {self.name} still has a ____ placeholder. Fill it in, then check again.")
        try:
            self._checker(*answers)
        except NotImplementedError as exc:
            raise NotAttempted(
                f"Not attempted: {self.name} calls code that still raises NotImplementedError ({exc}). "
                "Replace that line with your code."
            ) from None
        except CheckFailed:
            raise
        except Exception as exc:  # the learner's code crashed inside the check
            raise Incorrect(f"running your code raised {type(exc).__name__}: {exc}") from exc
        print(f"Correct: {self.name} passes its check.")
        return True

    def hint(self, n: int = 1) -> str:
        """Hint number ``n`` (1-based); each hint gives a little more away."""
        if not 1 <= n <= len(self._hints):
            text = f"{self.name} has {len(self._hints)} hint(s): use hint(1) to hint({len(self._hints)})."
        else:
            more = f"  (more: {self.name}.hint({n + 1}))" if n < len(self._hints) else ""
            text = f"Hint {n}/{len(self._hints)}: {self._hints[n - 1]}{more}"
        print(text)
        return text

    def solution(self) -> str:
        """The worked answer; hidden in a graded lab, where the teacher sets ``ZOO_PATTERNS_HIDE_SOLUTIONS=1``."""
        import os

        if os.environ.get("ZOO_PATTERNS_HIDE_SOLUTIONS", "") not in ("", "0"):
            text = f"Solutions are hidden in this graded lab; try {self.name}.hint() instead."
            print(text)
            return text
        print(f"Solution to {self.name}:\n{self._solution}")
        return self._solution

    def __repr__(self) -> str:
        return f"<Question {self.name}: .check(...), .hint(), .solution()>"


def expect(condition: bool, why: str) -> None:
    """Raise :class:`Incorrect` with ``why`` unless ``condition`` holds (for writing checkers)."""
    if not condition:
        raise Incorrect(why)


def expect_predictions(predicted: Any, keys, measure, *, name: str, shape: str, keys_are: str, value_ok, value_rule: str,
                       rerun: str, ask: str) -> None:  # fmt: skip
    """The check of a "predict, then run" question: one well-formed prediction per key, then the runs.

    ``measure()`` runs the real thing (only once the prediction is well formed) and returns
    ``{key: outcome}``. A wrong prediction is told how many are off, never which, so the learner
    reasons again instead of reading the answer.
    """
    expect(isinstance(predicted, dict), f"{name} should be a dict {{{shape}}}, got {type(predicted).__name__}.")
    keys = set(keys)
    expect(set(predicted) == keys, f"give one prediction for each of the {len(keys)} {keys_are}, keyed exactly so.")
    expect(all(value_ok(v) for v in predicted.values()), value_rule)
    wrong = sum(predicted[k] != v for k, v in measure().items())
    expect(wrong == 0, f"{wrong} of your {len(keys)} predictions differ from the runs ({rerun}). {ask}")


__all__ = ["____", "CheckFailed", "Incorrect", "NotAttempted", "Question", "expect", "expect_predictions", "is_placeholder"]
