"""A graded lab scores the first committed prediction (issue 32): the journal travels with the submission.

Exercise 00 through nbgrader's real commands: export, ``generate_assignment``, ``autograde``. Its Q4 is a
prediction: ``q4.predict(predicted)`` commits to ``predictions.json`` beside the notebook, ``q4.check()``
scores the first commit. Three students submit:

- alice: the solution notebook, with a journal whose first Q4 prediction was wrong (she corrected it after
  seeing the runs): every check passes but ``q4.check()``;
- bob: the same notebook without a journal: the autograde run commits the notebook's prediction as the
  first, so it passes. That is what a determined cheat can still do (delete the journal, or edit it, and
  submit the corrected notebook); the journal's times are what a teacher can look at;
(An untouched release scoring nothing is tests/test_classroom.py's.)

A journal a teacher left in ``source/`` is neither released nor allowed to overwrite a student's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("nbgrader", reason="nbgrader is in the test extra: pip install -e '.[test]'")

BIN = Path(sys.executable).parent
NAME = "00_setup"


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ZOO_PATTERNS_PREDICTIONS"}  # each notebook's journal is its own
    env["PATH"] = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0 and "ERROR" not in done.stderr, done.stderr[-4000:]
    return done


def test_the_journal_name_is_the_one_the_exercises_write(tmp_path, monkeypatch):
    from zoo_patterns import classroom
    from zoo_patterns.exercises import journal_path

    monkeypatch.delenv("ZOO_PATTERNS_PREDICTIONS", raising=False)
    monkeypatch.chdir(tmp_path)
    assert journal_path() == tmp_path / classroom.JOURNAL


def _journal(first: dict, then: dict) -> str:
    """A journal as q4.predict writes it: a first commit, then a later one."""
    from zoo_patterns.exercises import _to_json

    attempts = [{"time": "2026-12-03T10:00:00+00:00", "prediction": _to_json(first)}]
    attempts.append({"time": "2026-12-03T10:05:00+00:00", "prediction": _to_json(then)})
    return json.dumps({"ex00.q4": attempts})


def test_autograde_scores_the_first_committed_prediction(tmp_path):
    from nbgrader.api import Gradebook

    from zoo_patterns.classroom import export_course
    from zoo_patterns.exercises.ex00 import q4

    course = tmp_path / "course"
    points = export_course(course, only=[NAME])[NAME]
    truth = q4._measure()
    wrong = {**truth, "gpu": "cuda"}
    (course / "source" / NAME / "predictions.json").write_text(_journal(truth, truth))  # a teacher ran it in source/
    nbgrader(course, "generate_assignment", NAME, "--force")
    assert not (course / "release" / NAME / "predictions.json").exists(), "the teacher's journal was released"

    submissions = {"alice": course / "source", "bob": course / "source"}
    for student, notebooks in submissions.items():
        target = course / "submitted" / student / NAME
        target.mkdir(parents=True)
        shutil.copy(notebooks / NAME / f"{NAME}.ipynb", target / f"{NAME}.ipynb")
    (course / "submitted" / "alice" / NAME / "predictions.json").write_text(_journal(wrong, truth))
    nbgrader(course, "autograde", NAME)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {s: gradebook.find_submission(NAME, s).score for s in submissions}
    assert scores == {"alice": points - 1, "bob": points}, scores
    graded = json.loads((course / "autograded" / "alice" / NAME / "predictions.json").read_text())["ex00.q4"]
    assert graded[0]["prediction"] == json.loads(_journal(wrong, truth))["ex00.q4"][0]["prediction"]
