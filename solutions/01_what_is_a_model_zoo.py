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
# BEGIN SOLUTION
#> predicted_closest = ____
#> similarity = ____
predicted_closest = 1  # the same words in another order: a mean of word vectors barely sees the order
embeddings = zp.load("minilm-l6", adapt=True).predict(list(SENTENCES))
similarity = embeddings @ embeddings.T
print(np.round(similarity, 3))
# END SOLUTION

# %% tags=["check"]
q1.check(predicted_closest, similarity)

# %% [markdown]
# ## Q2 · Availability per framework
# Which frameworks does the zoo publish a *voice-activity-detection* model in? Give a set.

# %%
# BEGIN SOLUTION
#> vad_frameworks = ____
vad_frameworks = {zp.card(n).framework for n in zp.list_models(task="voice-activity-detection")}
# END SOLUTION

# %% tags=["check"]
q2.check(vad_frameworks)

# %% [markdown]
# ## Q3 · The metric on a card
# Cards report accuracy on held-out data. Write `top1_accuracy(logits, labels)`: the fraction
# of rows whose highest score is at the label's index.

# %%
def top1_accuracy(logits, labels):
    # BEGIN SOLUTION
    #> raise NotImplementedError("your code here")
    return float((np.argmax(logits, axis=1) == labels).mean())
    # END SOLUTION


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
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. The task and domain it was trained for; the input spec (shape, dtype, value range,
#    preprocessing); its measured metrics, licence, provenance and known limitations or biases.
# 2. A mean of contextual word vectors is dominated by which words occur, and barely by their
#    order. Use it for topical similarity, not for who-did-what-to-whom; check a pretrained
#    model on the distinctions your task needs.
# 3. When the new domain is far from the pretraining domain (different inputs or labels), when
#    there is plenty of labelled data and compute, or when the pretrained model's input spec or
#    licence does not fit.
# END SOLUTION
