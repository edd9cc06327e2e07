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
# # Exercise 01 · What a model zoo is
#
# Four checked questions: predict what a pretrained model does before you see it (Q1, committed
# first), write the similarity it is measured with (Q2), query the zoo (Q3, a look-up), and write
# the metric a card reports (Q4). Fill each `____`, run the cell, then its check.
# `q1.hint()` helps; `q1.solution()` shows an answer.

# %%
import numpy as np

import zoo_patterns as zp
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex01 import SENTENCES, q1, q2, q3, q4

zp.quiet()

# %% [markdown]
# ## Q1 · Predict, then run: which sentence is closest?
# `SENTENCES` holds four sentences. **Predict**, without running anything: which of sentences
# 1, 2 and 3 will MiniLM place closest to sentence 0, `"The cat sat on the mat."`, and which
# farthest? Write `predicted = {"closest to sentence 0": n, "farthest from sentence 0": n}`,
# then run `q1.predict(predicted)`: it records your first prediction, then shows MiniLM's answer.

# %%
for i, sentence in enumerate(SENTENCES):
    print(i, sentence)

# %%
# BEGIN SOLUTION
#> predicted = ____
predicted = {
    "closest to sentence 0": 1,  # the same words in another order: a mean of word vectors barely sees the order
    "farthest from sentence 0": 3,  # another topic
}
# END SOLUTION

# %% tags=["check"]
q1.predict(predicted)

# %% tags=["check"]
q1.check()

# %% [markdown]
# ## Q2 · The similarity behind Q1
# Write `cosine_similarity(vectors)`: for an `(n, d)` array of `n` vectors, the `(n, n)` matrix of
# the cosines of the angles between them. Do not assume the vectors have length 1 (the check
# gives yours vectors of any length). Then the next cell measures Q1 with it.

# %%
# BEGIN SOLUTION
#> def cosine_similarity(vectors):
#>     raise NotImplementedError("your code here")
def cosine_similarity(vectors):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit @ unit.T
# END SOLUTION


# %% tags=["check"]
q2.check(cosine_similarity)

# %%
embeddings = zp.load("minilm-l6", adapt=True).predict(list(SENTENCES))
try:
    print(np.round(cosine_similarity(embeddings), 3))
except NotImplementedError:
    print("Write cosine_similarity above first.")

# %% [markdown]
# ## Q3 · One framework only
# Not every task can be had in every framework. Write `single_framework`, a dict from each task
# that the zoo publishes in **one** framework only to that framework.

# %%
# BEGIN SOLUTION
#> single_framework = ____
by_task = {}
for name in zp.list_models():
    by_task.setdefault(zp.card(name).task, set()).add(zp.card(name).framework)
single_framework = {task: next(iter(fws)) for task, fws in by_task.items() if len(fws) == 1}
print(single_framework)
# END SOLUTION

# %% tags=["check"]
q3.check(single_framework)

# %% [markdown]
# ## Q4 · The metric on a card
# Cards report accuracy on held-out data. Write `top1_accuracy(logits, labels)`: the fraction
# of rows whose highest score is at the label's index. The check tries it on a table it draws.

# %%
def top1_accuracy(logits, labels):
    # BEGIN SOLUTION
    #> raise NotImplementedError("your code here")
    return float((np.argmax(logits, axis=1) == labels).mean())
    # END SOLUTION


# %% tags=["check"]
q4.check(top1_accuracy)

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
# 2. Look back at the runs Q1 showed you. Explain them from how MiniLM builds a sentence vector,
#    and say what it means for using it.
# 3. When does a pretrained start not help?

# %%
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. The task and domain it was trained for; the input spec (shape, dtype, value range,
#    preprocessing); its measured metrics, licence, provenance and known limitations or biases.
# 2. A mean of contextual word vectors is dominated by which words occur, and barely by their
#    order, so the same words in another order land closest. Use it for topical similarity, not
#    for who-did-what-to-whom; check a pretrained model on the distinctions your task needs.
# 3. When the new domain is far from the pretraining domain (different inputs or labels), when
#    there is plenty of labelled data and compute, or when the pretrained model's input spec or
#    licence does not fit.
# END SOLUTION
