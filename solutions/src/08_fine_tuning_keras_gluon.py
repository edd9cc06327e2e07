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
# # Exercise 08 · Fine-tuning in Keras and Gluon
#
# Five checked questions: freeze the head-only plan in Keras (Q1), predict what a torch habit does to
# a Gluon network and then fix it (Q2 and Q3), write the conversion of BatchNorm's momentum (Q4), and
# predict what a copied momentum does to the running statistics (Q5). Q2 and Q5 are "predict, then
# run": `q.predict(...)` records your first prediction before it shows the measurement, and
# `q.check()` scores that first prediction. Three review questions at the end are not checked.

# %%
import zoo_patterns as zp
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex08 import q1, q2, q3, q4, q5

zp.quiet()
keras_model = zp.load("digits-cnn-keras")
gluon_net = zp.load("digits-cnn-gluon")
print([layer.name for layer in keras_model.layers])

# %% [markdown]
# ## Q1 · Keras: freeze all but the head
# Make the layer named `head` the only trainable layer of `keras_model`.

# %%
# BEGIN SOLUTION
#> pass  # set each layer's trainable flag
for layer in keras_model.layers:
    layer.trainable = layer.name == "head"
# END SOLUTION

# %% tags=["check"]
q1.check(keras_model)

# %% [markdown]
# ## Q2 · Predict, then run: a torch habit in Gluon
# A port of a torch script froze the Gluon backbone with the torch loop, word for word:
#
# ```python
# for p in gluon_net.backbone.collect_params().values():
#     p.requires_grad = False
# ```
#
# **Predict** two outcomes on a fresh `digits-cnn-gluon`: does the loop raise an error (`True` or
# `False`), and how many of the backbone's parameters still get gradients afterwards (a count of
# those whose `grad_req` is not `"null"`)? The cell below shows each parameter's `grad_req` before
# the loop. `q2.predict(predicted)` records your first prediction, then runs the loop on a fresh
# network and shows both.

# %%
before = {name: p.grad_req for name, p in gluon_net.backbone.collect_params().items()}
print(before)
# BEGIN SOLUTION
#> predicted = ____  # {"raises an error": ..., "backbone parameters still learning": ...}
# Gluon reads grad_req; requires_grad is a new attribute nobody reads, so nothing changes and nothing is said.
# The BatchNorm running statistics never had a gradient ('null'): the count is the 'write' ones.
predicted = {"raises an error": False, "backbone parameters still learning": sum(r != "null" for r in before.values())}
# END SOLUTION

# %% tags=["check"]
q2.predict(predicted)

# %% tags=["check"]
q2.check()

# %% [markdown]
# ## Q3 · Gluon: freeze all but the head, for real
# Now do what the port meant: in `gluon_net`, stop gradients for every parameter of the backbone
# (`gluon_net.backbone`), with the switch Gluon actually reads.

# %%
# BEGIN SOLUTION
#> pass  # set the switch on the backbone's parameters
for p in gluon_net.backbone.collect_params().values():
    p.grad_req = "null"
# END SOLUTION

# %% tags=["check"]
q3.check(gluon_net)

# %% [markdown]
# ## Q4 · BatchNorm momentum
# A torch BatchNorm layer has `momentum=0.1`. Write `keras_momentum(torch_momentum)`, the value
# to give Keras's `BatchNormalization(momentum=...)` so that both update their running
# statistics the same way, for any torch momentum.

# %%
# BEGIN SOLUTION
#> def keras_momentum(torch_momentum):
#>     raise NotImplementedError("convert the convention")
def keras_momentum(torch_momentum):
    return 1 - torch_momentum
# END SOLUTION


# %% tags=["check"]
q4.check(keras_momentum)

# %% [markdown]
# ## Q5 · Predict, then run: the same momentum, written twice
# A converter copied `momentum=0.1` from a torch BatchNorm into a Keras one. Both running means
# start at 0; then ten training batches arrive, each with mean 1. **Predict** both running means
# after the ten batches, rounded to 2 decimals, as `{"torch": ..., "keras": ...}`.
# `q5.predict(predicted)` records your first prediction, then measures real layers and shows both.

# %%
# BEGIN SOLUTION
#> predicted = ____  # {"torch": ..., "keras": ...}
predicted = {"torch": round(1 - 0.9**10, 2), "keras": round(1 - 0.1**10, 2)}  # 0.65 and 1.0: Keras barely remembers
# END SOLUTION

# %% tags=["check"]
q5.predict(predicted)

# %% tags=["check"]
q5.check()

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Keras freezes layers, Gluon parameters, torch tensors. What does that change when you port
#    a freezing plan?
# 2. Q5: a converter copied momentum=0.1 into Keras. What would you see in training, and how
#    would you catch it?
# 3. What does a frozen Keras BatchNormalization layer do in training mode?

# %%
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. The unit you name differs, so the plan must be written as 'which parts learn' and
#    translated per framework; check by listing what is trainable afterwards.
# 2. Keras's running statistics would follow each batch almost exactly, so evaluation would be
#    noisy and worse than training. A converter test that compares running statistics after a
#    few batches catches it.
# 3. In Keras 3, `trainable=False` also makes it run in inference mode, using its moving
#    statistics; torch keeps updating them unless the module is in eval mode.
# END SOLUTION
