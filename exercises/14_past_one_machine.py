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
# # Exercise 14 · Past one machine
#
# Work out how a global batch is shared, find which examples one rank reads, and make the full plan
# compute the same weights on one and two processes.

# %%
from torch.utils.data.distributed import DistributedSampler

from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex14 import q1, q2, q3

# %% [markdown]
# ## Question 1: sharing the batch
#
# A run with `--batch-size 32` on 4 processes trains on 160 examples. How many examples does each
# process take per step (`local_batch`), and how many steps make one epoch (`steps`)?

# %%
local_batch, steps = ____, ____

# %% tags=["check"]
q1.check(local_batch, steps)

# %% [markdown]
# ## Question 2: what rank 1 reads
#
# In a 2-process run with seed 0 over 160 examples, which example indices does rank 1 read first in
# epoch 3? Set `rank1_first` to the first five, using `DistributedSampler` as the script does.

# %%
rank1_first = ____

# %% tags=["check"]
q2.check(rank1_first)

# %% [markdown]
# ## Question 3: parity for the full plan
#
# Choose the `--bn` mode that makes the full plan end with the same weights on 1 and 2 processes on
# this CPU. The check launches both runs with `torchrun` (a few seconds).

# %%
bn_mode = ____

# %% tags=["check"]
q3.check(bn_mode)

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Why must every rank compute the same shuffle?
# 2. Why does BatchNorm break parity between one process and two, and what are the fixes?
# 3. What should happen when one process dies?

# %%
# Your answers, as comments (or add a markdown cell).
