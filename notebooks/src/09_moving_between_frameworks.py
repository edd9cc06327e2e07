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
# # 09 · Moving models between frameworks
#
# **Time:** about 30 minutes; the cells run in about 45 s on a 2-core CPU.
#
# **Prerequisites:** lessons 03 and 08 (the adapters, and how the frameworks' layouts and
# BatchNorm differ); numpy's `transpose`.
#
# **You will learn to:**
#
# - read a model as a list of layers and say what each kind must watch for in another framework;
# - write the convolution rule by hand (kernel OIHW to HWIO, input NCHW to NHWC) and check it
#   against torch;
# - make a classic conversion mistake on purpose, measure its error and find the layer it is in;
# - convert the zoo's CNN between torch, Keras, Gluon and ONNX and check every route;
# - export MiniLM to ONNX and check its sentence embeddings against torch.
#
# The model you need exists, but in another framework. The advice is short: **understand the
# architecture, convert the weights, re-test against the original.** This lesson does all three
# with `zoo_patterns.convert`, which reads a model into a list of layers (in torch's layouts),
# writes it in the target framework with one rule per layer kind, and refuses to hand back a
# model whose outputs differ from the original's by more than 1e-5. That last step is a
# [parity check](../docs/glossary.md#parity-check): the same inputs through both models, the
# outputs compared.
#
# The interesting part is what goes wrong. A conversion with a mistake still runs and still
# produces plausible numbers; only a parity check shows it, and only a layer-by-layer parity
# check shows *where*. We make each classic mistake on purpose, watch parity fail and name the
# layer, then fix it.

# %%
import time

import numpy as np
import torch
from torch import nn

import zoo_patterns as zp
from zoo_patterns import TensorSpec
from zoo_patterns.convert import ParityError, convert, parity, probe_inputs, to_layers
from zoo_patterns.datasets import digits_task

zp.quiet()
split = digits_task(seed=0)  # held-out digits 0-4, NCHW in [0, 1]
net = zp.load("digits-cnn-torch")
digits_spec = zp.card("digits-cnn-torch").inputs[0]
print(digits_spec.describe())

# %% [markdown]
# ## 1. Understand the architecture
#
# The converter's first step is a description anyone can read: each layer's kind, its settings
# and the shape it produces. The last column says what a conversion must watch for.

# %%
layers, shape = to_layers(net, input_spec=digits_spec)
watch = {"conv2d": "kernel layout, padding", "batchnorm2d": "epsilon, momentum", "linear": "transpose; flatten order"}
print(f"{'#':>2} {'layer':60} watch for")
for i, layer in enumerate(layers):
    print(f"{i:>2} {layer.describe()[:60]:60} {watch.get(layer.kind, '')}")
assert [layer.kind for layer in layers][:3] == ["conv2d", "batchnorm2d", "relu"]

# %% [markdown]
# ## 2. One rule by hand: a convolution into Keras
#
# Before the converter does it, here is its `conv2d` rule written out for the CNN's first layer.
# Two layouts change (see [OIHW, HWIO](../docs/glossary.md#oihw-hwio) and
# [NCHW, NHWC](../docs/glossary.md#nchw-nhwc)):
#
# - the **kernel**: torch stores (out, in, height, width); Keras wants (height, width, in, out),
#   so the axes go `(2, 3, 1, 0)`;
# - the **images**: torch takes (batch, channels, height, width), Keras (batch, height, width,
#   channels), so the input goes `(0, 2, 3, 1)` and the output comes back with `(0, 3, 1, 2)`.
#
# torch's `padding=1` becomes an explicit `ZeroPadding2D(1)` before a `"valid"` convolution,
# which pads the way torch does at any stride.

# %%
import keras

conv = net.backbone[0]  # torch Conv2d(1, 16, 3, padding=1)
w, bias = conv.weight.detach().numpy(), conv.bias.detach().numpy()
kernel = w.transpose(2, 3, 1, 0)  # OIHW -> HWIO
keras_conv = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.ZeroPadding2D(1), keras.layers.Conv2D(16, 3, padding="valid")])
keras_conv.layers[-1].set_weights([kernel, bias])

x = split.x_test[:64]  # NCHW
with torch.no_grad():
    torch_out = conv(torch.from_numpy(x)).numpy()  # NCHW
keras_out = np.asarray(keras_conv(x.transpose(0, 2, 3, 1)))  # NHWC in, NHWC out
hand_diff = float(np.abs(torch_out - keras_out.transpose(0, 3, 1, 2)).max())
print(f"kernel {w.shape} -> {kernel.shape}; outputs {torch_out.shape} (torch) and {keras_out.shape} (Keras)")
print(f"max |diff| after putting Keras's output back in NCHW: {hand_diff:.1e}")
assert hand_diff <= 1e-5

# %% [markdown]
# **Try changing this:** write the kernel's transpose as `(2, 3, 0, 1)`, or leave it out, and run
# the cell again. Keras refuses the shape with a `ValueError` naming both shapes: a loud mistake,
# the harmless kind. So is feeding it the NCHW images without their transpose.
#
# The package's rule is the same code: its kernel is ours bit for bit, and the first layer of the
# converted model computes what our hand-made layer computes. (`trace` runs a converted model
# layer by layer and hands back each output in torch's layout.)

# %%
from zoo_patterns.convert import RULES, trace

rule_kernel = RULES["conv2d"].keras_weights(RULES["conv2d"].from_torch(conv))[0]
converted = convert(net, "keras", input_spec=digits_spec)
first_name, first_out = trace(converted, x)[0]
print(f"the rule's kernel equals ours: {np.array_equal(rule_kernel, kernel)}; "
      f"the converted model's {first_name} weights too: {np.array_equal(converted.get_layer(first_name).get_weights()[0], kernel)}")
print(f"{first_name} output vs our Keras layer: max |diff| {np.abs(first_out - keras_out.transpose(0, 3, 1, 2)).max():.1e}")
assert np.array_equal(rule_kernel, kernel) and np.array_equal(converted.get_layer(first_name).get_weights()[0], kernel)
assert np.abs(first_out - keras_out.transpose(0, 3, 1, 2)).max() <= 1e-6

# %% [markdown]
# Now the quiet mistake: one wrong line. `(3, 2, 1, 0)` reverses OIHW to WHIO. For this 3x3
# kernel the shape is still (3, 3, 1, 16), so Keras accepts it, but height and width have
# swapped places: every filter is mirrored across its diagonal.
#
# **Predict, then run:** with the right line the outputs differ from torch's by about 1e-7, and
# the outputs themselves reach about 1.5. How large will the difference be with the wrong line?
# Will anything raise an error?

# %%
wrong_kernel = w.transpose(3, 2, 1, 0)  # the one wrong line: height and width swapped
keras_conv.layers[-1].set_weights([wrong_kernel, bias])  # no error: the shape fits
wrong_out = np.asarray(keras_conv(x.transpose(0, 2, 3, 1))).transpose(0, 3, 1, 2)
wrong_diff = float(np.abs(torch_out - wrong_out).max())
print(f"outputs up to {np.abs(torch_out).max():.2f}; max |diff| {hand_diff:.1e} with the right line, {wrong_diff:.2f} with the wrong one")
assert wrong_diff > 0.5 * np.abs(torch_out).max()

# %% [markdown]
# No error, and a difference more than half the size of the outputs themselves. The package
# keeps this mistake as a trap rule (`traps.KernelNotTransposed`, the same wrong line).
# Converting the whole CNN with it and running the parity check ourselves finds the error,
# names the first layer that diverges, and measures there the same difference we just did:

# %%
from zoo_patterns.convert.traps import TRAPS

wrong_model = convert(net, "keras", input_spec=digits_spec, rules=TRAPS["kernel layout"], check=False)
report = parity(net, wrong_model, x, check=False)
print(report.summary())
print(f"at layer 0 the checker measured {report.layers[0][1]:.4f}; by hand, {wrong_diff:.4f}")
assert not report.passed and report.divergent.startswith("layer 0 (")
assert abs(report.layers[0][1] - wrong_diff) <= 1e-5 and report.argmax_agreement < 0.5

# %% [markdown]
# ## 3. Four mistakes, each caught and located
#
# The zoo's CNN uses stride 1 everywhere, which hides one of the traps, so we also build a small
# network it never saw: stride-2 convolutions, BatchNorm with running statistics far from (0, 1),
# and a Flatten before a Linear layer.

# %%
torch.manual_seed(0)
strided = nn.Sequential(
    nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
    nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
    nn.Flatten(), nn.Linear(8 * 2 * 2, 5),
)  # fmt: skip
with torch.no_grad():
    for m in strided.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.01, 0.2)
strided.eval()
strided_spec = TensorSpec("image", ("batch", "channel", "height", "width"), (None, 1, 8, 8), "float32", "NCHW")

# %% [markdown]
# `zoo_patterns.convert.traps` holds four rules that are each the right rule with one line wrong:
# the kernel's axes left in the wrong order (section 2's wrong line), Keras's default BatchNorm epsilon (1e-3, torch uses
# 1e-5), torch's `padding=1` written as Keras `padding="same"` (TensorFlow pads stride-2
# convolutions more at the bottom and right), and a dense kernel transposed without permuting its
# rows for Keras's (H, W, C) flatten order. We swap each into the rule table, convert without the
# built-in check, and run the check ourselves.
#
# Two of those are facts about the frameworks, so first we measure them: the default epsilons, and
# where TensorFlow puts the one row and column of padding that a 3x3, stride-2 `"same"`
# convolution of an 8x8 image needs.

# %%
print(f"BatchNorm epsilon by default: Keras {keras.layers.BatchNormalization().epsilon}, torch {nn.BatchNorm2d(1).eps}")
assert keras.layers.BatchNormalization().epsilon == 1e-3 and nn.BatchNorm2d(1).eps == 1e-5
image = np.random.default_rng(0).normal(size=(1, 8, 8, 1)).astype(np.float32)
kernel3 = np.random.default_rng(1).normal(size=(3, 3, 1, 1)).astype(np.float32)
same = keras.layers.Conv2D(1, 3, strides=2, padding="same", use_bias=False)
same.build((None, 8, 8, 1))
same.set_weights([kernel3])
padded = {}
for where, pad in {"top and left": ((1, 0), (1, 0)), "bottom and right": ((0, 1), (0, 1))}.items():
    valid = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.ZeroPadding2D(pad), keras.layers.Conv2D(1, 3, strides=2, padding="valid", use_bias=False)])
    valid.layers[-1].set_weights([kernel3])
    padded[where] = float(np.abs(np.asarray(valid(image)) - np.asarray(same(image))).max())
print("stride-2 'same' vs explicit padding, max |diff|:", padded)
assert padded["bottom and right"] <= 1e-6 < padded["top and left"]  # TF pads the bottom and right; torch's padding=1 pads all sides

# %%
x_probe = probe_inputs((1, 8, 8), n=32)
expected_layer = {"kernel layout": "conv2d", "BatchNorm epsilon": "batchnorm2d", "stride-2 'same' padding": "conv2d", "flatten order": "linear"}
for trap, rules in TRAPS.items():
    wrong = convert(strided, "keras", input_spec=strided_spec, rules=rules, check=False)
    with zp.expect_error(ParityError, quiet=True) as caught:  # fails the cell if parity misses the trap
        parity(strided, wrong, x_probe)
    report = caught.error.report
    print(f"{trap:24} max |diff| {report.max_abs:8.2e}  argmax agrees {report.argmax_agreement:6.1%}  -> {report.divergent}")
    assert f"_{expected_layer[trap]}" in report.divergent

# %% [markdown]
# Look at the argmax column: some mistakes still pick the same class for many inputs, so
# "it predicts the same digit on a few examples" is no test at all. The `'same'` padding
# mistake is also invisible at stride 1, which is why it hides in networks like the zoo's CNN:

# %%
same_on_zoo_cnn = convert(net, "keras", input_spec=digits_spec, rules=TRAPS["stride-2 'same' padding"], check=False)
print(parity(net, same_on_zoo_cnn, x_probe).summary())
assert parity(net, same_on_zoo_cnn, x_probe).passed  # stride 1: 'same' pads symmetrically, so it is right by luck

# %% [markdown]
# Now the right rules. `convert` runs the parity check itself and would raise instead of
# returning a wrong model.

# %%
right = convert(strided, "keras", input_spec=strided_spec)
print(parity(strided, right, x_probe).summary())
assert parity(strided, right, x_probe).max_abs <= 1e-5

# %% [markdown]
# ## 4. Every pair, and round trips
#
# The zoo's CNN from torch to Keras, Gluon and [ONNX](../docs/glossary.md#onnx) (a file format for
# a graph and its weights that many runtimes read), the zoo's own Keras, Gluon and ONNX models
# back to torch, and two round trips. Each line is a parity check on 64 seeded inputs.

# %%
import onnx

onnx_proto = onnx.load(str(zp.model_dir("digits-cnn-onnx") / "model.onnx"))
sources = {"torch": net, "keras": zp.load("digits-cnn-keras"), "gluon": zp.load("digits-cnn-gluon"), "onnx": onnx_proto}
pairs = [("torch", "keras"), ("torch", "gluon"), ("torch", "onnx"), ("keras", "torch"), ("gluon", "torch"), ("onnx", "torch")]
x64 = probe_inputs((1, 8, 8), n=64, seed=1)
rows = []
for source, target in pairs:
    start = time.perf_counter()
    converted = convert(sources[source], target, input_spec=digits_spec)
    rows.append((f"{source} -> {target}", parity(sources[source], converted, x64), time.perf_counter() - start))
for route in (("torch", "keras", "torch"), ("torch", "onnx", "torch")):
    start = time.perf_counter()
    back = convert(convert(net, route[1], input_spec=digits_spec), "torch", input_spec=digits_spec)
    rows.append((" -> ".join(route), parity(net, back, x64), time.perf_counter() - start))
print(f"{'conversion':26} {'max |diff|':>10} {'cosine':>10} {'argmax':>7} {'time':>7}")
for name, report, seconds in rows:
    print(f"{name:26} {report.max_abs:10.2e} {report.cosine:10.7f} {report.argmax_agreement:7.1%} {seconds:6.2f}s")
assert all(report.max_abs <= 1e-5 for _, report, _ in rows)

# %% [markdown]
# Going through ONNX, torch's exporter folded each BatchNorm into the convolution before it (an
# eval-mode optimisation), so the network that comes back has fewer layers and the same outputs.

# %%
back_from_onnx = convert(onnx_proto, "torch")
print([type(m).__name__ for m in back_from_onnx])
assert not any(isinstance(m, nn.BatchNorm2d) for m in back_from_onnx)

# %% [markdown]
# ## 5. Each framework's own ONNX exporter, and a live break
#
# `convert(..., to="onnx")` goes through torch. Keras and Gluon also have their own exporters.
# Keras 3's `model.export(path, format="onnx")` works: on the TensorFlow backend it goes through
# `tf2onnx`, and it refuses a model that has never been called ("The model provided has never
# called"; both in `keras/src/export/onnx.py`, `export_onnx`, read by `tests/test_claims.py`).
# Gluon's `mx.onnx.export_model` is a compatibility case like lesson 05's `tf_keras`: MXNet 1.9.1
# does `from onnx import mapping` (`mxnet/onnx/mx2onnx/_export_onnx.py`), a module the installed
# onnx no longer has, and reports the failure as something else entirely.

# %%
import tempfile

from zoo_patterns.compat import import_mxnet, patch_onnx_mapping
from zoo_patterns.convert.onnx import native_onnx

mx = import_mxnet()
gluon_net = sources["gluon"]
gluon_net.hybridize()
gluon_net(mx.nd.zeros((1, 1, 8, 8)))
work = tempfile.mkdtemp(prefix="lesson09-")
gluon_net.export(f"{work}/g")
print("onnx", onnx.__version__, "has onnx.mapping:", hasattr(onnx, "mapping"))
with zp.expect_error(ImportError, match="Onnx and protobuf need to be installed"):  # onnx is installed: the message misleads
    mx.onnx.export_model(f"{work}/g-symbol.json", f"{work}/g-0000.params", [(1, 1, 8, 8)], np.float32, f"{work}/g.onnx")
print("shim adds onnx.mapping:", patch_onnx_mapping())
for name in ("keras", "gluon"):
    exported = native_onnx(sources[name], (1, 8, 8), f"{work}/{name}")
    report = parity(sources[name], exported, x64)
    print(f"{name:6} own exporter -> ONNX: {report.summary()}")
    assert report.max_abs <= 1e-5

# %% [markdown]
# ## 6. MiniLM to ONNX
#
# Lesson 10 optimises MiniLM in ONNX Runtime, so we export it here: inputs `input_ids`,
# `attention_mask` and `token_type_ids` (int64, batch and sequence axes both dynamic), output the
# last hidden state. Sentence embeddings (mean pooling, then L2 normalisation) from ONNX Runtime
# are compared with the torch model's on the 100 help-desk test sentences.

# %%
from zoo_patterns.convert.onnx import minilm_to_onnx, onnx_sentence_embeddings
from zoo_patterns.datasets import helpdesk_task

minilm = zp.load("minilm-l6", adapt=True)
start = time.perf_counter()
minilm_onnx = minilm_to_onnx(f"{work}/minilm/model.onnx", minilm.native, minilm.tokenizer)
export_seconds = time.perf_counter() - start
texts = list(helpdesk_task().test_texts)
cosines = (onnx_sentence_embeddings(minilm_onnx, minilm.tokenizer, texts) * minilm.predict(texts)).sum(axis=1)
print(f"exported in {export_seconds:.1f} s, {minilm_onnx.stat().st_size / 1e6:.1f} MB; cosine to torch: min {cosines.min():.7f}, mean {cosines.mean():.7f}")
assert cosines.min() >= 0.9999

# %% [markdown]
# ## 7. One model, four runtimes
#
# The end result: the zoo's digits CNN running in torch, Keras, Gluon and ONNX Runtime, from one
# set of weights, giving the same predictions on every held-out digit.

# %%
from zoo_patterns.convert import run

runtimes = {"torch": net, **{t: convert(net, t, input_spec=digits_spec) for t in ("keras", "gluon", "onnx")}}
predictions = {name: run(model, split.x_test).argmax(axis=1) for name, model in runtimes.items()}
for name, predicted in predictions.items():
    print(f"{name:6} accuracy {np.mean(predicted == split.y_test):.4f}")
assert all((predicted == predictions["torch"]).all() for predicted in predictions.values())

# %% [markdown]
# From a shell, `python -m zoo_patterns convert digits-cnn-torch --to keras --out DIR` does the same
# and writes a model folder (`zp.load(DIR)` opens it) whose card names the parent (name, version,
# sha256 of its weights), the converter, and the parity it measured. A layer without a rule stops
# it with one line naming the layer (exit code 7); a parity failure exits with 8.

# %% [markdown]
# ## Summary
#
# - Read the architecture first: every framework difference belongs to one kind of layer, so it is
#   written once, in that layer's rule.
# - The convolution rule by hand is two transposes: the kernel OIHW to HWIO with `(2, 3, 1, 0)`,
#   the images NCHW to NHWC with `(0, 2, 3, 1)`. It matched torch to about 1e-7, and the package's
#   rule gave the same kernel bit for bit.
# - One wrong line, `(3, 2, 1, 0)`, raised no error and moved the first layer's outputs by more
#   than half their size; the parity check found it and named layer 0.
# - Each of the four classic mistakes runs and gives plausible numbers; only a parity check on
#   many inputs shows it, and a layer-by-layer one shows where. Stride-2 'same' padding even
#   passes on a stride-1 network.
# - Every route between torch, Keras, Gluon and ONNX, and two round trips, agreed within 1e-5.
#
# **Exercise:** [exercises/09_moving_between_frameworks.ipynb](../exercises/09_moving_between_frameworks.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [10 · Optimising for deployment](10_optimising_for_deployment.ipynb).
