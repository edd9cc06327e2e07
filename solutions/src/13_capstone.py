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
# # Exercise 13 · Capstone
#
# Your model, chosen under a stated budget, through every pattern of the workbook: card, publish, serve and load, fine-tune,
# quantise, audit, and publish the fine-tuned weights as a new version beside the first. Eight checked steps (0 to 7):
# step 0 is a choice by a stated rule, step 1 a diagnosis of a card the publisher refuses, step 6 a card that must pass
# the provenance audit, and the others apply one pattern each, as lesson 13 shows it once. Three review questions at
# the end are not checked.

# %%
import tempfile
from pathlib import Path

import zoo_patterns as zp
from zoo_patterns import expect_error
from zoo_patterns.audit import audit_cards  # noqa: F401 (for you to try)
from zoo_patterns.cards import Metric
from zoo_patterns.errors import InvalidCardError
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex13 import (
    BUDGET_PARAMS,
    HIDDENS,
    MIN_ACCURACY,
    WIDTHS,
    digits,
    noisy_digits,
    params_of,
    q0,
    q1,
    q2,
    q3,
    q4,
    q5,
    q6,
    q7,
    train_my_model,
)
from zoo_patterns.lineage import derived_card
from zoo_patterns.loader.serve import ZooServer
from zoo_patterns.models import torch_digits
from zoo_patterns.optimize.quantize import torch_dynamic_int8
from zoo_patterns.transfer import TransferPlan
from zoo_patterns.transfer import torch as torch_trainer
from zoo_patterns.zoo import publish
from zoo_patterns.zoo.card_fields import digits_fields
from zoo_patterns.zoo.publishing import check_card

zp.quiet()
work = Path(tempfile.mkdtemp(prefix="exercise13-"))
my_zoo, cache = work / "my-zoo", work / "cache"
noisy = noisy_digits()  # step 4's new domain
base_card = zp.ModelCard(name="CHANGE-ME", **{**digits_fields("torch", "safetensors", "NCHW"), "license": "unknown"})

# %% [markdown]
# ## Step 0: your model, chosen by a rule
#
# Your model is a small CNN for all ten digits, and you choose its size: `width` from `WIDTHS`
# (channels of the first convolution) and `hidden` from `HIDDENS` (units of the hidden layer).
# The rule: it must ship in a phone app with room for at most `BUDGET_PARAMS` parameters, and
# reach `MIN_ACCURACY` on `digits()`'s test set. `params_of(width, hidden)` counts without
# training; `train_my_model(width=..., hidden=...)` trains your choice (a few seconds).

# %%
print(f"budget {BUDGET_PARAMS:,} parameters, bar {MIN_ACCURACY}; widths {WIDTHS}, hidden sizes {HIDDENS}")

# %%
# BEGIN SOLUTION
#> width, hidden = ____, ____
#> net = ____
sizes = {(w, h): params_of(w, h) for w in WIDTHS for h in HIDDENS}
print({k: v for k, v in sizes.items() if v <= BUDGET_PARAMS})  # what fits the budget
width, hidden = 8, 32  # the largest that fits: more capacity, still under the budget
net = train_my_model(width=width, hidden=hidden)
print(f"{torch_digits.num_params(net):,} parameters, accuracy {torch_digits.accuracy(net, digits().x_test, digits().y_test):.3f}")
# END SOLUTION

# %% tags=["check"]
q0.check(width, hidden, net)

# %% [markdown]
# ## Step 1: its card, diagnosed
#
# `base_card` is the card a colleague started for you, and the publisher refuses it. The next cell
# shows the first refusal. Make `card` from `base_card` (`base_card.replace(...)`) so that the
# publisher accepts it (try `check_card(card)` until it stops refusing) and so that it is true of
# your model: the number of parameters of `net`, and the test accuracy you measure on `digits()`
# as a Metric named "accuracy".

# %%
with expect_error(InvalidCardError):
    publish(net, base_card, zoo=work / "scratch-zoo")

# %%
# BEGIN SOLUTION
#> card = ____
accuracy = torch_digits.accuracy(net, digits().x_test, digits().y_test)
card = base_card.replace(
    name="ada-digits-cnn",
    license="Apache-2.0",
    num_params=torch_digits.num_params(net),
    metrics=(Metric("accuracy", accuracy, "sklearn digits 0-9 (seed 0)", "held-out 30%"),),
)
# END SOLUTION

# %% tags=["check"]
q1.check(card, net)

# %% [markdown]
# ## Step 2: publish it into `my_zoo`

# %%
# BEGIN SOLUTION
#> entry = ____
entry = publish(net, card, zoo=my_zoo)
# END SOLUTION

# %% tags=["check"]
q2.check(entry, my_zoo)

# %% [markdown]
# ## Step 3: serve the zoo and load your model back through the loader
#
# Serve `my_zoo` over HTTP (`ZooServer`) and load the model from that URL into `cache`.

# %%
# BEGIN SOLUTION
#> loaded = ____
server = ZooServer(my_zoo)
url = server.start()
loaded = zp.load(card.name, zoo=url, cache=str(cache), progress=False)
# END SOLUTION

# %% tags=["check"]
q3.check(loaded, net, cache)

# %% [markdown]
# ## Step 4: fine-tune it to the noisy scanner
#
# Fine-tune `loaded` on `noisy` (the convolutions frozen is a good start) so that its accuracy on
# `noisy.x_test` rises by more than 3 points. Call the result `tuned`.

# %%
# BEGIN SOLUTION
#> tuned = ____
plan = TransferPlan.partial(card.name, 10, epochs=20, seed=0)
tuned, history = torch_trainer.fit(plan, noisy, start_from=loaded, progress=False)
# END SOLUTION

# %% tags=["check"]
q4.check(tuned, loaded)

# %% [markdown]
# ## Step 5: quantise it
#
# Make `small`, at least 1.5 times smaller than `tuned` and within 2 points of its noisy accuracy.

# %%
# BEGIN SOLUTION
#> small = ____
small = torch_dynamic_int8(tuned)
# END SOLUTION

# %% tags=["check"]
q5.check(small, tuned)

# %% [markdown]
# ## Step 6: a card for the fine-tuned model, as the next version of yours
#
# `tuned` is your model's next version: write `tuned_card` with `derived_card`, keeping the name,
# with a newer version and a provenance that passes the audit.

# %%
# BEGIN SOLUTION
#> tuned_card = ____
tuned_accuracy = torch_digits.accuracy(tuned, noisy.x_test, noisy.y_test)
major, minor, _ = card.version.split(".")
tuned_card = derived_card(
    card,
    "torch",
    [Metric("accuracy", tuned_accuracy, "noisy digits (sigma 0.35)")],
    "partial plan (convolutions frozen), 20 epochs on 400 noisy images",
    name=card.name,
    verb="fine-tuned",
).replace(version=f"{major}.{int(minor) + 1}.0")  # the next minor version: new weights, same interface
# END SOLUTION

# %% tags=["check"]
q6.check(tuned_card, card)

# %% [markdown]
# ## Step 7: publish it beside the first, and load both
#
# Publish `tuned` with `tuned_card` into `my_zoo`. Then set `both` to a pair: your first version,
# loaded by its exact version, and what a bare name loads now.

# %%
# BEGIN SOLUTION
#> both = ____
publish(tuned, tuned_card, zoo=my_zoo)
both = (
    zp.load(f"{card.name}@{card.version}", zoo=str(my_zoo), cache=str(cache), progress=False),
    zp.load(card.name, zoo=str(my_zoo), cache=str(cache), progress=False),
)
# END SOLUTION

# %% tags=["check"]
q7.check(both, net, tuned, my_zoo)

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Which card fields did you have to change before the publisher accepted your card, and why
#    does each matter?
# 2. What did fine-tuning on the noisy domain cost on the original digits, and how would you
#    find out?
# 3. What would you check before publishing the quantised model as version 0.3.0, so that a bare
#    name gives it to everyone?

# %%
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. The name and the licence (the base card has placeholders), num_params and a measured
#    accuracy metric: to find the model, to be allowed to use it, and to compare it honestly.
# 2. Measure the tuned model on `digits().x_test` too; a drop there is forgetting, which a
#    partial plan or mixing in original data reduces.
# 3. Its accuracy on the same test sets against the bar, its size and latency on the target
#    machine, and a card of its own whose provenance names the float model. Users who must not
#    change can pin 0.2.0 (or its content id); if 0.3.0 turns out bad, yank it and the name
#    falls back to 0.2.0.
# END SOLUTION
