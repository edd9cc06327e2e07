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
# # Exercise 07 · Fine-tuning in PyTorch
#
# Four checked questions: write the two steps of fine-tuning by hand as functions that work on
# any network of this shape (Q1 replaces the head, Q2 freezes all but the last block; the checks
# try them on networks of their own), add L2 to a plan (Q3, a look-up), and diagnose a freezing
# bug by predicting its effect before you see it (Q4, committed first).

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
# `net` was pretrained on 5 digits. Write `replace_head(net, num_classes)`: give the network a
# fresh output layer (`net.head`) for `num_classes` classes, keep everything else, and return
# the network. It must work for a network of any width, not only this one.

# %%
# BEGIN SOLUTION
#> def replace_head(net, num_classes):
#>     raise NotImplementedError("your code here")
def replace_head(net, num_classes):
    net.head = torch.nn.Linear(net.head.in_features, num_classes)  # the width comes from the old head
    return net
# END SOLUTION


# %% tags=["check"]
q1.check(replace_head)

# %% [markdown]
# ## Q2 · Freeze everything but the last block
# Write `freeze_all_but_last(net)`: afterwards only the last layer of `net.backbone` that has
# parameters (here `net.backbone[8]`, the 64-unit layer) and the head are trainable. Find that
# layer rather than counting to it: the check also hands your function a deeper network.

# %%
# BEGIN SOLUTION
#> def freeze_all_but_last(net):
#>     raise NotImplementedError("your code here")
def freeze_all_but_last(net):
    for p in net.parameters():
        p.requires_grad = False
    last = [m for m in net.backbone if list(m.parameters())][-1]
    for p in [*last.parameters(), *net.head.parameters()]:
        p.requires_grad = True
# END SOLUTION


# %% tags=["check"]
q2.check(freeze_all_but_last)

# %%
try:
    net = replace_head(net, 10)
    freeze_all_but_last(net)
    print("trainable:", [name for name, p in net.named_parameters() if p.requires_grad])
except NotImplementedError:
    print("Write replace_head and freeze_all_but_last above first.")

# %% [markdown]
# ## Q3 · Add L2
# Write `plan_l2`: full fine-tuning of `digits-cnn-torch` for 10 classes (keep the known rows of
# the head with `head="extend"`), with L2 regularisation as weight decay.

# %%
# BEGIN SOLUTION
#> plan_l2 = ____
plan_l2 = TransferPlan.full("digits-cnn-torch", 10, head="extend", regularisation=Regularisation(weight_decay=0.01))
# END SOLUTION

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
# After one `loss.backward(); optimizer.step()` on the pretrained `digits-cnn-torch`, which
# parameters have changed? **Predict** `changed = {name: True or False}` for every name that
# `net.named_parameters()` gives, then run `q4.predict(changed)`: it records your first
# prediction, then runs the colleague's code and shows what changed beside it.

# %%
names = [name for name, _ in zp.load("digits-cnn-torch").named_parameters()]
print(names)

# %%
# BEGIN SOLUTION
#> changed = ____
changed = {name: name.startswith("head.") for name in names}  # backbone.8 gets gradients, but the optimizer never had it
# END SOLUTION

# %% tags=["check"]
q4.predict(changed)

# %% tags=["check"]
q4.check()

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. When would you freeze all but the head, and when fine-tune everything?
# 2. Explain what Q4's runs showed you, and say how you would guard against that bug.
# 3. Why is accuracy not enough on the fine-tuned model?

# %%
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. With few labels and a domain close to the pretraining one, freeze most of it (fewer
#    parameters to overfit). With more data or a distant domain, unfreeze more, with a smaller
#    learning rate and regularisation.
# 2. Only the head changed: the late unfreeze gave the block gradients, but the optimizer took
#    its list of parameters when it was built, so it never updated them. Set requires_grad
#    before building the optimizer (or rebuild it after), and assert which parameters the
#    optimizer holds, or that they changed after one step.
# 3. With unbalanced classes it hides a class that is always missed; the confusion matrix and
#    per-class precision, recall and F1 show which mistakes are made.
# END SOLUTION
