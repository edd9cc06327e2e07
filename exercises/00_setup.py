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
my_device = ____

# %% tags=["check"]
q1.check(my_device)

# %% [markdown]
# ## Q2 · Where does the workbook cache downloads?

# %%
cache = ____

# %% tags=["check"]
q2.check(cache)

# %% [markdown]
# ## Q3 · Framework versions without importing the frameworks
# Write `framework_versions()`: a dict from each of `torch`, `tensorflow`, `mxnet` and
# `transformers` to its installed version string. Importing the four would take seconds;
# find a faster way.

# %%
def framework_versions():
    raise NotImplementedError("your code here")


# %% tags=["check"]
q3.check(framework_versions)

# %% [markdown]
# ## Q4 · Predict, then run: what the device setting accepts
# `ZOO_PATTERNS_DEVICE` overrides the device the workbook picks. For each value in `SETTINGS`
# (`""` means unset), **predict** what `zoo_patterns.device()` returns, or the class name of
# the exception it raises. Write `predicted = {value: result}`; `device_with(value)` runs one.

# %%
predicted = ____

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
# Your answers, as comments (or add a markdown cell).
