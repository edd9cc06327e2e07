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
# # 08 · Fine-tuning in Keras and Gluon, and a transformers head
#
# **Time:** about 35 minutes; the cells run in about 80 s on a 2-core CPU.
#
# **Prerequisites:** lesson 07 (a `TransferPlan`, frozen layers, parameter groups).
#
# **You will learn to:**
#
# - freeze layers in Keras and Gluon, and say how each switch differs from torch's `requires_grad`;
# - tell apart the two BatchNorm momentum conventions, the epsilon defaults and what a frozen
#   BatchNorm does in each framework, measured on one batch;
# - write one training step by hand with `tf.GradientTape` and with `autograd.record()`, check that
#   it equals the package's `fit`, then run one plan in torch, Keras and Gluon and compare the results;
# - unfreeze the last layer of a transformers encoder with its own small learning rate, and weigh
#   what it costs against what it buys.
#
# Lesson 07 ran a `TransferPlan` in PyTorch. Here **the same plan** runs in Keras 3 and in MXNet
# Gluon, starting from the same pretrained weights, and we check that the results agree within
# a few points. On the way we meet the places where the frameworks really differ: how a layer
# is [frozen](../docs/glossary.md#frozen-layer), what
# [BatchNorm](../docs/glossary.md#batchnorm)'s "momentum" means, and which way the channels go
# ([NCHW or NHWC](../docs/glossary.md#nchw-nhwc)). Last, the text case: MiniLM with its encoder
# frozen, then with its last layer unfrozen.

# %%
import inspect

import numpy as np
import torch

import zoo_patterns as zp
from zoo_patterns import expect_error
from zoo_patterns.compat import import_mxnet
from zoo_patterns.datasets import digits_transfer_task, helpdesk_task
from zoo_patterns.transfer import Regularisation, TransferPlan, fit, mean_history
from zoo_patterns.transfer import gluon as gluon_trainer
from zoo_patterns.transfer import keras as keras_trainer
from zoo_patterns.transfer.text import text_plan

zp.quiet()
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

mx = import_mxnet()
from mxnet import autograd, gluon  # noqa: E402

torch.set_num_threads(min(2, torch.get_num_threads()))
DRAWS, EPOCHS, BASE = 3, 30, "digits-cnn-torch"

# %% [markdown]
# ## 1. Three frameworks, three vocabularies
#
# The zoo has the digits CNN in all three frameworks. Freezing a layer is a different switch in
# each, and the switch means slightly different things.
#
# **Predict, then run:** the cell freezes everything below the output layer (64 inputs, 5
# classes) in each framework. How many trainable weights will each framework report?

# %%
torch_net = zp.load("digits-cnn-torch", progress=False)
keras_net = zp.load("digits-cnn-keras", progress=False)
gluon_net = zp.load("digits-cnn-gluon", progress=False)

for p in torch_net.backbone.parameters():
    p.requires_grad = False  # torch: per tensor; BatchNorm statistics still update in train() (section 1 measures it)
for name in ("conv1", "bn1", "conv2", "bn2", "fc"):
    keras_net.get_layer(name).trainable = False  # Keras: per layer; a frozen BatchNorm also runs as in inference
for p in gluon_net.backbone.collect_params().values():
    p.grad_req = "null"  # Gluon: per parameter; no gradient buffer is even allocated

trainable = {
    "torch (requires_grad)": sum(p.numel() for p in torch_net.parameters() if p.requires_grad),
    "keras (trainable)": sum(int(np.prod(w.shape)) for w in keras_net.trainable_weights),
    "gluon (grad_req)": sum(p.data().size for p in gluon_net.collect_params().values() if p.grad_req != "null"),
}
for k, v in trainable.items():
    print(f"{k:24} trainable weights after freezing the backbone: {v}")
assert set(trainable.values()) == {64 * 5 + 5}  # the same 325 head weights in all three
with expect_error(RuntimeError, match="grad_req='null'"):  # no gradient buffer behind a frozen Gluon parameter
    list(gluon_net.backbone.collect_params().values())[0].grad()

# %% [markdown]
# **Try changing this:** add `keras_net.get_layer("bn1").trainable = True` after the freezing
# loops and run the cell again. Keras now reports 357: BatchNorm's scale and shift (16 each) train
# again, and in Keras its running statistics update again too. The assertion then fails; take the
# line out.

# %% [markdown]
# BatchNorm keeps a running mean and variance of the batches it has seen, and the frameworks
# define its "momentum" in opposite directions. torch: `running = (1 - m) * running + m * batch`,
# default `m = 0.1`. Keras and Gluon: `running = m * running + (1 - m) * batch`. The zoo's models
# were built to match, so converting weights keeps the behaviour; the defaults are read from each
# framework's own signature:

# %%
tbn, kbn = torch_net.backbone[1], keras_net.get_layer("bn1")
gbn = list(gluon_net.backbone)[1]
defaults = {
    "torch": inspect.signature(torch.nn.BatchNorm2d).parameters,
    "keras": inspect.signature(keras.layers.BatchNormalization).parameters,
    "gluon": inspect.signature(mx.gluon.nn.BatchNorm).parameters,
}
rows = [
    ("torch  BatchNorm2d", tbn.momentum, tbn.eps, defaults["torch"]["momentum"].default, defaults["torch"]["eps"].default, "NCHW"),
    ("keras  BatchNormalization", kbn.momentum, kbn.epsilon, defaults["keras"]["momentum"].default, defaults["keras"]["epsilon"].default, "NHWC"),
    ("gluon  BatchNorm", gbn._kwargs["momentum"], gbn._kwargs["eps"], defaults["gluon"]["momentum"].default, defaults["gluon"]["epsilon"].default, "NCHW"),
]
print(f"{'layer':28} {'momentum':>8} {'epsilon':>8}   {'defaults':18} layout")
for name, m, eps, m0, eps0, layout in rows:
    print(f"{name:28} {m:>8} {eps:>8}   {f'{m0}, {eps0}':18} {layout}")
assert abs(kbn.momentum - (1 - tbn.momentum)) < 1e-9 and abs(gbn._kwargs["momentum"] - (1 - tbn.momentum)) < 1e-9
assert tbn.eps == kbn.epsilon == gbn._kwargs["eps"] == 1e-5
assert [r[3:5] for r in rows] == [(0.1, 1e-5), (0.99, 1e-3), (0.9, 1e-5)]  # Keras's default epsilon: a silent mismatch
print("conv1 weights:", tuple(torch_net.backbone[0].weight.shape), "(torch, O I kH kW) vs",
      tuple(keras_net.get_layer("conv1").kernel.shape), "(keras, kH kW I O)")

# %% [markdown]
# What a *frozen* BatchNorm does during training differs too, and this is where the three
# freezing switches part ways. We feed one batch, far from the running statistics (mean 0,
# variance 1 at the start), through a fresh BatchNorm (momentum 0.9 in Keras's sense) per
# framework, trainable and frozen, and look at two things: did the running mean move, and was the
# batch normalised with its *own* statistics or with the running ones?
#
# **Predict, then run:** Gluon's frozen BatchNorm (every parameter `grad_req = "null"`) runs inside
# `autograd.record()`. Will it normalise like inference?

# %%
batch = np.random.default_rng(0).normal(3.0, 2.0, (16, 4, 5, 5)).astype("float32")  # NCHW
batch_mean, batch_var = batch.mean(axis=(0, 2, 3)), batch.var(axis=(0, 2, 3))
own = (batch - batch_mean[None, :, None, None]) / np.sqrt(batch_var[None, :, None, None] + 1e-5)  # batch statistics
running = batch / np.sqrt(1 + 1e-5)  # running statistics: mean 0, variance 1
seen = {}


def torch_bn(freeze):
    bn = torch.nn.BatchNorm2d(4, momentum=0.1, eps=1e-5).train()
    for p in bn.parameters():
        p.requires_grad = not freeze
    out = bn(torch.from_numpy(batch)).detach().numpy()
    return out, bn.running_mean.numpy(), bn.running_var.numpy()


def keras_bn(freeze):
    bn = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
    bn.build((None, 5, 5, 4))
    bn.trainable = not freeze
    out = np.asarray(bn(batch.transpose(0, 2, 3, 1), training=True)).transpose(0, 3, 1, 2)
    return out, np.asarray(bn.moving_mean), np.asarray(bn.moving_variance)


def gluon_bn(freeze, use_global_stats=False):
    bn = mx.gluon.nn.BatchNorm(momentum=0.9, epsilon=1e-5, in_channels=4, use_global_stats=use_global_stats)
    bn.initialize()
    for p in (bn.gamma, bn.beta):
        p.grad_req = "null" if freeze else "write"
    with autograd.record():
        out = bn(mx.nd.array(batch))
    if not freeze:
        out.backward()  # MXNet updates the running statistics in the backward pass
    return out.asnumpy(), bn.running_mean.data().asnumpy(), bn.running_var.data().asnumpy()


cases = {
    ("torch", "trainable"): torch_bn(False), ("torch", "requires_grad=False"): torch_bn(True),
    ("keras", "trainable"): keras_bn(False), ("keras", "trainable=False"): keras_bn(True),
    ("gluon", "trainable"): gluon_bn(False), ("gluon", 'grad_req="null"'): gluon_bn(True),
    ("gluon", "use_global_stats=True"): gluon_bn(True, use_global_stats=True),
}
print(f"{'framework':10} {'switch':22} {'running mean':>13} {'normalised with':>18}")
for (fw, switch), (out, mean, _) in cases.items():
    moved = not np.allclose(mean, 0)
    with_stats = "its batch" if np.allclose(out, own, atol=1e-4) else "running stats" if np.allclose(out, running, atol=1e-4) else "?"
    seen[fw, switch] = (moved, with_stats)
    print(f"{fw:10} {switch:22} {'moved' if moved else 'stayed':>13} {with_stats:>18}")
assert seen["torch", "requires_grad=False"] == (True, "its batch")  # requires_grad does not freeze statistics
assert seen["keras", "trainable=False"] == (False, "running stats")  # trainable=False means inference mode
assert seen["gluon", 'grad_req="null"'] == (False, "its batch")  # statistics kept, but not inference mode
assert seen["gluon", "use_global_stats=True"] == (False, "running stats")
for fw, m in (("torch", 0.1), ("keras", 0.1), ("gluon", 0.1)):  # all three: new weight 0.1 on the batch mean here
    assert np.allclose(cases[fw, "trainable"][1], m * batch_mean, atol=1e-5), fw
n = batch.size // batch.shape[1]
assert np.allclose(cases["torch", "trainable"][2], 0.9 + 0.1 * batch_var * n / (n - 1), atol=1e-4)  # unbiased
assert all(np.allclose(cases[fw, "trainable"][2], 0.9 + 0.1 * batch_var, atol=1e-4) for fw in ("keras", "gluon"))  # biased

# %% [markdown]
# Measured, on this batch:
#
# - **torch**: `requires_grad = False` stops the gradient, not the statistics: in `train()` the
#   running mean moves and the batch is normalised with its own statistics. Freezing BatchNorm
#   takes `module.eval()` as well.
# - **Keras**: `trainable = False` is inference mode, whatever `training=` says: the running
#   statistics stay, and they are what normalises the batch. The source says so in
#   `keras/src/layers/normalization/batch_normalization.py`, `BatchNormalization.call`:
#   `if training and self.trainable:` (tested in `tests/test_claims_04_08.py`).
# - **Gluon**: `grad_req = "null"` keeps the statistics, because MXNet 1.9 updates them in the
#   *backward* pass and a block with nothing to differentiate gets none; but inside
#   `autograd.record()` the batch is still normalised with its own statistics, so a frozen Gluon
#   BatchNorm is *not* in inference mode. `use_global_stats=True` is the switch that is.
# - The convention: all three weighed the batch by 0.1 here (torch's `momentum=0.1` is Keras's and
#   Gluon's 0.9), and torch stores the unbiased batch variance, Keras and Gluon the biased one.

# %% [markdown]
# ## 2. One training step by hand, then `fit`
#
# The package's `fit("keras", ...)` and `fit("gluon", ...)` are ordinary training loops. Before we
# lean on them, here is one step of each written out, for a `partial` plan (the convolutions
# frozen, the last hidden layer and the head training, Adam at 3e-3) on one batch: the ten
# labelled images of lesson 07's task, in the order `fit` draws them. Dropout is off so that both
# runs see the same network. Each framework's trainer module gives the starting network
# (`build(plan)`: the pretrained weights, converted, with the head extended to ten classes).
#
# Keras: the forward pass runs under a `tf.GradientTape`, which records it; `tape.gradient` plays
# it back for the trainable weights; the optimizer applies the step. `fit` keeps one optimizer per
# parameter group so that groups can have their own learning rates; here both groups use 3e-3, and
# Adam's update is per weight, so one optimizer is the same step.

# %%
plan = TransferPlan.partial(BASE, 10, head="extend", epochs=2, regularisation=Regularisation(dropout=0.0))
one_batch = digits_transfer_task(labels_per_class=1, draw=0)
assert len(one_batch.y_train) <= plan.batch_size  # so each epoch of fit is one step
rng = np.random.default_rng(plan.seed)
orders = [rng.permutation(len(one_batch.y_train)) for _ in range(plan.epochs)]  # fit's batch order, epoch by epoch

net = keras_trainer.build(plan)
for name in ("conv1", "bn1", "conv2", "bn2"):
    net.get_layer(name).trainable = False  # the plan freezes the convolutions
optimizer = keras.optimizers.AdamW(learning_rate=plan.lr_for("head"), weight_decay=0.0)  # AdamW with no decay is Adam
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
x_all, y_all = one_batch.nhwc().x_train, one_batch.y_train  # Keras convolutions are channels-last
keras_losses = []
for order in orders:  # two steps: Adam's first step is about lr * sign(gradient), blind to its size
    with tf.GradientTape() as tape:
        loss = loss_fn(y_all[order], net(x_all[order], training=True))
    grads = tape.gradient(loss, net.trainable_weights)
    optimizer.apply_gradients(zip(grads, net.trainable_weights, strict=True))
    keras_losses.append(float(loss))

keras_fit, keras_history = fit("keras", plan, one_batch, progress=False)
keras_gap = max(float(np.abs(a - b).max()) for a, b in zip(net.get_weights(), keras_fit.get_weights(), strict=True))
print(f"keras: losses by hand {np.round(keras_losses, 6)}, by fit {np.round(keras_history.loss, 6)}; "
      f"largest weight difference after {plan.epochs} steps: {keras_gap:.1e}")
assert np.allclose(keras_losses, keras_history.loss, atol=1e-5) and keras_gap < 1e-5

# %% [markdown]
# Gluon: the forward pass runs inside `autograd.record()`, `loss.backward()` fills each trainable
# parameter's gradient buffer, and a `gluon.Trainer` applies Adam. The frozen parameters have
# `grad_req = "null"`, so the trainer is given only the others. `trainer.step(1)`: the loss is
# already a mean over the batch, so the gradient is not divided again.

# %%
gnet = gluon_trainer.build(plan)
for block in list(gnet.backbone)[:6]:  # conv, BN, ReLU, conv, BN, ReLU: frozen by the plan
    for p in block.collect_params().values():
        p.grad_req = "null"
trained = {k: p for k, p in gnet.collect_params().items() if p.grad_req != "null"}
trainer = gluon.Trainer(trained, "adam", {"learning_rate": plan.lr_for("head")})
softmax_ce = gluon.loss.SoftmaxCrossEntropyLoss()
gluon_losses = []
for order in orders:
    x, y = mx.nd.array(one_batch.x_train[order]), mx.nd.array(one_batch.y_train[order])
    with autograd.record():
        loss = softmax_ce(gnet(x), y).mean()
    loss.backward()
    trainer.step(1)
    gluon_losses.append(float(loss.asscalar()))

gluon_fit, gluon_history = fit("gluon", plan, one_batch, progress=False)
gluon_gap = max(
    float(np.abs(a.data().asnumpy() - b.data().asnumpy()).max())
    for a, b in zip(gnet.collect_params().values(), gluon_fit.collect_params().values(), strict=True)
)
print(f"gluon: losses by hand {np.round(gluon_losses, 6)}, by fit {np.round(gluon_history.loss, 6)}; "
      f"largest weight difference after {plan.epochs} steps: {gluon_gap:.1e}")
assert np.allclose(gluon_losses, gluon_history.loss, atol=1e-5) and gluon_gap < 1e-5
assert "adamw" not in mx.optimizer.Optimizer.opt_registry and "adam" in mx.optimizer.Optimizer.opt_registry
moved = np.abs(net.get_layer("head").get_weights()[0] - keras_trainer.build(plan).get_layer("head").get_weights()[0]).max()
print(f"for scale: the two steps moved the head's weights by up to {moved:.1e} (Keras)")
assert moved > 1e3 * max(keras_gap, gluon_gap, 1e-9)  # the steps did move the weights: the equality is not vacuous

# %% [markdown]
# Same losses, and the same weights to within the stated tolerance of 1e-5 (float32 arithmetic in
# another order could differ that much; in this run they were equal to the bit), where the steps
# moved weights by thousandths. `fit` adds the rest around this step: parameter groups with
# their own learning rates and unfreezing schedules, shuffling, early stopping, L1 and weight
# decay (decoupled, as in torch's `AdamW`; MXNet 1.9 has no AdamW optimizer, so the Gluon trainer
# shrinks the weights itself before each Adam step).
#
# **Try changing this:** leave the four `trainable = False` lines out of the Keras step. Which
# assertion fails, and by how much do the weights now differ?

# %% [markdown]
# ## 3. The same plan in three frameworks
#
# Ten digits, one labelled image each (lesson 07's task), 30 epochs, Adam at 3e-3. All three
# fine-tuned models start from `digits-cnn-torch`'s weights: the Keras and Gluon trainers
# convert them (channel order and kernel layout for Keras, a straight copy for Gluon). Each
# trainer freezes with its own framework's switch and steps each parameter group with its own
# learning rate (one optimizer per group in Keras, one `Trainer` per group in Gluon, one
# `AdamW` with parameter groups in torch).

# %%
from tqdm.auto import tqdm  # noqa: E402

table = {}
for framework in tqdm(("torch", "keras", "gluon"), desc="frameworks"):
    for name, plan in (("scratch", TransferPlan.scratch(10, epochs=EPOCHS)), ("fine-tuned", TransferPlan.full(BASE, 10, head="extend", epochs=EPOCHS))):
        runs = [fit(framework, plan.replace(seed=d), digits_transfer_task(labels_per_class=1, draw=d), progress=False)[1] for d in range(DRAWS)]
        table[framework, name] = mean_history(runs, f"{framework} {name}")
print(f"{'framework':10} {'scratch':>8} {'fine-tuned':>11} {'gain':>6} {'epochs to reach scratch':>24} {'s/run':>6}")
for framework in ("torch", "keras", "gluon"):
    s, f = table[framework, "scratch"], table[framework, "fine-tuned"]
    print(f"{framework:10} {s.final:>8.3f} {f.final:>11.3f} {100 * (f.final - s.final):>+6.1f} "
          f"{str(f.epochs_to_reach(s.final)) + ' / ' + str(EPOCHS):>24} {f.seconds:>6.2f}")

# %% [markdown]
# In every framework (means over 3 draws) the pretrained start wins by more than ten points and
# gets there in a third of the epochs, and the three fine-tuned results sit within a few points of each other.
# The remaining differences are the frameworks' own: the initialisers of the new head rows
# (Keras's `Dense` defaults to Glorot-uniform, checked below; torch's `Linear` draws
# `kaiming_uniform_(a=sqrt(5))`, that is uniform in ±1/sqrt(fan-in), in `torch/nn/modules/linear.py`,
# `Linear.reset_parameters`; the zoo's Gluon network is initialised with `mx.init.Xavier()`),
# random streams and data order.

# %%
for framework in ("torch", "keras", "gluon"):
    s, f = table[framework, "scratch"], table[framework, "fine-tuned"]
    assert f.final - s.final >= 0.10, framework
    assert f.epochs_to_reach(s.final) is not None and f.epochs_to_reach(s.final) <= EPOCHS // 3, framework
assert type(keras.layers.Dense(1).kernel_initializer).__name__ == "GlorotUniform"
spread = max(table[fw, "fine-tuned"].final for fw in ("torch", "keras", "gluon")) - min(table[fw, "fine-tuned"].final for fw in ("torch", "keras", "gluon"))
print(f"spread of the fine-tuned accuracies across frameworks: {100 * spread:.1f} points")
assert spread <= 0.06

# %% [markdown]
# ## 4. transformers: MiniLM with a new head
#
# For text the plan's groups are MiniLM's `embeddings`, `layer.0` ... `layer.5` and the new
# `head`. Frozen encoder: only the head trains, on embeddings computed once (a
# [linear probe](../docs/glossary.md#linear-probe)). Partly unfrozen: the last transformer layer
# trains too, with a learning rate 300 times smaller than the head's, so it adapts without
# forgetting.

# %% tags=["timing"] measure={"unfrozen / frozen seconds": "text_results['last layer unfrozen'].seconds / text_results['encoder frozen'].seconds"}
text = helpdesk_task()
text_results = {}
for name, plan in (("encoder frozen", text_plan(5)), ("last layer unfrozen", text_plan(5, unfreeze_last=1, epochs=4))):
    print(plan.describe())
    _, history = fit("text", plan, text, progress=False, label=name)
    text_results[name] = history
for name, h in text_results.items():
    print(f"{name:22} test accuracy {h.final:.3f} in {h.seconds:.1f} s")
assert text_results["encoder frozen"].final >= 0.85
assert text_results["last layer unfrozen"].seconds > text_results["encoder frozen"].seconds
assert text_results["last layer unfrozen"].final <= text_results["encoder frozen"].final + 0.02  # little or nothing gained, in this run

# %% [markdown]
# This is one run of each (seed 0, one split of 200 training sentences); each takes seconds to
# a minute here, so the lesson does not repeat them over seeds. In this run, unfreezing bought
# at most two points of accuracy and cost a backward pass through the encoder on every step.
# With so little data that is the expected outcome, but one run cannot say how much another seed
# or split would move it. Unfreezing tends to pay off with more domain data (or on a GPU, where
# the extra cost shrinks).

# %% [markdown]
# ## Summary
#
# - Freezing is `requires_grad = False` in torch (plus `eval()` for BatchNorm), `trainable = False`
#   in Keras (which puts BatchNorm in inference mode) and `grad_req = "null"` in Gluon (which keeps
#   BatchNorm's statistics but still normalises with the batch's; `use_global_stats=True` is
#   inference mode); all three left the same 325 head weights trainable.
# - torch's BatchNorm momentum weighs the new batch (0.1), Keras's and Gluon's the old average
#   (0.9 here); Keras's default epsilon is 1e-3, not 1e-5. The zoo's models were built to match.
# - One step written with `tf.GradientTape` and one with `autograd.record()` gave the same losses
#   and weights as the package's `fit`.
# - The same plan from the same pretrained weights beat training from scratch by more than ten
#   points in every framework, and the three fine-tuned accuracies sat within six points (means
#   over 3 draws).
# - Unfreezing MiniLM's last layer cost more time and, in one run, gained at most two points.
#
# The differences, in one table:
#
# | | torch | Keras 3 | Gluon |
# | --- | --- | --- | --- |
# | freeze | `p.requires_grad = False` (+ `module.eval()` for BatchNorm) | `layer.trainable = False` (BN in inference mode) | `p.grad_req = "null"` (BN statistics stay, batch statistics still used; `use_global_stats=True` for inference mode) |
# | per-group learning rates | optimizer parameter groups | one optimizer per group | one `Trainer` per group |
# | BN momentum | weight of the *new* batch (0.1) | weight of the *old* average (0.99 default) | weight of the old average (0.9) |
# | BN epsilon default | 1e-5 | 1e-3 | 1e-5 |
# | image layout | NCHW | NHWC | NCHW |
# | weight decay | `AdamW(weight_decay=)` | `AdamW(weight_decay=)` | no AdamW in MXNet 1.9 (Adam's `wd` is L2 in the gradient): `fit` decays the weights itself |
#
# **Exercise:** [exercises/08_fine_tuning_keras_gluon.ipynb](../exercises/08_fine_tuning_keras_gluon.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [09 · Moving models between frameworks](09_moving_between_frameworks.ipynb).
