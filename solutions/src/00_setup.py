# ---
# jupyter:
#   jupytext:
#     formats: ipynb,src//py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% tags=["colab"] cellView="form" jupyter={"source_hidden": true}
#@title Colab only: install the workbook and MXNet, keeping Colab's torch and numpy (does nothing elsewhere) { display-mode: "form" }
import sys

if "google.colab" in sys.modules:
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "zoo-patterns[colab] @ git+https://github.com/zoo-patterns/zoo-patterns"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "mxnet==1.9.1"], check=True)

# %% [markdown]
# # Exercise 00 · Setup and orientation
#
# Four checked questions about the machine you are on: one look-up (Q1), two small functions
# that do what the workbook's settings do (Q2, Q3), and one prediction that you commit before
# you see the runs (Q4). Fill each `____`, run the cell, then run the check below it. Stuck?
# `q1.hint()`, then `q1.hint(2)`. Giving up is fine: `q1.solution()`.

# %%
import zoo_patterns
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex00 import SETTINGS, q1, q2, q3, q4

zoo_patterns.quiet()

# %% [markdown]
# ## Q1 · Which device will the lessons use?
# Ask the workbook (don't type the answer in by hand: it differs between a laptop and a GPU box).

# %%
# BEGIN SOLUTION
#> my_device = ____
my_device = zoo_patterns.device()
# END SOLUTION

# %% tags=["check"]
q1.check(my_device)

# %% [markdown]
# ## Q2 · Where would the cache be?
# Write `cache_dir_for(environ)`: the folder the workbook caches downloads in when the
# environment variables are the dict `environ`, as a `pathlib.Path`. `ZOO_PATTERNS_CACHE`
# moves the cache; think about what a person may type into it. The check tries your function
# on environments it makes up each time, and compares with what `zoo_patterns.cache_dir()` gives.

# %%
# BEGIN SOLUTION
#> def cache_dir_for(environ):
#>     raise NotImplementedError("your code here")
from pathlib import Path

from platformdirs import user_cache_path


def cache_dir_for(environ):
    value = environ.get("ZOO_PATTERNS_CACHE", "").strip()  # a blank value means unset
    return Path(value).expanduser().resolve() if value else user_cache_path("zoo-patterns")
# END SOLUTION


# %% tags=["check"]
q2.check(cache_dir_for)

# %% [markdown]
# ## Q3 · Versions without importing anything
# Write `framework_versions(names)`: a dict from each package name in `names` to its installed
# version string, or `None` when it is not installed. Importing `torch`, `tensorflow`, `mxnet`
# and `transformers` would take seconds; find a way that imports none of them. The check asks
# for the four frameworks and for packages it picks at random.

# %%
# BEGIN SOLUTION
#> def framework_versions(names):
#>     raise NotImplementedError("your code here")
import importlib.metadata as md


def framework_versions(names):
    versions = {}
    for name in names:
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = None
    return versions
# END SOLUTION


# %% tags=["check"]
q3.check(framework_versions)

# %% [markdown]
# ## Q4 · Predict, then run: what the device setting accepts
# `ZOO_PATTERNS_DEVICE` overrides the device the workbook picks. For each value in `SETTINGS`
# (`""` means unset), **predict** what `zoo_patterns.device()` returns, or the class name of
# the exception it raises. Write `predicted = {value: result}`, then run `q4.predict(predicted)`:
# it records your first prediction, and only then shows the runs beside it. `q4.check()`
# scores the first prediction you committed, so think before you run it.

# %%
print(SETTINGS)

# %%
# BEGIN SOLUTION
#> predicted = ____
import torch

predicted = {
    "CUDA": "cuda",  # lower-cased
    " cpu ": "cpu",  # stripped
    "gpu": "ValueError",  # not a torch device name
    "cuda:1": "cuda:1",  # accepted as written: device() does not check that a second GPU exists
    "": "cuda" if torch.cuda.is_available() else "cpu",  # unset: chosen automatically
}
# END SOLUTION

# %% tags=["check"]
q4.predict(predicted)

# %% tags=["check"]
q4.check()

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Your Q3 never imports the frameworks. What can its answer not tell you about them, and
#    how does lesson 00 find that out?
# 2. What goes wrong if every lesson picks its own device?
# 3. Why must the cache never default to a temporary directory?

# %%
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. It says what pip installed, not whether it works: a package can be installed and still
#    fail to import (MXNet does on a recent numpy until the workbook repairs it). Lesson 00's
#    doctor imports each one, for real, to find that out.
# 2. Two lessons could disagree (one on the GPU, one on the CPU), timings and numerics would not
#    be comparable, and there would be no single switch to override it. One function makes the
#    choice visible and testable.
# 3. A temp directory is cleared on reboot or per session, so every run would re-download the
#    models; worse, two processes could each make their own and never share. A stable, user-
#    level cache is what makes a cache hit and offline mode possible.
# END SOLUTION
