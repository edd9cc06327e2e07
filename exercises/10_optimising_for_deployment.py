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
# # Exercise 10 · Optimising for deployment
#
# Measure what unstructured pruning really changes, prune channels for real, and apply a
# stated rule to a results table.

# %%
import zoo_patterns as zp
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex10 import TABLE, q1, q2, q3
from zoo_patterns.optimize.bench import torch_size_mb
from zoo_patterns.optimize.prune import prune_digits_cnn, prune_unstructured, sparsity

zp.quiet()
net = zp.load("digits-cnn-torch", progress=False)

# %% [markdown]
# ## Question 1: what do zeros save?
#
# Prune 60% of `net`'s weights with `prune_unstructured`. Set `zero_fraction` to the fraction of
# weights that are now zero, and `same_size` to whether the saved model is exactly as large as before.

# %%
zero_fraction, same_size = ____, ____

# %% tags=["check"]
q1.check(zero_fraction, same_size)

# %% [markdown]
# ## Question 2: channels that really go
#
# Remove 75% of the convolution channels with `prune_digits_cnn`. How many channels does the first
# convolution keep, and how many parameters does the whole network have now?

# %%
kept, params = ____, ____

# %% tags=["check"]
q2.check(kept, params)

# %% [markdown]
# ## Question 3: apply the rule
#
# `TABLE` is a results table for MiniLM (latency at batch 1 in ms, size in MB, help-desk accuracy).
# Apply lesson 10's rule: keep the rows within 1 point of fp32's quality (0.950), then take the
# fastest. Set `choice` to its name.

# %%
for row in TABLE:
    print(row)
choice = ____

# %% tags=["check"]
q3.check(choice)

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Q1 found that unstructured pruning left the file size unchanged. What would make it smaller
#    or faster?
# 2. Why choose by a rule with a quality bar first, then speed?
# 3. Why can a timing from one run mislead, and how did lesson 10 guard against it?

# %%
# Your answers, as comments (or add a markdown cell).
