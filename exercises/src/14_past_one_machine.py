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
# # Exercise 14 · Past one machine
#
# Three checked questions: write how the training script shares a global batch and how many steps
# make an epoch (Q1), write the shard one rank reads, as `DistributedSampler` computes it (Q2), and
# predict which runs end with the same weights on one process and on two (Q3, "predict, then run":
# `q3.predict(...)` records your first prediction before it launches the runs, and `q3.check()`
# scores that first prediction). Three review questions at the end are not checked.

# %%
import math

import torch

from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex14 import q1, q2, q3

# %% [markdown]
# ## Question 1: sharing the batch
#
# A run with `--batch-size 32` on 4 processes trains on 160 examples. Write
# `split_batch(global_batch, world, examples)`: how many examples each process takes per step
# (`local_batch`), and how many steps make one epoch (`steps`), as the script computes them. The
# check also tries example counts that do not split evenly across the processes.

# %%
def split_batch(global_batch, world, examples):
    raise NotImplementedError("return (local_batch, steps)")


# %% tags=["check"]
q1.check(split_batch)

# %% [markdown]
# ## Question 2: what one rank reads
#
# Write `shard(n, world, rank, seed, epoch)`: the example indices, in order, that rank `rank` of a
# `world`-process run reads in epoch `epoch` over `n` examples, as `DistributedSampler(range(n),
# num_replicas=world, rank=rank, shuffle=True, seed=seed)` after `set_epoch(epoch)` gives them.
# Compute them with torch (`torch.randperm` and a seeded `torch.Generator`); the check refuses a
# function that asks `DistributedSampler` itself.

# %%
def shard(n, world, rank, seed, epoch):
    raise NotImplementedError("the shuffle, padded, then this rank's slice")


# %% tags=["check"]
q2.check(shard)

# %% [markdown]
# ## Question 3: predict, then run: which runs agree?
#
# The package's script (`python -m zoo_patterns.transfer.distributed`) fine-tunes the digits CNN
# with the full plan, which trains the BatchNorm layers too. For each `--bn` mode below,
# **predict** whether one process and two processes end with the same weights (`"same"`, to
# 1e-5), with weights that differ (`"differ"`), or whether the run is refused on this CPU machine
# (`"refused"`). `q3.predict(predicted)` records your first prediction, then launches the runs
# with `torchrun` on 1 and 2 processes (a few seconds each).

# %%
predicted = ____  # {"full plan, --bn local": ..., "full plan, --bn frozen": ..., "full plan, --bn sync": ...}

# %% tags=["check"]
q3.predict(predicted)

# %% tags=["check"]
q3.check()

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Why must every rank compute the same shuffle?
# 2. Explain Q3's outcomes for the full plan: what differs between the ranks, and which fix would
#    you use on a GPU cluster?
# 3. What should happen when one process dies?

# %%
# Your answers, as comments (or add a markdown cell).
