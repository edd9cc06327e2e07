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
# # Exercise 11 · Ethics and limits
#
# Four checked questions: write the association score of one word (Q1), write the rule that
# decides which audits in a card support a claim, and read the sign of one (Q2), diagnose and fix
# a card that the provenance audit rejects (Q3), and work out how coarse a small test's p-value
# is, for any number of words (Q4). Three review questions at the end are not checked.

# %%
import math

import zoo_patterns as zp
from zoo_patterns.audit import audit_cards
from zoo_patterns.data.words import WORDS
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex11 import broken_card, q1, q2, q3, q4

zp.quiet()
encode = zp.load("minilm-l6", adapt=True, progress=False).predict  # list of strings -> unit vectors

# %% [markdown]
# ## Question 1: one association by hand
#
# Write `association(word, A, B)`: the mean cosine similarity of `word` to the words in `A`, minus
# its mean cosine similarity to the words in `B` (bare words, no templates), with `encode`. The
# check tries s("Emma", science, arts) and word pairs you have not tried.

# %%
print("science:", WORDS["science"], "\narts:", WORDS["arts"])
# BEGIN SOLUTION
#> def association(word, A, B):
#>     raise NotImplementedError("mean cosine to A minus mean cosine to B")
def association(word, A, B):
    w, a, b = encode([word]), encode(list(A)), encode(list(B))
    return float((w @ a.T).mean() - (w @ b.T).mean())
# END SOLUTION


# %% tags=["check"]
q1.check(association)

# %% [markdown]
# ## Question 2: read the card
#
# MiniLM's card records five association tests (`zp.card("minilm-l6").audits`, a tuple of
# records with `test`, `effect_size` and `p_value`). Write `supported(audits)`: the names of the
# tests whose p-value is below 0.01 **and** whose effect size is at least 0.8 in size (the check
# also tries records you have not seen). Then, for "male-female names/career-family", which target
# set sits closer to the career words? Set `closer_to_career` to `"male_names"` or
# `"female_names"`.

# %%
print(zp.card("minilm-l6").audit_section())
# BEGIN SOLUTION
#> def supported(audits):
#>     raise NotImplementedError("the names of the tests that support a claim")
#> closer_to_career = ____
def supported(audits):
    return [a.test for a in audits if a.p_value is not None and a.p_value < 0.01 and abs(a.effect_size) >= 0.8]


names = next(a for a in zp.card("minilm-l6").audits if a.test == "male-female names/career-family")
closer_to_career = "male_names" if names.effect_size > 0 else "female_names"
# END SOLUTION

# %% tags=["check"]
q2.check(supported, closer_to_career)

# %% [markdown]
# ## Question 3: a card the audit rejects
#
# `broken` is the card of a model converted from `digits-cnn-torch`. The provenance audit finds two
# problems. Make `fixed`, a corrected copy (`broken.replace(...)`), that passes
# `audit_cards([parent, fixed])` and is true: the check also asks whether the card still says
# everything known about the converted model.

# %%
parent, broken = broken_card()
for finding in audit_cards([parent, broken]):
    print(finding)
# BEGIN SOLUTION
#> fixed = ____
fixed = broken.replace(license=parent.license, biases=parent.biases)
# END SOLUTION

# %% tags=["check"]
q3.check(fixed)

# %% [markdown]
# ## Question 4: how fine can a small test's p-value be?
#
# A test with `n` target words per set enumerates every equal-size split of the `2n` target
# words. Write `resolution(n)`, which returns how many splits there are (`partitions`) and the
# smallest change in the p-value one split makes (`step`). The check compares it with the splits
# the workbook's exact test really enumerates, for four words per set and for sizes you have not
# tried.

# %%
# BEGIN SOLUTION
#> def resolution(n):
#>     raise NotImplementedError("return (partitions, step)")
def resolution(n):
    partitions = math.comb(2 * n, n)
    return partitions, 1 / partitions
# END SOLUTION


# %% tags=["check"]
q4.check(resolution)

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Why does a claim need both a small p-value and a large effect size?
# 2. What does a derived model's card owe its parent?
# 3. What does the number of partitions of a small test limit, and what would you do about it?

# %%
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. A small p-value alone can come from a tiny effect on many samples; a large effect on few
#    words may be chance. Both together make a claim worth reporting.
# 2. Its provenance (which parent, which version, how it was made), a licence compatible with
#    the parent's, and the parent's known biases unless they were measured again.
# 3. The smallest p-value is one over the number of partitions (1/70 with four words per set), so
#    no test that small can be more significant than that; conclusions need more words or another
#    test.
# END SOLUTION
