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
# # 09 · Moving models between frameworks
#
# The model you need exists, but in another framework. The advice is short: **understand the
# architecture, convert the weights, re-test against the original.** This lesson does all three
# with `zoo_patterns.convert`, which reads a model into a list of layers (in torch's layouts),
# writes it in the target framework with one rule per layer kind, and refuses to hand back a
# model whose outputs differ from the original's by more than 1e-5.
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
# ## 2. Four mistakes, each caught and located
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
# the kernel's axes left in the wrong order, Keras's default BatchNorm epsilon (1e-3, torch uses
# 1e-5), torch's `padding=1` written as Keras `padding="same"` (TensorFlow pads stride-2
# convolutions more at the bottom and right), and a dense kernel transposed without permuting its
# rows for Keras's (H, W, C) flatten order. We swap each into the rule table, convert without the
# built-in check, and run the check ourselves.

# %%
from zoo_patterns.convert.traps import TRAPS

x_probe = probe_inputs((1, 8, 8), n=32)
expected_layer = {"kernel layout": "conv2d", "BatchNorm epsilon": "batchnorm2d", "stride-2 'same' padding": "conv2d", "flatten order": "linear"}
for trap, rules in TRAPS.items():
    wrong = convert(strided, "keras", input_spec=strided_spec, rules=rules, check=False)
    try:
        parity(strided, wrong, x_probe)
        raise AssertionError(f"{trap}: parity did not catch it")
    except ParityError as error:
        report = error.report
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
# ## 3. Every pair, and round trips
#
# The zoo's CNN from torch to Keras, Gluon and ONNX, the zoo's own Keras, Gluon and ONNX models
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
# ## 4. Each framework's own ONNX exporter, and a live break
#
# `convert(..., to="onnx")` goes through torch. Keras and Gluon also have their own exporters.
# Keras 3's `model.export(path, format="onnx")` works (it uses `tf2onnx`, and wants a model that
# has been called once). Gluon's `mx.onnx.export_model` is a compatibility case like lesson 05's
# `tf_keras`: MXNet 1.9.1 imports `onnx.mapping`, which onnx 1.15 removed, and reports it as
# something else entirely.

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
try:
    mx.onnx.export_model(f"{work}/g-symbol.json", f"{work}/g-0000.params", [(1, 1, 8, 8)], np.float32, f"{work}/g.onnx")
    raise AssertionError("mx.onnx.export_model worked without the shim: onnx.mapping is back, or mxnet was fixed")
except ImportError as error:
    print("without the shim:", error)
    assert "Onnx and protobuf need to be installed" in str(error)
print("shim adds onnx.mapping:", patch_onnx_mapping())
for name in ("keras", "gluon"):
    exported = native_onnx(sources[name], (1, 8, 8), f"{work}/{name}")
    report = parity(sources[name], exported, x64)
    print(f"{name:6} own exporter -> ONNX: {report.summary()}")
    assert report.max_abs <= 1e-5

# %% [markdown]
# ## 5. MiniLM to ONNX
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
# ## 6. One model, four runtimes
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
#
# **Takeaways.** Read the architecture first. Every framework difference belongs to one kind of
# layer: write it once, in that layer's rule. Never trust a conversion you have not compared with
# the original on many inputs, and when it fails, compare layer by layer: the first layer that
# differs is where the bug is.
#
# **Exercise:** [exercises/09_moving_between_frameworks.ipynb](../exercises/09_moving_between_frameworks.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [10 · Optimising for deployment](10_optimising_for_deployment.ipynb).
