"""Checks for exercise 00: setup and orientation."""

from __future__ import annotations

import importlib.metadata as md
from pathlib import Path

from .. import settings
from . import Question, expect


def _check_device(answer: str) -> None:
    expect(isinstance(answer, str), f"expected a device name as a string, got {type(answer).__name__}.")
    expect(answer in {"cpu", "cuda"} or answer.startswith("cuda:"), f"{answer!r} is not a torch device name.")
    expect(answer == settings.device(), f"{answer!r} is not the device this workbook picked on this machine.")


q1 = Question(
    "q1",
    _check_device,
    hints=[
        "The package decides the device in one place, so that no notebook picks its own; ask the package, not torch.",
        "Lesson 00 shows it in section '2. The device'. It prints what the workbook picked and why.",
        "zoo_patterns has a function named after what it returns.",
    ],
    solution="my_device = zoo_patterns.device()",
)


def _check_cache(answer) -> None:
    expect(isinstance(answer, (str, Path)), f"expected a path, got {type(answer).__name__}.")
    path = Path(answer).expanduser().resolve()
    expect(path == settings.cache_dir(), f"{path} is not where the workbook caches downloads on this machine.")


q2 = Question(
    "q2",
    _check_cache,
    hints=[
        "Downloads go under your user's cache directory unless an environment variable (ZOO_PATTERNS_CACHE) says otherwise; one function resolves both.",
        "Lesson 00 shows it in section '3. Offline status, cache and zoo'. It prints the cache and the zoo folders.",
        "zoo_patterns has a cache_dir() next to zoo_dir().",
    ],
    solution="cache = zoo_patterns.cache_dir()",
)

FRAMEWORKS = ("torch", "tensorflow", "mxnet", "transformers")


def _check_versions(fn) -> None:
    expect(callable(fn), "framework_versions should be a function.")
    result = fn()
    expect(isinstance(result, dict), f"framework_versions() should return a dict, got {type(result).__name__}.")
    missing = [f for f in FRAMEWORKS if f not in result]
    expect(not missing, f"the dict has no entry for {missing}.")
    for name in FRAMEWORKS:
        expect(str(result[name]) == md.version(name), f"the version given for {name} is not the installed one.")


q3 = Question(
    "q3",
    _check_versions,
    hints=[
        "Importing four frameworks just to read __version__ takes seconds; the installed package metadata knows every version without importing anything.",
        "Lesson 00 shows it in section '1. What is installed, imported for real'. It contrasts the metadata with the import.",
        "importlib.metadata.version('torch') returns a string; build a dict over the four names.",
    ],
    solution="""import importlib.metadata as md

def framework_versions():
    return {name: md.version(name) for name in ("torch", "tensorflow", "mxnet", "transformers")}""",
)


SETTINGS = ("CUDA", " cpu ", "gpu", "cuda:1", "")  # values of ZOO_PATTERNS_DEVICE; "" means unset


def device_with(value: str) -> str:
    """settings.device() with ZOO_PATTERNS_DEVICE set to ``value`` ("" unsets it): the device, or the exception's name."""
    import os

    old = os.environ.pop("ZOO_PATTERNS_DEVICE", None)
    try:
        if value:
            os.environ["ZOO_PATTERNS_DEVICE"] = value
        return settings.device()
    except Exception as exc:  # the answer is which exception
        return type(exc).__name__
    finally:
        os.environ.pop("ZOO_PATTERNS_DEVICE", None)
        if old is not None:
            os.environ["ZOO_PATTERNS_DEVICE"] = old


def _check_device_settings(predicted) -> None:
    expect(isinstance(predicted, dict), f"predicted should be a dict {{value: device}}, got {type(predicted).__name__}.")
    expect(set(predicted) == set(SETTINGS), f"give one prediction for each of the {len(SETTINGS)} SETTINGS, keyed exactly so.")
    wrong = [v for v in SETTINGS if predicted[v] != device_with(v)]
    expect(
        not wrong,
        f"{len(wrong)} of your {len(SETTINGS)} predictions differ from the runs (device_with(value) runs one). "
        "Read device() in zoo_patterns/settings.py: what does it do to the text first, and what does it refuse?",
    )


q4 = Question(
    "q4",
    _check_device_settings,
    hints=[
        "An environment variable is text someone typed: the package tidies it before use, refuses what it cannot "
        "honour, and chooses by itself when the variable is unset.",
        "Lesson 00 shows it in section '2. The device'; device() in zoo_patterns/settings.py is a dozen lines.",
        "device() strips and lower-cases the value, accepts cpu, cuda and cuda:N without checking the GPU exists, "
        "raises ValueError otherwise, and unset means cuda if torch sees a GPU, else cpu.",
    ],
    solution="""predicted = {"CUDA": "cuda", " cpu ": "cpu", "gpu": "ValueError", "cuda:1": "cuda:1",
             "": "cuda" if torch.cuda.is_available() else "cpu"}""",
)
