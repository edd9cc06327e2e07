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
from pathlib import Path
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


# -- "predict, then run": the prediction is committed before the measurement is shown -----------------------------
#
# A prediction that can be corrected after the run teaches nothing, and grades nothing. So a prediction question
# has two steps: ``q.predict(guess)`` checks the guess is well formed, writes it to a journal (the first one for
# that question stays; later ones are kept as later attempts), and only then runs the measurement and shows both
# side by side; ``q.check()`` scores the *first* committed prediction. The runner is not handed to the learner.
# The journal is ``predictions.json`` beside the notebook (``ZOO_PATTERNS_PREDICTIONS`` names another file), so
# nbgrader collects it with the submission, and its autograde run scores the first prediction, not an edited one.
# What a determined cheat can still do: read the measuring code in this package and run it before predicting, or
# delete the journal and predict again. The journal records the time of every attempt, so a teacher can see it.

JOURNAL_ENV = "ZOO_PATTERNS_PREDICTIONS"


def journal_path() -> Path:
    import os

    return Path(os.environ.get(JOURNAL_ENV) or Path.cwd() / "predictions.json")


def _to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {"__items__": [[_to_json(k), _to_json(v)] for k, v in value.items()]}
    if isinstance(value, (tuple, list)):
        return [_to_json(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and "__items__" in value:
        return {_from_json(k): _from_json(v) for k, v in value["__items__"]}
    if isinstance(value, list):
        return tuple(_from_json(v) for v in value)  # keys such as (damage, mode) come back hashable
    return value


def read_journal(path: Path | None = None) -> dict[str, list[dict]]:
    """Every committed prediction: ``{"ex04.q4": [{"time": ..., "prediction": ...}, ...]}``, oldest first."""
    import json

    path = path or journal_path()
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text())
    except ValueError as exc:
        raise CheckFailed(
            f"The prediction journal {path} is not valid JSON ({exc}). It is written by q.predict(...); "
            "restore it from your submission, or delete it to start again (your earlier predictions are then lost)."
        ) from None
    return {q: [{**a, "prediction": _from_json(a["prediction"])} for a in attempts] for q, attempts in raw.items()}


def _append_journal(question: str, prediction: Any, path: Path) -> None:
    import datetime as dt
    import json
    import os
    import tempfile

    raw = json.loads(path.read_text()) if path.exists() else {}
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    raw.setdefault(question, []).append({"time": now, "prediction": _to_json(prediction)})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(raw, f, indent=1)
    os.replace(tmp, path)  # never a half-written journal


class PredictionQuestion(Question):
    """A "predict, then run" question: ``q.predict(guess)`` commits, then shows the runs; ``q.check()`` scores the first.

    ``keys`` are what the learner predicts an outcome for (a list, or a function returning one);
    ``measure()`` runs the real thing and returns ``{key: outcome}``. A wrong first prediction is told how many outcomes differ, never which values are right.
    The runs take no input from the learner, so they are made once per kernel and kept: ``check()`` after
    ``predict()`` scores the very runs the learner was shown, and does not wait for them again.
    """

    def __init__(self, name: str, exercise: str, keys, measure: Callable[[], dict], *, shape: str, keys_are: str,
                 value_ok: Callable[[Any], bool], value_rule: str, ask: str, hints: Sequence[str], solution: str):  # fmt: skip
        super().__init__(name, self._score, hints, solution)
        self.exercise, self._keys, self._run, self._runs = exercise, keys, measure, None
        self.shape, self.keys_are, self.value_ok, self.value_rule, self.ask = shape, keys_are, value_ok, value_rule, ask

    @property
    def keys(self) -> list:
        """What the learner predicts an outcome for (``keys`` may be a function, for keys that need the zoo)."""
        return list(self._keys() if callable(self._keys) else self._keys)

    def _measure(self) -> dict:
        """The runs' outcomes, made on first use (a copy, so a caller cannot change the kept ones)."""
        if self._runs is None:
            self._runs = dict(self._run())
        return dict(self._runs)

    @property
    def journal_key(self) -> str:
        return f"{self.exercise}.{self.name}"

    def _validate(self, predicted: Any) -> None:
        expect(isinstance(predicted, dict), f"a prediction is a dict {{{self.shape}}}, got {type(predicted).__name__}.")
        expect(
            set(predicted) == set(self.keys),
            f"give one prediction for each of the {len(self.keys)} {self.keys_are}, keyed exactly so.",
        )
        expect(all(self.value_ok(v) for v in predicted.values()), self.value_rule)

    def predict(self, predicted: Any) -> dict:
        """Commit ``predicted`` (the first commit is the one scored), then run the measurement and show both."""
        if is_placeholder(predicted):
            raise NotAttempted(f"Not attempted: write your prediction in place of ____, then run {self.name}.predict(...).")
        self._validate(predicted)  # a malformed guess is not committed: fix it and try again
        path = journal_path()
        first = read_journal(path).get(self.journal_key)
        if not first or first[-1]["prediction"] != predicted:
            _append_journal(self.journal_key, predicted, path)
        committed = read_journal(path)[self.journal_key][0]["prediction"]
        measured = self._measure()
        width = max(len(repr(k)) for k in self.keys)
        print(f"{self.name}: your first committed prediction beside the runs (journal: {path.name})")
        for k in self.keys:
            mark = "same" if committed[k] == measured[k] else "DIFFERS"
            print(f"  {repr(k):<{width}}  predicted {committed[k]!r:<12} measured {measured[k]!r:<12} {mark}")
        if committed != predicted:
            print(f"  (this later prediction is recorded too, but {self.name}.check() scores the first one)")
        return measured

    def check(self, *answers: Any) -> bool:
        if answers:
            raise TypeError(
                f"{self.name}.check() takes no answer: it scores the prediction you committed with {self.name}.predict(...)."
            )
        attempts = read_journal().get(self.journal_key)
        if not attempts:
            raise NotAttempted(f"Not attempted: commit a prediction with {self.name}.predict(...) first.")
        return super().check(attempts[0]["prediction"])

    def _score(self, predicted: Any) -> None:
        self._validate(predicted)
        wrong = sum(predicted[k] != v for k, v in self._measure().items())
        expect(wrong == 0, f"{wrong} of your {len(self.keys)} first predictions differ from the runs. {self.ask}")


__all__ = [
    "____",
    "CheckFailed",
    "Incorrect",
    "NotAttempted",
    "PredictionQuestion",
    "Question",
    "expect",
    "expect_predictions",
    "is_placeholder",
    "journal_path",
    "read_journal",
]
