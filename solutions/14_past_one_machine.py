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
# BEGIN SOLUTION
#> local_batch, steps = ____, ____
local_batch = 32 // 4
steps = 160 // 32
# END SOLUTION

# %% tags=["check"]
q1.check(local_batch, steps)

# %% [markdown]
# ## Question 2: what rank 1 reads
#
# In a 2-process run with seed 0 over 160 examples, which example indices does rank 1 read first in
# epoch 3? Set `rank1_first` to the first five, using `DistributedSampler` as the script does.

# %%
# BEGIN SOLUTION
#> rank1_first = ____
sampler = DistributedSampler(range(160), num_replicas=2, rank=1, shuffle=True, seed=0)
sampler.set_epoch(3)
rank1_first = list(sampler)[:5]
# END SOLUTION

# %% tags=["check"]
q2.check(rank1_first)

# %% [markdown]
# ## Question 3: parity for the full plan
#
# Choose the `--bn` mode that makes the full plan end with the same weights on 1 and 2 processes on
# this CPU. The check launches both runs with `torchrun` (a few seconds).

# %%
# BEGIN SOLUTION
#> bn_mode = ____
bn_mode = "frozen"
# END SOLUTION

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
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. So that the ranks split one permutation into disjoint shards; different shuffles would give
#    some examples twice and others not at all.
# 2. Each rank normalises with statistics of its own share of the batch, not of the global
#    batch. Freeze the pretrained statistics, or synchronise them across ranks (SyncBatchNorm,
#    which needs GPUs here).
# 3. The launcher should stop the others and report which rank failed and why, rather than hang
#    waiting at the next collective.
# END SOLUTION
