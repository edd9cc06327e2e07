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
# # Exercise 08 · Fine-tuning in Keras and Gluon
#
# Freeze the same layers in two more frameworks, and convert BatchNorm's momentum.

# %%
import zoo_patterns as zp
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex08 import q1, q2, q3, q4

zp.quiet()
keras_model = zp.load("digits-cnn-keras")
gluon_net = zp.load("digits-cnn-gluon")
print([layer.name for layer in keras_model.layers])

# %% [markdown]
# ## Q1 · Keras: freeze all but the head
# Make the layer named `head` the only trainable layer of `keras_model`.

# %%
pass  # set each layer's trainable flag

# %% tags=["check"]
q1.check(keras_model)

# %% [markdown]
# ## Q2 · Gluon: freeze all but the head
# In `gluon_net`, stop gradients for every parameter of the backbone (`gluon_net.backbone`).

# %%
pass  # set grad_req on the backbone's parameters

# %% tags=["check"]
q2.check(gluon_net)

# %% [markdown]
# ## Q3 · BatchNorm momentum
# A torch BatchNorm layer has `momentum=0.1`. Write `keras_momentum(torch_momentum)`, the value
# to give Keras's `BatchNormalization(momentum=...)` so that both update their running
# statistics the same way.

# %%
def keras_momentum(torch_momentum):
    raise NotImplementedError("convert the convention")


# %% tags=["check"]
q3.check(keras_momentum)

# %% [markdown]
# ## Q4 · Predict, then check: the same momentum, written twice
# A converter copied `momentum=0.1` from a torch BatchNorm into a Keras one. Both running means
# start at 0; then ten training batches arrive, each with mean 1. **Predict** both running means
# after the ten batches, `torch_mean` and `keras_mean`. The check measures real layers.

# %%
torch_mean, keras_mean = ____, ____

# %% tags=["check"]
q4.check(torch_mean, keras_mean)

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Keras freezes layers, Gluon parameters, torch tensors. What does that change when you port
#    a freezing plan?
# 2. Q4: a converter copied momentum=0.1 into Keras. What would you see in training, and how
#    would you catch it?
# 3. What does a frozen Keras BatchNormalization layer do in training mode?

# %%
# Your answers, as comments (or add a markdown cell).
