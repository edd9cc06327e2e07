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
# # Exercise 09 · Moving models between frameworks
#
# Convert one layer by hand, find where a broken conversion goes wrong, and get BatchNorm's two
# conventions right.

# %%
import zoo_patterns as zp
from zoo_patterns.convert import ParityError, parity, probe_inputs
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex09 import mystery, q1, q2, q3, torch_linear

zp.quiet()

# %% [markdown]
# ## Question 1: one Dense layer by hand
#
# `linear` is a torch `Linear(6, 3)`. Give the weights a Keras `Dense(3)` needs to compute the same
# thing, as a list `[kernel, bias]` of numpy arrays.

# %%
linear = torch_linear()
print(linear.weight.shape, linear.bias.shape)
# BEGIN SOLUTION
#> keras_weights = ____
keras_weights = [linear.weight.detach().numpy().T, linear.bias.detach().numpy()]
# END SOLUTION

# %% tags=["check"]
q1.check(keras_weights)

# %% [markdown]
# ## Question 2: find the divergent layer
#
# `mystery()` gives a torch model and a Keras conversion of it made with one wrong rule. Run a
# parity check, and set `first_divergent_layer` to the number of the first layer whose output
# differs.

# %%
model, keras_model = mystery()
# BEGIN SOLUTION
#> first_divergent_layer = ____
with zp.expect_error(ParityError, quiet=True) as caught:  # fails the cell if the two models agree
    parity(model, keras_model, probe_inputs((1, 8, 8)))
print(caught.error.report.divergent)
first_divergent_layer = int(caught.error.report.divergent.split()[1])
# END SOLUTION

# %% tags=["check"]
q2.check(first_divergent_layer)

# %% [markdown]
# ## Question 3: BatchNorm's two conventions
#
# A torch `BatchNorm2d` with its default settings becomes a Keras `BatchNormalization`. Which
# `epsilon` and `momentum` must the Keras layer get?

# %%
# BEGIN SOLUTION
#> epsilon, momentum = ____, ____
epsilon, momentum = 1e-5, 0.9
# END SOLUTION

# %% tags=["check"]
q3.check(epsilon, momentum)

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Why compare layer by layer and not only the final outputs?
# 2. Which constants must a converter carry instead of using the target's defaults?
# 3. Why do round trips (A to B to A) help?

# %%
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. A final difference says something is wrong; the first layer that differs says where, and
#    every later layer only inherits the error.
# 2. Epsilon and momentum of normalisation layers, padding and stride, and layout (NCHW against
#    NHWC), plus any activation or pooling parameters.
# 3. They test the converter in both directions with the original as the reference, catching
#    errors that cancel one way or that only show on the way back.
# END SOLUTION
