# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
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
# Three small questions about the machine you are on. Fill each `____`, run the cell,
# then run the check below it. Stuck? `q1.hint()`, then `q1.hint(2)`. Giving up is fine:
# `q1.solution()`.

# %%
import zoo_patterns
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex00 import SETTINGS, device_with, q1, q2, q3, q4

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
# ## Q2 · Where does the workbook cache downloads?

# %%
# BEGIN SOLUTION
#> cache = ____
cache = zoo_patterns.cache_dir()
# END SOLUTION

# %% tags=["check"]
q2.check(cache)

# %% [markdown]
# ## Q3 · Framework versions without importing the frameworks
# Write `framework_versions()`: a dict from each of `torch`, `tensorflow`, `mxnet` and
# `transformers` to its installed version string. Importing the four would take seconds;
# find a faster way.

# %%
# BEGIN SOLUTION
#> def framework_versions():
#>     raise NotImplementedError("your code here")
import importlib.metadata as md


def framework_versions():
    return {name: md.version(name) for name in ("torch", "tensorflow", "mxnet", "transformers")}
# END SOLUTION


# %% tags=["check"]
q3.check(framework_versions)

# %% [markdown]
# ## Q4 · Predict, then run: what the device setting accepts
# `ZOO_PATTERNS_DEVICE` overrides the device the workbook picks. For each value in `SETTINGS`
# (`""` means unset), **predict** what `zoo_patterns.device()` returns, or the class name of
# the exception it raises. Write `predicted = {value: result}`; `device_with(value)` runs one.

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
for value in SETTINGS:
    print(f"{value!r:10} {device_with(value)}")
# END SOLUTION

# %% tags=["check"]
q4.check(predicted)

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Why does the workbook read framework versions from the installed metadata rather than from
#    each framework's `__version__`?
# 2. What goes wrong if every lesson picks its own device?
# 3. Why must the cache never default to a temporary directory?

# %%
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. Importing TensorFlow, MXNet and transformers takes seconds and can fail for reasons
#    unrelated to the question; the metadata answers what is installed without running any of
#    it. The cost: it says what pip installed, not what actually imports.
# 2. Two lessons could disagree (one on the GPU, one on the CPU), timings and numerics would not
#    be comparable, and there would be no single switch (`ZOO_PATTERNS_DEVICE`) to override it.
#    One function makes the choice visible and testable.
# 3. A temp directory is cleared on reboot or per session, so every run would re-download the
#    models; worse, two processes could each make their own and never share. A stable, user-
#    level cache is what makes a cache hit and offline mode possible.
# END SOLUTION
