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
# # 07 · Fine-tuning in PyTorch
#
# **Time:** about 30 minutes; the cells run in about 45 s on a 2-core CPU.
#
# **Prerequisites:** lessons 03 and 06; a PyTorch training loop (`loss.backward()`,
# `optimizer.step()`) seen once before.
#
# **You will learn to:**
#
# - write a fine-tuning loop by hand: freeze layers with `requires_grad=False`, give each layer
#   group its own learning rate, and keep frozen BatchNorm in `eval()`;
# - check that the package's `TransferPlan` and `fit` run exactly that loop, number for number;
# - measure fine-tuning against training from scratch on the same data with the same budget;
# - compare freezing, partial and gradual unfreezing and regularisation, and read a confusion
#   matrix to see where the gain comes from;
# - put a new head on a frozen text encoder and compare it with a bag-of-words baseline.
#
# The article (*Inside Model Zoo – Understanding Framework Architecture Patterns*) makes four
# claims for pretrained models: they **save time**, **transfer knowledge**, **improve accuracy**
# and **converge faster**. Its practices: start from domain data, **reconfigure the output
# layer** (the [head](../docs/glossary.md#head)), **freeze and unfreeze** layers, **regularise**.
# Here each one is measured, against a model trained from scratch on *the same data with the
# same budget*. [Fine-tuning](../docs/glossary.md#fine-tuning) means training a pretrained
# model a little more on the new task.
#
# - **Vision.** The zoo's digits CNN was pretrained on digits 0-4. The new task has all ten
#   digits and **one labelled image per class**. Sections 3 and 4 average every result over
#   5 draws of those ten images.
# - **Text.** MiniLM, a sentence encoder pretrained on a billion sentence pairs, gets a new head
#   for the workbook's help-desk messages, against a bag-of-words model trained from scratch.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

import zoo_patterns as zp
from zoo_patterns.datasets import digits_transfer_task, helpdesk_task
from zoo_patterns.models.torch_digits import DigitsCNN
from zoo_patterns.transfer import Regularisation, TransferPlan, evaluate, fit, mean_history, plot_confusion, plot_curves
from zoo_patterns.transfer.text import bag_of_words_baseline, text_plan

zp.quiet()
torch.set_num_threads(min(2, torch.get_num_threads()))
DRAWS, EPOCHS, BASE = 5, 30, "digits-cnn-torch"
task = digits_transfer_task(labels_per_class=1, draw=0)
print(f"training images: {len(task.y_train)} (one per digit), test images: {len(task.y_test)}, classes: {task.classes}")
print("the pretrained model:", zp.card(BASE).labels, "->", zp.card(BASE).intended_use)

# %% [markdown]
# ## 1. Fine-tuning by hand
#
# First the whole mechanism in plain PyTorch, on one draw of the ten images. The digits CNN
# has three layer groups: `convs` (two convolution + [BatchNorm](../docs/glossary.md#batchnorm)
# blocks), `fc` (the 64-unit layer) and `head` (the output layer). We keep the convolutions as
# pretrained and train `fc` and `head`, each with its own learning rate.
#
# Step one, the network: the pretrained 5-class model's weights in a 10-class network. The new
# head keeps the old rows for digits 0-4 and starts rows 5-9 at random.

# %%
SEED, HAND_EPOCHS, BATCH = 0, 30, 64
LR = {"fc": 1e-3, "head": 3e-3}  # the new head learns faster than the pretrained layer below it
device = zp.device()  # "cpu" here; "cuda" where torch sees a GPU

torch.manual_seed(SEED)  # seeds the new head rows and dropout
pretrained = zp.load(BASE, progress=False)  # 5 classes: digits 0-4
net = DigitsCNN(**{**pretrained.config, "num_classes": 10})
state = pretrained.state_dict()
net.load_state_dict({k: v for k, v in state.items() if not k.startswith("head.")}, strict=False)
with torch.no_grad():
    net.head.weight[:5] = state["head.weight"]
    net.head.bias[:5] = state["head.bias"]
net = net.to(device)
convs, fc, head = net.backbone[:6], net.backbone[8], net.head
print("convs:", [type(m).__name__ for m in convs], "| fc:", fc, "| head:", head)

# %% [markdown]
# Step two, what trains. A [frozen layer](../docs/glossary.md#frozen-layer) is one whose
# parameters have `requires_grad=False`: `backward()` computes no gradient for them, so the
# optimizer never moves them. The optimizer gets one
# [parameter group](../docs/glossary.md#parameter-group) per trained layer group, each with its
# own learning rate. `AdamW` with `weight_decay=0.0` takes exactly Adam's steps (`torch/optim/adamw.py`:
# `AdamW` is `Adam` with decoupled weight decay, which is zero here; `tests/test_claims.py`
# runs both and compares); it is what `fit` uses.

# %%
for p in convs.parameters():
    p.requires_grad = False
optimizer = torch.optim.AdamW(
    [{"params": list(fc.parameters()), "lr": LR["fc"]}, {"params": list(head.parameters()), "lr": LR["head"]}],
    weight_decay=0.0,
)
print({g["lr"]: sum(p.numel() for p in g["params"]) for g in optimizer.param_groups}, "weights per learning rate")
print("frozen weights:", sum(p.numel() for p in convs.parameters()))
before = {k: v.clone() for k, v in convs.state_dict().items()}  # to check, after training, what moved

# %% [markdown]
# Step three, the loop. `net.train()` turns dropout on, and then `convs.eval()` puts the frozen
# block back in inference mode. Without that line BatchNorm would keep averaging the statistics
# of ten new images into its running mean and variance, even though no weight gets a gradient:
# in training mode `BatchNorm2d` updates its running statistics in `forward`, whatever
# `requires_grad` says (`torch/nn/modules/batchnorm.py`, `_BatchNorm.forward`; checked in
# `tests/test_claims.py`, and by the "Try changing this" below).
# Each epoch shuffles the ten images with a seeded generator and takes one step per batch.
#
# **Predict, then run:** after 30 epochs, will the frozen convolutions' *weights* have changed?
# And their BatchNorm *running means*? The cell after the loop checks both.

# %%
gen = torch.Generator().manual_seed(SEED)  # the data order, separate from the model's randomness
x, y = torch.from_numpy(task.x_train).to(device), torch.from_numpy(task.y_train).to(device)
hand_losses = []
for _epoch in range(HAND_EPOCHS):
    net.train()
    convs.eval()  # frozen BatchNorm keeps its pretrained running statistics
    order = torch.randperm(len(x), generator=gen).to(device)
    total = 0.0
    for i in range(0, len(x), BATCH):
        idx = order[i : i + BATCH]
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(net(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    hand_losses.append(total / len(x))
net.eval()
with torch.no_grad():
    hand_accuracy = float((net(torch.from_numpy(task.x_test).to(device)).argmax(1).cpu().numpy() == task.y_test).mean())
print(f"loss: epoch 1 {hand_losses[0]:.4f}, epoch {HAND_EPOCHS} {hand_losses[-1]:.4f}; test accuracy {hand_accuracy:.4f}")

# %%
moved = {k: float((v - before[k]).abs().max()) for k, v in convs.state_dict().items() if v.is_floating_point()}
print(f"largest change in a frozen conv weight: {max(v for k, v in moved.items() if 'running' not in k):.1e}; "
      f"in a BatchNorm running mean: {max(v for k, v in moved.items() if 'running_mean' in k):.1e}")
assert max(moved.values()) == 0.0  # neither moved: no gradients, and eval() froze the statistics
assert hand_losses[-1] < hand_losses[0] / 10

# %% [markdown]
# **Try changing this:** delete the `convs.eval()` line and run this section again from its
# first cell. The frozen weights still do not move, but the running means do, and so does
# every epoch's loss, because BatchNorm now normalises each batch with its own statistics (the
# check against `fit` below then fails). Put the line back.
#
# Now the package's version of the same run. `TransferPlan.partial` trains `fc` and `head`;
# `lr=` gives each group's learning rate (the frozen `convs` need one too, never used). `fit`
# seeds torch with the plan's seed, builds the network the same way, shuffles with its own
# generator seeded the same, and runs the loop above. The losses and the weights must agree.

# %%
hand_plan = TransferPlan.partial(BASE, 10, head="extend", lr=(("convs", 3e-3), ("fc", LR["fc"]), ("head", LR["head"])),
                                 epochs=HAND_EPOCHS, batch_size=BATCH, seed=SEED)  # fmt: skip
print(hand_plan.describe())
fitted, fit_history = fit("torch", hand_plan, task, progress=False)
loss_gap = max(abs(a - b) for a, b in zip(hand_losses, fit_history.loss, strict=True))
weight_gap = max(float((a.cpu() - b).abs().max()) for a, b in zip(net.state_dict().values(), fitted.state_dict().values(), strict=True))
print(f"final loss: by hand {hand_losses[-1]:.8f}, fit {fit_history.loss[-1]:.8f}")
print(f"test accuracy: by hand {hand_accuracy:.4f}, fit {fit_history.final:.4f}")
print(f"largest gap: {loss_gap:.1e} in any epoch's loss, {weight_gap:.1e} in any weight")
assert loss_gap <= 1e-6 and weight_gap <= 1e-6 and hand_accuracy == fit_history.final

# %% [markdown]
# The same numbers: `fit` is this loop, with the plan's choices filled in. From here on the
# lesson uses plans, so that six variants fit in one table.

# %% [markdown]
# ## 2. The plans
#
# A `TransferPlan` says, framework-neutrally, where to start, what to train and how. The digits
# CNN has three groups: `convs` (two conv + BatchNorm blocks), `fc` (the 64-unit layer) and
# `head`. Every plan trains 30 epochs with Adam at learning rate 3e-3 on the same ten images.
#
# The output layer is *reconfigured* from 5 to 10 classes. `head="extend"` keeps the pretrained
# rows for digits 0-4 and adds fresh rows for 5-9; `head="new"` starts the whole layer afresh.

# %%
plans = {
    "scratch": lambda d: TransferPlan.scratch(10, epochs=EPOCHS, seed=d),
    "frozen (head only)": lambda d: TransferPlan.frozen(BASE, 10, head="extend", epochs=EPOCHS, seed=d),
    "partly unfrozen (fc + head)": lambda d: TransferPlan.partial(BASE, 10, head="extend", epochs=EPOCHS, seed=d),
    "fully fine-tuned": lambda d: TransferPlan.full(BASE, 10, head="extend", epochs=EPOCHS, seed=d),
    "fully fine-tuned, new head": lambda d: TransferPlan.full(BASE, 10, head="new", epochs=EPOCHS, seed=d),
    "gradual unfreezing": lambda d: TransferPlan(BASE, 10, head="extend", trainable=("head",), unfreeze=((4, "fc"), (8, "convs")), epochs=EPOCHS, seed=d),
}
for name, make in plans.items():
    print(f"{name:28} {make(0).describe()}")

# %% [markdown]
# ## 3. Fine-tuning against training from scratch
#
# Each plan runs on 5 different draws of the ten labelled images (a progress bar per plan).

# %%
from tqdm.auto import tqdm  # noqa: E402

results, models = {}, {}
for name, make in tqdm(plans.items(), desc="plans"):
    runs = [fit("torch", make(d), digits_transfer_task(labels_per_class=1, draw=d), progress=False, label=name) for d in range(DRAWS)]
    models[name] = runs[0][0]
    results[name] = (mean_history([h for _, h in runs], name), np.array([h.final for _, h in runs]))
scratch_final = results["scratch"][0].final
print(f"{'plan':28} {'test accuracy':>15} {'epochs to reach scratch':>24} {'s/run':>6}")
for name, (h, finals) in results.items():
    reach = h.epochs_to_reach(scratch_final)
    print(f"{name:28} {finals.mean():>8.3f} ± {finals.std():.3f} {str(reach) + ' / ' + str(EPOCHS):>24} {h.seconds:>6.2f}")

# %% [markdown]
# The fully fine-tuned model beats training from scratch by more than ten points with the same
# ten images and the same 30 epochs, and it passes the scratch model's *final* accuracy within
# a third of the epochs: knowledge transferred, faster convergence, better accuracy.

# %%
fine = results["fully fine-tuned"][0]
gain = fine.final - scratch_final
reach = fine.epochs_to_reach(scratch_final)
print(f"fine-tuned {fine.final:.3f} vs scratch {scratch_final:.3f}: +{100 * gain:.1f} points; "
      f"reaches scratch's final accuracy at epoch {reach} of {EPOCHS}")
assert gain >= 0.10, "fine-tuning must beat scratch by at least 10 points at one label per class"
assert reach is not None and reach <= EPOCHS // 3, "fine-tuning must reach scratch's final accuracy in a third of the epochs"

# %% [markdown]
# Freezing everything but the head is the cheapest option and the weakest of the pretrained
# plans: the 64 features learned for digits 0-4 cannot separate 5-9 well, so some layers must
# adapt. Keeping the old head rows (`extend`) beats a new head: the model keeps what it knew
# about 0-4.

# %%
pretrained_plans = [n for n in results if n != "scratch"]
assert min(pretrained_plans, key=lambda n: results[n][0].final) == "frozen (head only)"
print(f"extend vs new head: {fine.final:.3f} vs {results['fully fine-tuned, new head'][0].final:.3f}")
assert fine.final > results["fully fine-tuned, new head"][0].final

# %% [markdown]
# Learning curves: test accuracy after every epoch, averaged over the draws.

# %%
fig, ax = plt.subplots(figsize=(7, 3.6))
plot_curves([h for h, _ in results.values()], ax=ax, title="ten digits, one label each: test accuracy per epoch")
ax.axhline(scratch_final, color="grey", ls=":", lw=1)
plt.show()

# %% [markdown]
# ## 4. Regularisation
#
# With ten training images, overfitting is the danger, so regularisation is the textbook
# answer: more dropout, weight decay (L2) and an L1 penalty. We add them to the scratch model
# and to the fine-tuned one.

# %%
reg = Regularisation(dropout=0.5, weight_decay=0.05, l1=1e-4)
regularised = {}
for name, make in {"scratch + regularisation": plans["scratch"], "fine-tuned + regularisation": plans["fully fine-tuned"]}.items():
    runs = [fit("torch", make(d).replace(regularisation=reg), digits_transfer_task(labels_per_class=1, draw=d), progress=False, label=name)[1]
            for d in range(DRAWS)]
    regularised[name] = mean_history(runs, name)
for name, h in regularised.items():
    print(f"{name:30} {h.final:.3f}")
reg_effect = regularised["fine-tuned + regularisation"].final - fine.final
print(f"regularisation changes the fine-tuned model by {100 * reg_effect:+.1f} points, "
      f"and the scratch model by {100 * (regularised['scratch + regularisation'].final - scratch_final):+.1f}")
assert fine.final - regularised["scratch + regularisation"].final >= 0.10  # regularisation does not replace pretraining
assert abs(reg_effect) < gain  # its effect is smaller than the pretraining's

# %% [markdown]
# Regularisation does not make up for missing knowledge: the regularised scratch model still
# trails the fine-tuned one by more than ten points. A pretrained start is itself the strongest
# regulariser here, because it constrains the weights to ones that already work on digits.

# %% [markdown]
# ## 5. Beyond accuracy: the confusion matrix, precision, recall and F1
#
# One draw, the fine-tuned model against the scratch one. Where does the gain come from?

# %%
draw0 = digits_transfer_task(labels_per_class=1, draw=0)
labels = [str(c) for c in draw0.classes]
reports = {}
for name in ("scratch", "fully fine-tuned"):
    with torch.no_grad():
        predicted = models[name](torch.from_numpy(draw0.x_test)).argmax(1).numpy()
    reports[name] = evaluate(draw0.y_test, predicted, labels)
fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
for ax, (name, report) in zip(axes, reports.items(), strict=True):
    plot_confusion(report, ax=ax, title=f"{name}: accuracy {report.accuracy:.3f}")
plt.tight_layout()
plt.show()
print(reports["fully fine-tuned"].table())

# %%
for name, report in reports.items():
    recall = report.recall
    print(f"{name:18} mean recall on digits 0-4 (pretrained on): {recall[:5].mean():.3f}   on 5-9 (new): {recall[5:].mean():.3f}")
gain_old = reports["fully fine-tuned"].recall[:5].mean() - reports["scratch"].recall[:5].mean()
gain_new = reports["fully fine-tuned"].recall[5:].mean() - reports["scratch"].recall[5:].mean()
print(f"gain from pretraining: {100 * gain_old:+.1f} points on 0-4, {100 * gain_new:+.1f} on 5-9")
assert gain_old > gain_new > 0
assert reports["fully fine-tuned"].macro_f1 > reports["scratch"].macro_f1

# %% [markdown]
# Pretraining helps on both halves, but most on the digits the model was pretrained on. That is
# the article's *domain fit* limit in miniature: knowledge transfers to the extent that the new
# task resembles the old one.

# %% [markdown]
# ## 6. Text: a new head on MiniLM
#
# The help-desk set has 200 training and 100 test messages in five classes, and its test
# messages avoid the training messages' keywords (see `zoo_patterns.datasets.helpdesk_task`).
# MiniLM stays frozen; only a linear head trains (a [linear probe](../docs/glossary.md#linear-probe)). The baseline is a bag-of-words logistic
# regression trained from scratch on the same split.

# %%
text = helpdesk_task()
classifier, text_history = fit("text", text_plan(len(text.labels)), text, progress=False, label="MiniLM frozen + head")
minilm_report = evaluate(text.y_test, classifier.predict(text.test_texts), text.labels)
bow_report = evaluate(text.y_test, bag_of_words_baseline(text), text.labels)
print(f"MiniLM frozen + linear head: {minilm_report.accuracy:.3f}   bag of words from scratch: {bow_report.accuracy:.3f}")
print(minilm_report.table())
assert minilm_report.accuracy >= 0.85
assert minilm_report.accuracy >= bow_report.accuracy + 0.05

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
plot_confusion(bow_report, ax=axes[0], title=f"bag of words: {bow_report.accuracy:.3f}")
plot_confusion(minilm_report, ax=axes[1], title=f"MiniLM + head: {minilm_report.accuracy:.3f}")
plt.tight_layout()
plt.show()

# %% [markdown]
# The bag-of-words model has never seen "debited", "postman" or "discontinue", so it guesses;
# the pretrained encoder places "the postman says he has nothing for me" near "my parcel has
# not arrived". With the encoder frozen the whole fit takes seconds on a CPU.
#
# These two accuracies come from one run on one split (the head's seed is 0); lesson 08 runs
# the same head again with the last encoder layer unfrozen.
#
# **On a GPU** the same code runs unchanged (`zp.device()` picks it); only the MiniLM part gets
# noticeably faster, since the digits CNN is tiny.

# %% [markdown]
# ## Summary
#
# - Fine-tuning by hand is a short loop: `requires_grad=False` on the frozen layers, one optimizer
#   parameter group per trained group with its own learning rate, `eval()` on the frozen block so
#   BatchNorm keeps its statistics, then loss, `backward()`, `step()`. `TransferPlan` + `fit` ran
#   the same loop and gave the same losses and weights (a gap of at most 1e-6, checked).
# - With one label per class, the fully fine-tuned CNN beat training from scratch by more than ten
#   points and reached scratch's final accuracy within a third of the epochs (means of 5 draws).
# - Training only the head was the weakest pretrained plan; keeping the old head rows (`extend`)
#   beat a new head; regularisation did not make up for a missing pretrained start.
# - The gain was largest on the digits the model was pretrained on: knowledge transfers as far as
#   the tasks resemble each other.
# - A frozen MiniLM with a new linear head reached at least 0.85 on the help-desk messages, at
#   least five points above a bag-of-words model (one run).
#
# **Exercise:** [exercises/07_fine_tuning_torch.ipynb](../exercises/07_fine_tuning_torch.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [08 · Fine-tuning in Keras and Gluon, and a transformers head](08_fine_tuning_keras_gluon.ipynb).
