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
# # Exercise 02 · The registry pattern
#
# Make a registry, query the zoo's, and scope your experiments in a child registry.

# %%
import torch

import zoo_patterns as zp
from zoo_patterns import Registry
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex02 import OPERATIONS, q1, q2, q3, q4, run_operation

zp.quiet()

# %% [markdown]
# ## Q1 · Your own registry
# Create `my_registry` and register a builder under `"tiny-linear"` that returns
# `torch.nn.Linear(64, 10)`.

# %%
my_registry = ____

# %% tags=["check"]
q1.check(my_registry)

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
# **First predict** the outcome of each: `"ok"`, or the class name of the exception it raises.
# Write them as `predicted = {operation: outcome}`; then `run_operation(label)` runs one.

# %%
for label in OPERATIONS:
    print(label)

# %%
predicted = ____

# %% tags=["check"]
q4.check(predicted)

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Why does a registry store a factory rather than a built model?
# 2. What do scoped (child) registries buy a lesson or a test?
# 3. Why is a duplicate name an error rather than a silent overwrite?

# %%
# Your answers, as comments (or add a markdown cell).
