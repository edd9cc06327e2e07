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
# # Exercise 09 · Moving models between frameworks
#
# Three checked questions: write the conversion of a Dense layer's weights by hand (Q1), diagnose a broken
# conversion, the first layer that differs and the rule that broke it (Q2), and write the function
# that carries BatchNorm's constants into Keras (Q3). Three review questions at the end are not
# checked.

# %%
import torch

import zoo_patterns as zp
from zoo_patterns import expect_error
from zoo_patterns.convert import ParityError, parity, probe_inputs
from zoo_patterns.convert.traps import TRAPS
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex09 import mystery, q1, q2, q3, torch_linear

zp.quiet()

# %% [markdown]
# ## Question 1: one Dense layer by hand
#
# `linear` is a torch `Linear(6, 3)`. Write `dense_weights(linear)`: the weights a Keras `Dense`
# layer needs to compute the same thing as any torch `Linear`, as a list `[kernel, bias]` of numpy
# arrays. The check tries `linear` and a layer of other sizes.

# %%
linear = torch_linear()
print(linear.weight.shape, linear.bias.shape)
def dense_weights(linear):
    raise NotImplementedError("return [kernel, bias]")


# %% tags=["check"]
q1.check(dense_weights)

# %% [markdown]
# ## Question 2: diagnose a broken conversion
#
# `mystery()` gives a torch model and a Keras conversion of it made with one of the four wrong
# rules in `TRAPS` (the rest of its rules are right). Run a parity check, set
# `first_divergent_layer` to the number of the first layer whose output differs, and `trap` to
# the name of the wrong rule that explains it.

# %%
model, keras_model = mystery()
print(model)
print(list(TRAPS))
first_divergent_layer, trap = ____, ____

# %% tags=["check"]
q2.check(first_divergent_layer, trap)

# %% [markdown]
# ## Question 3: BatchNorm's two conventions
#
# A converter turns any torch `BatchNorm2d` into a Keras `BatchNormalization`. Write
# `keras_batchnorm_kwargs(bn)`: from the torch layer `bn`, the `epsilon` and `momentum` the Keras
# layer must get, as a dict. The check tries it on layers with constants you have not seen.

# %%
bn = torch.nn.BatchNorm2d(6)
print(bn)
def keras_batchnorm_kwargs(bn):
    raise NotImplementedError("return {'epsilon': ..., 'momentum': ...}")


# %% tags=["check"]
q3.check(keras_batchnorm_kwargs)

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Why compare layer by layer and not only the final outputs?
# 2. Which constants must a converter carry instead of using the target's defaults?
# 3. Why do round trips (A to B to A) help?

# %%
# Your answers, as comments (or add a markdown cell).
