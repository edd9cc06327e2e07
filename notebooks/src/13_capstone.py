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
# # 13 · Capstone: your model, in a zoo, end to end
#
# **Time:** about 30 minutes; the cells run in about 15 s on a 2-core CPU.
#
# **Prerequisites:** lessons 01–12 (this lesson uses each one's pattern once); lesson 04's versions and pins.
#
# **You will learn to:**
#
# - write a [model card](../docs/glossary.md#model-card) with measured numbers, and publish a model into a zoo;
# - serve the zoo and load your model back through the loader, as a student would;
# - fine-tune it and publish the result as a new [version](../docs/glossary.md#semantic-version) beside the first, then load both;
# - quantise, convert and audit it, and find it in the zoo browser.
#
# Until now you used the zoo; here you add to it. You train a small model of your own, then take it
# through every pattern of the workbook, in the order a real model goes:
#
# | step | pattern | lesson |
# |---|---|---|
# | write its card | model cards | 01 |
# | publish it into a zoo, with checksums | registry, publishing | 02, 04, this one |
# | serve the zoo, fetch through the loader, adapt | layered loader, adapters | 03–05 |
# | fine-tune it to a new domain | transfer learning | 07 |
# | publish the fine-tuned weights as version 0.2.0, load both | versions and pins | 04 |
# | quantise and convert it | optimisation, conversion | 09–10 |
# | audit its card | ethics and limits | 11 |
# | find it in the zoo browser | MVVM | 12 |
#
# Every step is checked by an `assert`, as the exercise checks yours.

# %%
import tempfile
from pathlib import Path

import numpy as np
import torch

import zoo_patterns as zp
from zoo_patterns.datasets import ALL_CLASSES, digits_task
from zoo_patterns.models import torch_digits

zp.quiet()
work = Path(tempfile.mkdtemp(prefix="lesson13-"))
my_zoo, cache = work / "my-zoo", work / "cache"  # a zoo of your own, and a student's cache

# %% [markdown]
# ## 1. Your model
#
# A smaller version of the zoo's digits CNN (8 filters instead of 16), trained from scratch on all ten
# digits. Any model in a framework the adapters know would do; this one trains in seconds.

# %%
split = digits_task(ALL_CLASSES, seed=0)
torch_digits.seed_everything(0)
net = torch_digits.DigitsCNN(num_classes=10, width=8, hidden=32)
torch_digits.train(net, split, epochs=15, seed=0)
accuracy = torch_digits.accuracy(net, split.x_test, split.y_test)
print(f"my model: {torch_digits.num_params(net):,} parameters, test accuracy {accuracy:.3f}")
assert accuracy > 0.9

# %% [markdown]
# ## 2. Its card
#
# Start from the fields every zoo card has; measure what can be measured (accuracy, parameters).

# %%
from zoo_patterns.cards import Metric, ModelCard, Provenance
from zoo_patterns.zoo.card_fields import digits_fields

fields = digits_fields("torch", "safetensors", "NCHW")
card = ModelCard(
    name="my-digits-cnn",
    **{
        **fields,
        "version": "0.1.0",
        "labels": tuple(str(c) for c in ALL_CLASSES),
        "outputs": (fields["outputs"][0].__class__("logits", ("batch", "class"), (None, 10), "float32"),),
        "provenance": Provenance(
            "lesson 13 of the zoo-patterns workbook (scikit-learn digits, UCI optdigits, CC BY 4.0)",
            "DigitsCNN(width=8, hidden=32) trained from scratch: Adam, lr 3e-3, batch 64, 15 epochs, seed 0, all ten digits.",
        ),
        "intended_use": "Learning: the capstone model of lesson 13.",
        "tags": ("vision", "digits", "cnn", "capstone"),
    },
    metrics=(Metric("accuracy", round(accuracy, 6), "sklearn digits 0-9 (seed 0)", "held-out 30%"),),
    num_params=torch_digits.num_params(net),
)
print(card.summary())

# %% [markdown]
# ## 3. Publish it
#
# `zoo_patterns.zoo.publish` writes the weights as safetensors into `my-digits-cnn/0.1.0/`, fills sizes
# and sha256 into the card, and replaces `index.json` atomically under the zoo's lock. It refuses
# pickles and a card without a real licence. A published version never changes: publishing the same
# `name@version` again is a no-op when the bytes are identical, and refused when they differ.
# (From a shell: `python -m zoo_patterns publish DIR --zoo ZOO`.)
#
# **Predict, then run:** the cell publishes `net` twice under 0.1.0, then a copy with one weight
# changed. Which of the three calls changes the zoo, which does nothing, and which is refused?

# %%
from zoo_patterns.errors import InvalidCardError
from zoo_patterns.zoo import PublishError, publish, read_index

entry = publish(net, card, zoo=my_zoo)
for f in entry["files"]:
    print(f"{f['sha256'][:16]}…  {f['size']:>8,} B  {f['path']}")
print("content id:", entry["content_id"])
assert [(m["name"], m["version"]) for m in read_index(my_zoo)["models"]] == [("my-digits-cnn", "0.1.0")]

again = publish(net, card, zoo=my_zoo)  # the same bytes: nothing to do
print("the same bytes again:", "unchanged" if again.get("unchanged") else "published")
assert again["unchanged"] and again["content_id"] == entry["content_id"]

import copy

changed = copy.deepcopy(net)
with torch.no_grad():
    changed.head.bias[0] += 0.01  # one number of ~12,000
for model, bad, why in ((changed, card, "other bytes under 0.1.0"), (net, card.replace(name="other", license="unknown"), "no licence")):
    with zp.expect_error(PublishError, InvalidCardError, quiet=True) as refusal:  # fails the cell if publish accepts it
        publish(model, bad, zoo=my_zoo)
    print(f"refused ({why}): {str(refusal.error)[:110]}…")

# %% [markdown]
# ## 4. Serve, fetch, adapt
#
# The zoo is a folder of files plus an index, so any static web server can serve it. A student's
# loader fetches it over HTTP into their own cache, verifies every sha256, and the adapter gives it
# the common `predict` interface.

# %%
from zoo_patterns.loader import Loader
from zoo_patterns.loader.serve import ZooServer

server = ZooServer(my_zoo)
url = server.start()
loader = Loader(zoo=url, cache=cache, progress=False)
snapshot = loader.fetch("my-digits-cnn")
print("fetched:", [p.name for _, p in snapshot.files()])
model = zp.load("my-digits-cnn", zoo=url, cache=str(cache), adapt=True, progress=False)
probabilities = model.predict(split.x_test[:5])
print(model)
print("predicted:", probabilities.argmax(1), "true:", split.y_test[:5])
with torch.inference_mode():
    logits = net.eval()(torch.from_numpy(split.x_test[:5])).numpy()
assert np.abs(probabilities - logits).max() < 1e-6, "the fetched copy computes what the trained model computes"

# %% [markdown]
# ## 5. Fine-tune it to a new domain
#
# New scanner, noisier images: the same digits with Gaussian noise. The lesson-07 trainer fine-tunes
# the published weights (`start_from=`), with the convolutions frozen.

# %%
from zoo_patterns.datasets import Split
from zoo_patterns.transfer import TransferPlan
from zoo_patterns.transfer import torch as torch_trainer

rng = np.random.default_rng(0)
noisy = Split(
    np.clip(split.x_train + rng.normal(0, 0.35, split.x_train.shape), 0, 1).astype(np.float32)[:400],
    split.y_train[:400],
    np.clip(split.x_test + rng.normal(0, 0.35, split.x_test.shape), 0, 1).astype(np.float32),
    split.y_test,
    split.classes,
)
published = zp.load("my-digits-cnn", zoo=url, cache=str(cache), progress=False)
before = torch_digits.accuracy(published, noisy.x_test, noisy.y_test)
plan = TransferPlan.partial("my-digits-cnn", 10, epochs=20, seed=0)
tuned, history = torch_trainer.fit(plan, noisy, start_from=published, progress=False)
after = torch_digits.accuracy(tuned, noisy.x_test, noisy.y_test)
print(f"noisy test accuracy: published {before:.3f} -> fine-tuned on 400 noisy images {after:.3f}")
assert after > before + 0.05

# %% [markdown]
# ## 6. Quantise and convert it
#
# Dynamic int8 quantisation stores the Linear layers (most of this model's weights) in 8 bits. The
# converter rebuilds the model in Keras and checks parity before it returns.

# %%
from zoo_patterns.convert import convert
from zoo_patterns.optimize.bench import torch_size_mb
from zoo_patterns.optimize.quantize import torch_dynamic_int8

small = torch_dynamic_int8(tuned)
q_acc = torch_digits.accuracy(small, noisy.x_test, noisy.y_test)
ratio = torch_size_mb(tuned) / torch_size_mb(small)
print(f"int8: {ratio:.2f}x smaller, noisy accuracy {q_acc:.3f} (fp32 {after:.3f})")
assert ratio > 1.5 and q_acc > after - 0.02

keras_model = convert(tuned, "keras", input_spec=card.inputs[0])  # raises ParityError above 1e-5
x = noisy.x_test[:8]
keras_out = np.asarray(keras_model(x.transpose(0, 2, 3, 1)))
torch_out = tuned.eval()(torch.from_numpy(x)).detach().numpy()
print(f"Keras copy: max |difference| {np.abs(keras_out - torch_out).max():.1e}")
assert np.abs(keras_out - torch_out).max() < 1e-5

# %% [markdown]
# **A deprecation, said aloud.** `torch_dynamic_int8` calls `torch.ao.quantization.quantize_dynamic`,
# which the installed torch deprecates. The package silences that warning (like `zp.quiet()`), so
# here is the same call once with warnings on. The warning names the replacement, torchao's
# `quantize_` API; torchao is not installed in this workbook, so it is not shown here. Lesson 10's
# ONNX Runtime dynamic int8 is the installed alternative.

# %%
import warnings  # noqa: E402

with warnings.catch_warnings(record=True) as caught_warnings:
    warnings.simplefilter("always")
    torch.ao.quantization.quantize_dynamic(copy.deepcopy(tuned).eval(), {torch.nn.Linear}, dtype=torch.qint8)
deprecation = next(str(w.message) for w in caught_warnings if issubclass(w.category, DeprecationWarning))
print("torch says:", deprecation.splitlines()[0])
assert "torch.ao.quantization is deprecated" in deprecation and "torchao" in deprecation

# %% [markdown]
# ## 7. A new version beside the first
#
# The fine-tuned weights are the next version of your model, not a new model: same name, version
# 0.2.0, and a card whose provenance names its parent (`my-digits-cnn 0.1.0`) and keeps the licence.
# The provenance audit checks the pair. Publishing adds `my-digits-cnn/0.2.0/` beside `0.1.0/`;
# from now on a bare `my-digits-cnn` means 0.2.0, and anyone who pinned `my-digits-cnn@0.1.0` (or its
# content id) still gets exactly the first weights.

# %%
from zoo_patterns.audit import audit_cards
from zoo_patterns.lineage import derived_card

published_card = zp.read_card(snapshot.folder)  # the card as the zoo serves it: 0.1.0, its files and hashes
tuned_card = derived_card(
    published_card,
    "torch",
    [Metric("accuracy", round(after, 6), "noisy digits (sigma 0.35)", "held-out 30%")],
    "partial plan (convs frozen), 20 epochs on 400 noisy images",
    name="my-digits-cnn",
    verb="fine-tuned",
).replace(version="0.2.0")
findings = audit_cards([published_card, tuned_card])
print(f"{len(findings)} findings; provenance: {tuned_card.provenance.origin[:60]}…")
assert findings == []
second = publish(tuned, tuned_card, zoo=my_zoo)
print([(m["name"], m["version"], m["content_id"][:12]) for m in read_index(my_zoo)["models"]])

first_again = zp.load("my-digits-cnn@0.1.0", zoo=url, cache=str(cache), progress=False)  # pinned
newest = zp.load("my-digits-cnn", zoo=url, cache=str(cache), progress=False)  # a bare name: the newest
by_content = zp.load(f"my-digits-cnn@{entry['content_id'][:10]}", zoo=url, cache=str(cache), progress=False)
accuracies = {
    label: torch_digits.accuracy(m, noisy.x_test, noisy.y_test)
    for label, m in (("@0.1.0", first_again), ("newest", newest), ("@content id of 0.1.0", by_content))
}
print({k: round(v, 3) for k, v in accuracies.items()})
assert accuracies["@0.1.0"] == accuracies["@content id of 0.1.0"] == before and accuracies["newest"] == after

# %% [markdown]
# ## 8. Find it in the zoo browser
#
# The view model of lesson 12 works on any zoo: search, select, pick a version, load and predict,
# with no browser. (`python -m zoo_patterns browse --zoo DIR` serves the same app.)
#
# **Try changing this:** set `vm.version = "0.1.0"` before `vm.load()` and compare the top-3 scores
# with the newest version's.

# %%
from zoo_patterns.ui.model import ZooBrowserModel
from zoo_patterns.ui.viewmodel import ZooBrowserViewModel
from zoo_patterns.zoo import registry_from_zoo

vm = ZooBrowserViewModel(ZooBrowserModel(registry_from_zoo(my_zoo), loader=Loader(zoo=url, cache=cache, progress=False)))
vm.query = "my-digits*"
print("results:", vm.results)
vm.selected = "my-digits-cnn"
print("versions:", vm.versions, "card:", vm.card_markdown.splitlines()[0])
assert vm.versions == ["0.1.0", "0.2.0"] and vm.card_markdown.startswith("# my-digits-cnn 0.2.0")
vm.load()
vm.predict("digit #3")
print(vm.status)
print("top 3:", vm.prediction.get("rows", [])[:3], vm.error)
server.stop()
assert vm.results == ["my-digits-cnn"] and not vm.error and vm.prediction

# %% [markdown]
# ## Summary
#
# - Your model went through every pattern once: card, publish, serve, load, fine-tune, quantise,
#   convert, audit, browse; each step asserted.
# - A published version never changes: the same bytes again are a no-op, other bytes are refused.
# - The fine-tuned model is version 0.2.0 beside 0.1.0: a bare name loads the newest, a pin (version
#   or content id) loads exactly the first; both were measured on the noisy digits (see the
#   printed accuracies).
# - A zoo entry is more than weights: a card that says what it is for and what it is not,
#   checksums that make every copy verifiable, a licence and a parent that travel with every derived
#   version, and an index that is never half written. Everything else is built on those four.
#
# **Exercise:** [exercises/13_capstone.ipynb](../exercises/13_capstone.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [14 · Past one machine](14_past_one_machine.ipynb).
