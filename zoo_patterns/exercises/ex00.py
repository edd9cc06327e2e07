"""Checks for exercise 00: setup and orientation."""

from __future__ import annotations

import importlib.metadata as md
from pathlib import Path

from .. import settings
from . import PredictionQuestion, Question, expect


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


def _cache_with(environ: dict) -> Path:
    """settings.cache_dir() as it is when the environment holds ``environ`` (ZOO_PATTERNS_CACHE or not)."""
    import os

    old = os.environ.pop("ZOO_PATTERNS_CACHE", None)
    try:
        if "ZOO_PATTERNS_CACHE" in environ:
            os.environ["ZOO_PATTERNS_CACHE"] = environ["ZOO_PATTERNS_CACHE"]
        return settings.cache_dir()
    finally:
        os.environ.pop("ZOO_PATTERNS_CACHE", None)
        if old is not None:
            os.environ["ZOO_PATTERNS_CACHE"] = old


def _environments() -> list[dict]:
    """The environments q2 is tried in: the cases worth thinking about, then folder names drawn fresh each call."""
    import secrets

    word = secrets.token_hex(3)
    return [
        {},
        {"PATH": "/usr/bin"},
        {"ZOO_PATTERNS_CACHE": f"/srv/zp-{word}"},
        {"ZOO_PATTERNS_CACHE": f"~/zp-{word}"},
        {"ZOO_PATTERNS_CACHE": f"  /data/{word}/cache  "},
        {"ZOO_PATTERNS_CACHE": "   "},
        {"ZOO_PATTERNS_CACHE": f"relative/{word}"},
    ]


def _check_cache(cache_dir_for) -> None:
    expect(callable(cache_dir_for), f"cache_dir_for should be a function of an environment, got {type(cache_dir_for).__name__}.")
    for environ in _environments():
        got = cache_dir_for(dict(environ))
        expect(isinstance(got, Path), f"cache_dir_for({environ}) should return a pathlib.Path, got {type(got).__name__}.")
        want = _cache_with(environ)
        shown = {k: v for k, v in environ.items() if k == "ZOO_PATTERNS_CACHE"} or "an environment without ZOO_PATTERNS_CACHE"
        expect(
            got == want,
            f"for {shown} the workbook caches elsewhere than {got}: is the value tidied (spaces, ~, relative paths), "
            "and when does the default apply?",
        )


q2 = Question(
    "q2",
    _check_cache,
    hints=[
        "A setting read from the environment is text someone typed: a blank value means unset, and a path the user "
        "typed may start with ~ or be relative. Without it, the cache goes under your user's cache directory.",
        "Lesson 00 shows it in section '3. Offline status, cache and zoo' (platformdirs picks the user's folders); "
        "_env_path in zoo_patterns/settings.py is three lines.",
        "value = environ.get('ZOO_PATTERNS_CACHE', '').strip(); return Path(value).expanduser().resolve() if value "
        "else platformdirs.user_cache_path('zoo-patterns').",
    ],
    solution="""from pathlib import Path

from platformdirs import user_cache_path

def cache_dir_for(environ):
    value = environ.get("ZOO_PATTERNS_CACHE", "").strip()
    return Path(value).expanduser().resolve() if value else user_cache_path("zoo-patterns")""",
)

FRAMEWORKS = ("torch", "tensorflow", "mxnet", "transformers")


def _findable(name: str) -> bool:
    try:
        md.version(name)
    except Exception:  # broken metadata can raise more than PackageNotFoundError
        return False
    return True


def _names_to_try() -> list[str]:
    """The four frameworks, three other installed distributions and a name that is not installed, drawn fresh each call."""
    import random
    import secrets

    installed = sorted({d.metadata["Name"] for d in md.distributions() if d.metadata["Name"]} - set(FRAMEWORKS))
    while True:  # a name whose metadata md.version cannot find (broken metadata) has no right answer: draw again
        others = random.SystemRandom().sample(installed, 3)
        if all(_findable(n) for n in others):
            return [*FRAMEWORKS, *others, f"no-such-package-{secrets.token_hex(4)}"]


def _check_versions(fn) -> None:
    expect(callable(fn), "framework_versions should be a function of a list of names.")
    names = _names_to_try()
    result = fn(list(names))
    expect(isinstance(result, dict), f"framework_versions(names) should return a dict, got {type(result).__name__}.")
    expect(set(result) == set(names), f"the dict should have one entry per name asked for ({len(names)}), not {len(result)}.")
    for name in FRAMEWORKS:
        expect(str(result[name]) == md.version(name), f"the version given for {name} is not the installed one.")
    others = names[len(FRAMEWORKS) : -1]
    expect(
        all(result[n] == md.version(n) for n in others),
        "the versions of other installed packages (drawn at random by the check) are not the installed ones: "
        "does the function read its argument?",
    )
    expect(result[names[-1]] is None, "a package that is not installed should give None, not raise or guess.")


q3 = Question(
    "q3",
    _check_versions,
    hints=[
        "Importing four frameworks just to read __version__ takes seconds; the installed package metadata knows every "
        "version without importing anything, and says so with an exception when a package is not installed.",
        "Lesson 00 shows it in section '1. What is installed, imported for real': doctor.checks() reports each "
        "installed version; zoo_patterns/doctor.py reads them.",
        "importlib.metadata.version(name) returns a string or raises importlib.metadata.PackageNotFoundError; "
        "catch that one and give None.",
    ],
    solution="""import importlib.metadata as md

def framework_versions(names):
    versions = {}
    for name in names:
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = None
    return versions""",
)


SETTINGS = ("CUDA", " cpu ", "gpu", "cuda:1", "")  # values of ZOO_PATTERNS_DEVICE; "" means unset


def _device_with(value: str) -> str:
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


q4 = PredictionQuestion(
    "q4",
    "ex00",
    SETTINGS,
    lambda: {v: _device_with(v) for v in SETTINGS},
    shape="value: device or exception name",
    keys_are="SETTINGS",
    value_ok=lambda v: isinstance(v, str),
    value_rule="each prediction is a device name such as 'cpu' or an exception's class name, as a string.",
    ask="Read device() in zoo_patterns/settings.py: what does it do to the text first, and what does it refuse?",
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
