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
my_device = ____

# %% tags=["check"]
q1.check(my_device)

# %% [markdown]
# ## Q2 · Where would the cache be?
# Write `cache_dir_for(environ)`: the folder the workbook caches downloads in when the
# environment variables are the dict `environ`, as a `pathlib.Path`. `ZOO_PATTERNS_CACHE`
# moves the cache; think about what a person may type into it. The check tries your function
# on environments it makes up each time, and compares with what `zoo_patterns.cache_dir()` gives.

# %%
def cache_dir_for(environ):
    raise NotImplementedError("your code here")


# %% tags=["check"]
q2.check(cache_dir_for)

# %% [markdown]
# ## Q3 · Versions without importing anything
# Write `framework_versions(names)`: a dict from each package name in `names` to its installed
# version string, or `None` when it is not installed. Importing `torch`, `tensorflow`, `mxnet`
# and `transformers` would take seconds; find a way that imports none of them. The check asks
# for the four frameworks and for packages it picks at random.

# %%
def framework_versions(names):
    raise NotImplementedError("your code here")


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
predicted = ____

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
# Your answers, as comments (or add a markdown cell).
