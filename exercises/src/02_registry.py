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
# # Exercise 02 · The registry pattern
#
# Four checked questions: write a registry that fixes the naive one's faults (Q1), query the
# zoo's (Q2, a look-up), scope your experiments in a child registry (Q3), and predict what a
# child registry allows before you see it (Q4, committed first).

# %%
import zoo_patterns as zp
from zoo_patterns import Registry
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex02 import OPERATIONS, q1, q2, q3, q4

zp.quiet()

# %% [markdown]
# ## Q1 · A registry that refuses mistakes
# Lesson 02 began with a registry in ten lines: a module-level dict and a decorator. Write
# `SafeRegistry`, a class with `register(name)` (a decorator, as there) and
# `build(name, **kwargs)`, that mends its faults: each instance has its own entries; a name
# registered twice is an error, and the first model stays; building an unknown name raises an
# error that suggests the registered names close to it. Registering must not build anything.

# %%
class SafeRegistry:
    def __init__(self):
        raise NotImplementedError("your code here")

    def register(self, name):
        raise NotImplementedError("your code here")

    def build(self, name, **kwargs):
        raise NotImplementedError("your code here")


# %% tags=["check"]
q1.check(SafeRegistry)

# %% [markdown]
# ## Q2 · A query
# List the names of every ONNX model in the zoo, with a filter rather than a loop.

# %%
onnx_models = ____

# %% tags=["check"]
q2.check(onnx_models)

# %% [markdown]
# ## Q3 · A scoped registry
# Make `lesson`, a child of the zoo's registry (`zp.registry()`), and register `"my-model"`
# in it (any builder will do) without touching the zoo itself.

# %%
lesson = ____

# %% tags=["check"]
q3.check(lesson)

# %% [markdown]
# ## Q4 · Predict, then run: what does a child registry allow?
# Each of the six `OPERATIONS` below is done on a fresh `Registry("lesson", parent=zp.registry())`.
# **Predict** the outcome of each: `"ok"`, or the class name of the exception it raises. Write
# them as `predicted = {operation: outcome}`, then run `q4.predict(predicted)`: it records your
# first prediction, then runs the six and shows them beside it. `q4.check()` scores the first.

# %%
for label in OPERATIONS:
    print(label)

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
# 1. Why does a registry store a factory rather than a built model?
# 2. What do scoped (child) registries buy a lesson or a test?
# 3. Who is protected when a registry refuses a second registration of a name, and what is the
#    explicit way out when you do mean to override it?

# %%
# Your answers, as comments (or add a markdown cell).
