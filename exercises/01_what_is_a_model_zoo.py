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
# # Exercise 01 · What a model zoo is
#
# Predict what a pretrained model does, query the zoo, and score a model. Fill each `____`, run the cell, then its check.
# `q1.hint()` helps; `q1.solution()` shows an answer.

# %%
import numpy as np

import zoo_patterns as zp
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex01 import SENTENCES, q1, q2, q3

zp.quiet()

# %% [markdown]
# ## Q1 · Predict, then measure: which sentence is closest?
# `SENTENCES` holds four sentences. **First predict**, without running anything: which of
# sentences 1, 2 and 3 will MiniLM place closest to sentence 0, `"The cat sat on the mat."`?
# Write your guess as `predicted_closest`. Then measure: embed all four with `minilm-l6` and
# compute `similarity`, the 4×4 matrix of cosine similarities. The check compares the two.

# %%
for i, sentence in enumerate(SENTENCES):
    print(i, sentence)

# %%
predicted_closest = ____
similarity = ____

# %% tags=["check"]
q1.check(predicted_closest, similarity)

# %% [markdown]
# ## Q2 · Availability per framework
# Which frameworks does the zoo publish a *voice-activity-detection* model in? Give a set.

# %%
vad_frameworks = ____

# %% tags=["check"]
q2.check(vad_frameworks)

# %% [markdown]
# ## Q3 · The metric on a card
# Cards report accuracy on held-out data. Write `top1_accuracy(logits, labels)`: the fraction
# of rows whose highest score is at the label's index.

# %%
def top1_accuracy(logits, labels):
    raise NotImplementedError("your code here")


# %% tags=["check"]
q3.check(top1_accuracy)

# %% [markdown]
# Try it on the zoo's digits CNN: does your function reproduce the accuracy on its card?

# %%
import torch

from zoo_patterns.datasets import digits_task

split = digits_task((0, 1, 2, 3, 4))
with torch.no_grad():
    logits = zp.load("digits-cnn-torch")(torch.from_numpy(split.x_test)).numpy()
try:
    print(f"yours: {top1_accuracy(logits, split.y_test):.4f}, card: {zp.card('digits-cnn-torch').metric('accuracy'):.4f}")
except NotImplementedError:
    print("Fill in top1_accuracy above first.")

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Name three things a model card tells you that the weights file cannot.
# 2. In Q1 MiniLM put 'The mat sat on the cat.' nearer to 'The cat sat on the mat.' than a
#    paraphrase. Why, and what does it mean for using it?
# 3. When does a pretrained start not help?

# %%
# Your answers, as comments (or add a markdown cell).
