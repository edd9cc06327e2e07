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
# # Exercise 06 · Choosing a pretrained model
#
# Four checked questions: query the zoo (Q1, a look-up), write the accuracy/latency frontier (Q2)
# and a selection rule (Q3) as code, and predict how the rule's window moves its pick before you
# see it (Q4, committed first). The checks of Q2 and Q3 also try your code on tables of their own.

# %%
import zoo_patterns as zp
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex06 import ROWS, q1, q2, q3, q4

zp.quiet()
zp.registry()  # builds the workbook zoo on first use

# %% [markdown]
# ## Q1 · Query by task, domain and framework
# Your server runs ONNX Runtime only. List the zoo's image classifiers for handwritten digits
# that ship as ONNX.

# %%
# BEGIN SOLUTION
#> onnx_digits = ____
onnx_digits = zp.list_models(task="image-classification", domain="handwritten-digits", framework="onnx")
# END SOLUTION

# %% tags=["check"]
q1.check(onnx_digits)

# %% [markdown]
# ## Q2 · The frontier
# Write `frontier(rows)`: each row is a dict with `"accuracy"` and `"latency ms"`. Return the
# rows that no other row beats, i.e. no other row is at least as accurate *and* at least as fast
# while strictly better at one of the two.

# %%
# BEGIN SOLUTION
#> def frontier(rows):
#>     raise NotImplementedError("keep the rows no other row dominates")
def frontier(rows):
    return [r for r in rows if not any(
        o["accuracy"] >= r["accuracy"] and o["latency ms"] <= r["latency ms"]
        and (o["accuracy"] > r["accuracy"] or o["latency ms"] < r["latency ms"]) for o in rows)]
# END SOLUTION


# %% tags=["check"]
q2.check(frontier)

# %% [markdown]
# ## Q3 · A rule, as code
# Write `choose(rows)`: among the rows within **3 points** (0.03) of the best accuracy, return
# the fastest row.

# %%
# BEGIN SOLUTION
#> def choose(rows):
#>     raise NotImplementedError("best accuracy, the 3-point window, then the fastest")
def choose(rows):
    best = max(r["accuracy"] for r in rows)
    return min((r for r in rows if r["accuracy"] >= best - 0.03), key=lambda r: r["latency ms"])
# END SOLUTION


# %% tags=["check"]
q3.check(choose)

# %% [markdown]
# ## Q4 · Predict, then run: the rule's window
# The rule in Q3 keeps the models within 3 points of the best and takes the fastest. **Predict**,
# from the table below, which model it picks with a 1-point window and with a 10-point window:
# `predicted = {"1-point window": name, "10-point window": name}`. Then run `q4.predict(predicted)`:
# it records your first prediction, then shows the rule's picks beside it.

# %%
for row in ROWS:
    print(row)

# %%
# BEGIN SOLUTION
#> predicted = ____
predicted = {
    "1-point window": "d",  # only d (0.97) is within 0.01 of the best
    "10-point window": "a",  # a, b, d and e are within 0.10, and a is the fastest of them
}
# END SOLUTION

# %% tags=["check"]
q4.predict(predicted)

# %% tags=["check"]
q4.check()

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Why benchmark candidates on your own data rather than trust the card's accuracy?
# 2. The rule has one knob, its window. How would you choose it for an application?
# 3. When is a more complex model not worth it even if it is more accurate?

# %%
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. The card's number is on its own test set; your domain, classes and preprocessing differ,
#    and the ranking can change.
# 2. From what an error costs against what latency costs in the application, stated before
#    looking at the results, so the rule is not tuned to pick a favourite.
# 3. When the gain is within the noise of the benchmark, when it breaks a latency or size
#    budget, or when it adds a runtime or licence you must maintain.
# END SOLUTION
