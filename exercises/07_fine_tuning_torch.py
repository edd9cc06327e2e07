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
# # Exercise 07 · Fine-tuning in PyTorch
#
# Reconfigure the output layer, freeze all but the last block, and add L2 to a plan.

# %%
import torch

import zoo_patterns as zp
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex07 import q1, q2, q3, q4
from zoo_patterns.transfer import Regularisation, TransferPlan

zp.quiet()
net = zp.load("digits-cnn-torch")
print(net)

# %% [markdown]
# ## Q1 · Replace the head
# `net` was pretrained on 5 digits. The new task has 10. Replace its output layer (`net.head`)
# with a fresh one for 10 classes, keeping everything else.

# %%
pass  # assign a new layer to net.head

# %% tags=["check"]
q1.check(net)

# %% [markdown]
# ## Q2 · Freeze everything but the last block
# Make only the last hidden block (`net.backbone[8]`, the 64-unit layer) and the head trainable.

# %%
pass  # set requires_grad on the parameters

# %% tags=["check"]
q2.check(net)

# %% [markdown]
# ## Q3 · Add L2
# Write `plan_l2`: full fine-tuning of `digits-cnn-torch` for 10 classes (keep the known rows of
# the head with `head="extend"`), with L2 regularisation as weight decay.

# %%
plan_l2 = ____

# %% tags=["check"]
q3.check(plan_l2)

# %% [markdown]
# ## Q4 · Diagnose: the block that never learned
# A colleague froze everything but the head, built the optimizer, then unfroze the last block:
#
# ```python
# for p in net.parameters(): p.requires_grad = False
# for p in net.head.parameters(): p.requires_grad = True
# optimizer = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.1)
# for p in net.backbone[8].parameters(): p.requires_grad = True   # "and the last block too"
# ```
#
# After one `loss.backward(); optimizer.step()`, which parameters have changed? Write `changed`,
# a set of names as `net.named_parameters()` gives them. (The check runs it.)

# %%
changed = ____

# %% tags=["check"]
q4.check(changed)

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. When would you freeze all but the head, and when fine-tune everything?
# 2. Q4's late unfreeze gave the block gradients but never updated it. How would you guard
#    against it?
# 3. Why is accuracy not enough on the fine-tuned model?

# %%
# Your answers, as comments (or add a markdown cell).
