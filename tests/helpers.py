"""Shared test fixtures' building blocks: a complete card to start from."""

from __future__ import annotations

import fcntl
import functools
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

from zoo_patterns.cards import ModelCard, Provenance, TensorSpec

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def tracked_files() -> frozenset[str]:
    """The repository's files as git knows them, relative to its root (not the .venv, build/ or node_modules/ a
    checkout grows): a new file counts once it is `git add`-ed."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return frozenset(listed.split("\0")) - {""}


def measured_once(question) -> dict:
    """A prediction question's runs, made once per test run even across pytest-xdist's workers.

    A question keeps its runs once made (in one process); the workers share them through a file named
    after this run's id, written whole under a lock, so the slow ones (exercise 14's torchrun jobs) run
    once, not once per worker that needs them. Outside xdist, the question's own memory is enough.
    """
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run_id:
        return question._measure()
    folder = Path(tempfile.gettempdir()) / f"zoo-patterns-test-runs-{run_id}"
    folder.mkdir(exist_ok=True)
    kept = folder / f"{question.journal_key}.pickle"
    with open(folder / f"{question.journal_key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if kept.exists():
            question._runs = pickle.loads(kept.read_bytes())
        else:
            partial = kept.with_suffix(".partial")
            partial.write_bytes(pickle.dumps(question._measure()))
            os.replace(partial, kept)
    return question._measure()


def sources(folder: str) -> list[Path]:
    """The jupytext sources of a folder's notebooks: ``<folder>/src/NN_name.py`` (each pairs with ``<folder>/NN_name.ipynb``)."""
    return sorted((ROOT / folder / "src").glob("[0-9][0-9]_*.py"))


def source(folder: str, name: str) -> Path:
    """One notebook's source, by its stem (``"00_setup"``) or its number (``"00"``)."""
    found = [p for p in sources(folder) if name in (p.stem, p.stem[:2])]
    if len(found) != 1:
        raise FileNotFoundError(f"{folder}/src/ has {len(found)} sources named {name!r}; expected one")
    return found[0]


def make_card(name: str = "tiny-mlp", **changes) -> ModelCard:
    fields = dict(
        name=name,
        version="1.0.0",
        task="image-classification",
        domain="handwritten-digits",
        framework="torch",
        format="safetensors",
        inputs=(TensorSpec("image", ("batch", "features"), (None, 64), "float32", "", (0.0, 1.0), "divide by 16"),),
        outputs=(TensorSpec("logits", ("batch", "class"), (None, 10), "float32"),),
        license="MIT",
        provenance=Provenance("a test", "no training"),
        intended_use="tests",
        limitations=("none known",),
        biases=("none measured",),
        tags=("vision",),
    )
    fields.update(changes)
    return ModelCard(**fields)


def run_python(code: str, *args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)


def run_cli(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zoo_patterns", *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT
    )


def version_folder(path, version="1.0.0", value=None, name="tiny-mlp", rows=10):
    """A model folder whose weights are all ``value`` (default: the version's minor number), so a load tells which it got."""
    import numpy as np
    from safetensors.numpy import save_file

    path.mkdir(parents=True)
    fill = float(version.split(".")[1]) if value is None else value
    save_file({"weight": np.full((rows, 64), fill, np.float32)}, str(path / "model.safetensors"))
    make_card(name, version=version).save(path / "README.md")
    return path


def exercise_questions(numbers) -> dict:
    """``{"ex04.q1": Question, ...}`` for the exercise modules with these numbers, in module order."""
    import importlib

    from zoo_patterns.exercises import Question

    found = {}
    for n in numbers:
        module = importlib.import_module(f"zoo_patterns.exercises.ex{n:02d}")
        found |= {f"ex{n:02d}.{name}": value for name, value in vars(module).items() if isinstance(value, Question)}
    return found
