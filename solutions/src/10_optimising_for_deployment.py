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
# # Exercise 10 · Optimising for deployment
#
# Four checked questions: predict what unstructured pruning changes (Q1, "predict, then run":
# `q1.predict(...)` records your first prediction before it shows the measurement, and
# `q1.check()` scores that first prediction), write what structured pruning leaves, for any amount (Q2), write
# lesson 10's choosing rule as a function that works on any results table (Q3), and compute an
# int8 scale and zero point from an observed range, checked against the graph ONNX Runtime
# calibrated (Q4). Three review questions at the end are not checked.

# %%
import zoo_patterns as zp
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex10 import TABLE, observed_ranges, q1, q2, q3, q4
from zoo_patterns.optimize.prune import prune_digits_cnn

zp.quiet()
net = zp.load("digits-cnn-torch", progress=False)

# %% [markdown]
# ## Question 1: predict, then run: what do zeros save?
#
# `prune_unstructured(net, 0.6)` sets the 60% smallest weights of each convolution and Linear
# layer of `net` to zero. **Predict** three outcomes, as a dict: the fraction of the weights that
# are then zero (to 1 decimal), whether the saved file is smaller than the original's (`True` or
# `False`), and whether one call does fewer multiplications (`True` or `False`).
# `q1.predict(predicted)` records your first prediction, then prunes and measures.

# %%
# BEGIN SOLUTION
#> predicted = ____  # {"fraction of zero weights": ..., "saved file is smaller": ..., "fewer multiplications per call": ...}
predicted = {"fraction of zero weights": 0.6, "saved file is smaller": False, "fewer multiplications per call": False}
# END SOLUTION

# %% tags=["check"]
q1.predict(predicted)

# %% tags=["check"]
q1.check()

# %% [markdown]
# ## Question 2: channels that really go
#
# Write `pruned_size(net, amount)`: after `prune_digits_cnn(net, amount)` removes that fraction of
# the convolution channels, how many channels does the first convolution keep (`kept`), and how
# many parameters does the whole network have (`params`)? The check tries 75% and amounts you
# have not tried.

# %%
# BEGIN SOLUTION
#> def pruned_size(net, amount):
#>     raise NotImplementedError("return (kept, params)")
def pruned_size(net, amount):
    small = prune_digits_cnn(net, amount)
    return small.backbone[0].out_channels, sum(p.numel() for p in small.parameters())
# END SOLUTION


# %% tags=["check"]
q2.check(pruned_size)

# %% [markdown]
# ## Question 3: the rule, for any table
#
# `TABLE` is a results table for MiniLM (latency at batch 1 in ms, size in MB, help-desk accuracy).
# Lesson 10's rule: keep the rows within 1 point of the fp32 row's quality, then take the fastest.
# Write `choose(table)`, which returns the name of the row the rule picks from any table shaped
# like `TABLE` (one row's name starts with "fp32"). The check runs it on `TABLE` and on a table
# you have not seen.

# %%
for row in TABLE:
    print(row)
# BEGIN SOLUTION
#> def choose(table):
#>     raise NotImplementedError("the name of the row the rule picks")
def choose(table):
    fp32 = next(r["quality"] for r in table if r["name"].startswith("fp32"))
    keep = [r for r in table if r["quality"] >= fp32 - 0.01]
    return min(keep, key=lambda r: r["ms"])["name"]
# END SOLUTION


# %% tags=["check"]
q3.check(choose)

# %% [markdown]
# ## Question 4: an int8 scale and zero point
#
# Static int8 stores each activation as `q = round(x / scale) + zero_point`, clipped to
# -128..127. `observed_ranges()` gives the smallest and largest value each activation of the
# fp32 `digits-cnn-onnx` took on the calibration images. Write `int8_scale_zero_point(low, high)`:
# the scale and the zero point ONNX Runtime's static quantisation stores for a tensor observed in
# that range. The check compares your function with the scale and zero-point initialisers of the
# graph ONNX Runtime calibrated on the same images, and with its own rule on ranges it never saw.

# %%
for name, (low, high) in observed_ranges().items():
    print(f"{name:32} observed [{low:8.4f}, {high:8.4f}]")
# BEGIN SOLUTION
#> def int8_scale_zero_point(low, high):
#>     raise NotImplementedError("return (scale, zero_point)")
def int8_scale_zero_point(low, high):
    low, high = min(low, 0.0), max(high, 0.0)  # 0.0 must be stored exactly
    scale = (high - low) / 255  # 256 int8 values, 255 steps
    return scale, int(round(-128 - low / scale))  # low maps to -128
# END SOLUTION


# %% tags=["check"]
q4.check(int8_scale_zero_point)

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. What would make an unstructured-pruned model's file smaller, or its calls faster?
# 2. Why choose by a rule with a quality bar first, then speed?
# 3. Why can a timing from one run mislead, and how did lesson 10 guard against it?
# 4. Q4: why must the range always contain 0.0, and what happens to values outside the
#    calibrated range at inference time?

# %%
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. A sparse storage format or compression, and a runtime with sparse kernels; or structured
#    pruning, which removes whole channels.
# 2. A fast model below the bar is not a candidate at all; ranking by speed alone rewards the
#    model that gave up the most accuracy.
# 3. Other processes, warm-up and frequency scaling move timings; the lesson interleaves
#    variants in rounds and keeps claims only where the effect is several times its spread.
# 4. Zero padding and ReLU outputs must come back as exactly 0.0, so 0.0 needs an int8 value of its
#    own (the zero point). A value outside the calibrated range is clipped to -128 or 127, which is
#    why calibration data must look like the real inputs.
# END SOLUTION
