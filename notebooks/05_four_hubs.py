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
# # 05 · The four hubs
#
# **Time:** about 25 minutes; the cells run in about 15 s on a laptop CPU.
#
# **Prerequisites:** lessons 03 (adapters) and 04 (the loader); you have seen a torch and a
# Keras model called.
#
# **You will learn to:**
#
# - load a model through each hub's own API: PyTorch Hub, TensorFlow Hub, Hugging Face, Gluon;
# - explain why `hub.KerasLayer` fails under Keras 3, and use `keras.layers.TFSMLayer` instead;
# - compare how the hubs check what they load, from no check to a hash on every use;
# - put all four behind one registry and one `predict()`, and check the answers do not change.
#
# The article *Inside Model Zoo – Understanding Framework Architecture Patterns* compares four
# model-zoo systems: **PyTorch Hub**, **TensorFlow Hub**, the **Hugging Face Hub** and the
# **MXNet Gluon model zoo**. Here each one runs for real, through
# its own API, on models from the workbook's zoo (no internet needed: every hub is pointed at
# a local source, which each of them supports). Then all four go behind one registry and one
# `ZooModel` interface, and we measure load and predict times side by side.
#
# | hub | its API, as used here | the zoo entry |
# | --- | --- | --- |
# | PyTorch Hub | `torch.hub.load(repo_dir, "digits_cnn", source="local")` | `digits-cnn-torchhub`: a `hubconf.py` repository |
# | TensorFlow Hub | `tensorflow_hub.load(dir)`, and Keras 3's `keras.layers.TFSMLayer` | `digits-cnn-savedmodel`: a SavedModel |
# | Hugging Face | `AutoModel.from_pretrained(dir)` + `AutoTokenizer` | `minilm-l6`: an HF model directory |
# | Gluon model zoo | `vision.get_model("resnet18_v1", ...)` + `load_parameters` | `digits-resnet18-gluon` |

# %%
import time

import numpy as np

import zoo_patterns as zp
from zoo_patterns.datasets import digits_task

zp.quiet()
zp.registry()  # builds the workbook zoo on first use
split = digits_task(seed=0)
timings = {}  # hub -> (load seconds, predict seconds), filled as we go


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


# %% [markdown]
# ## 1. PyTorch Hub
#
# A PyTorch Hub "repository" is a folder (normally a GitHub repo) with a `hubconf.py` whose
# functions are the entry points. `torch.hub.load` imports that file and calls one. The zoo
# generated this one:

# %%
import torch  # noqa: E402

repo = zp.model_dir("digits-cnn-torchhub")
print((repo / "hubconf.py").read_text().split('"""')[1].strip())
net, t_load = timed(lambda: torch.hub.load(str(repo), "digits_cnn", source="local").eval())
with torch.no_grad():
    logits, t_pred = timed(lambda: net(torch.from_numpy(split.x_test)).numpy())
timings["PyTorch Hub"] = (t_load, t_pred, float((logits.argmax(1) == split.y_test).mean()))
print(type(net).__name__, f"accuracy {timings['PyTorch Hub'][2]:.3f}")
assert timings["PyTorch Hub"][2] > 0.95

# %% [markdown]
# Loading a hub model **runs the repository's code**. For GitHub sources torch.hub asks you to
# trust the repository first (`trust_repo=`); `torch.hub.list` and `help` only work on GitHub.
# Our loader runs this `hubconf.py` only after its sha256 matched the zoo's index.

# %% [markdown]
# ## 2. TensorFlow Hub, and the Keras 3 break
#
# TF Hub serves [SavedModels](../docs/glossary.md#savedmodel) (TensorFlow's folder of graph,
# weights and callable signatures). `tensorflow_hub.load` returns the SavedModel object, whose
# signatures you call. This is a *live compatibility lesson*: tensorflow_hub 0.16 predates
# Keras 3 and needed two repairs just to import here (`zoo_patterns.compat.import_tensorflow_hub`):
# it imports `pkg_resources`, which setuptools removed, and it requires the separate `tf_keras`
# (Keras 2) package.

# %%
from zoo_patterns.compat import import_tensorflow_hub  # noqa: E402

hub = import_tensorflow_hub()
saved_dir = str(zp.model_dir("digits-cnn-savedmodel"))
x_nhwc = split.nhwc().x_test  # TensorFlow models are channels-last
loaded, t_load = timed(lambda: hub.load(saved_dir))
out_hub, t_pred = timed(lambda: loaded.serve(x_nhwc).numpy())
timings["TensorFlow Hub"] = (t_load, t_pred, float((out_hub.argmax(1) == split.y_test).mean()))
print("tensorflow_hub", hub.__version__, "-> signatures:", list(loaded.signatures), f"accuracy {timings['TensorFlow Hub'][2]:.3f}")

# %% [markdown]
# Now the break. For years the way to put a TF Hub model *inside* a Keras model was
# `hub.KerasLayer`. It is a Keras **2** layer (`tf_keras`), and a Keras 3 model refuses it:

# %%
import keras  # noqa: E402

try:
    keras.Sequential([keras.Input((8, 8, 1)), hub.KerasLayer(saved_dir, signature="serving_default", output_key="output_0")])
    kerasl_error = None
except ValueError as exc:
    kerasl_error = str(exc)
print("keras", keras.__version__, "says:", kerasl_error[:150], "…")
assert kerasl_error is not None and "keras.Layer" in kerasl_error

# %% [markdown]
# The Keras 3 way is `keras.layers.TFSMLayer`, which wraps a SavedModel endpoint as a Keras 3
# layer. Same file, same numbers:

# %%
layer = keras.layers.TFSMLayer(saved_dir, call_endpoint="serve")
inputs = keras.Input((8, 8, 1))
wrapped = keras.Model(inputs, layer(inputs))
out_tfsm = np.asarray(wrapped(x_nhwc))
print("max |TFSMLayer - hub.load| =", float(np.abs(out_tfsm - out_hub).max()))
assert np.abs(out_tfsm - out_hub).max() <= 1e-6

# %% [markdown]
# The lesson generalises: a hub is only as usable as its client library's compatibility with
# today's framework. TF Hub's library has had no release since Keras 3; its models still load,
# but through TensorFlow's own APIs. (Kaggle Models now hosts the TF Hub catalogue.)

# %% [markdown]
# ## 3. Hugging Face
#
# `from_pretrained` reads `config.json` first; the config names the architecture, which picks
# the class (`BertModel` here). Pointed at a local directory it never touches the network.

# %%
from transformers import AutoModel, AutoTokenizer  # noqa: E402

hf_dir = str(zp.model_dir("minilm-l6"))
(encoder, tokenizer), t_load = timed(lambda: (AutoModel.from_pretrained(hf_dir).eval(), AutoTokenizer.from_pretrained(hf_dir)))
sentences = ["My parcel has not arrived yet.", "The delivery still hasn't shown up.", "How do I reset my password?"]
with torch.no_grad():
    batch = tokenizer(sentences, padding=True, return_tensors="pt")
    hidden, t_pred = timed(lambda: encoder(**batch).last_hidden_state)
mask = batch["attention_mask"].unsqueeze(-1)
emb = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
paraphrase_gap = float(emb[0] @ emb[1] - emb[0] @ emb[2])
timings["Hugging Face"] = (t_load, t_pred, None)
print(type(encoder).__name__, "hidden size", encoder.config.hidden_size, f"paraphrase beats unrelated by {paraphrase_gap:.2f}")
assert paraphrase_gap > 0.3

# %% [markdown]
# ## 4. The MXNet Gluon model zoo
#
# Gluon's zoo is a function, `get_model(name, **kwargs)`, over the architectures MXNet ships.
# `pretrained=True` would fetch Apache's weights and check them against a **sha1 table inside
# the library**, on every use: a hash check that torch.hub and TF Hub do not do by default,
# and also why you cannot drop your own weights into its store. So the zoo's own weights go in
# with `load_parameters`. (MXNet was retired by Apache in 2023; `zoo_patterns.compat` keeps
# 1.9.1 running on today's numpy.)

# %%
from zoo_patterns.compat import import_mxnet  # noqa: E402

mx = import_mxnet()
from mxnet.gluon.model_zoo import model_store, vision  # noqa: E402

resnet_dir = zp.model_dir("digits-resnet18-gluon")


def gluon_load():
    block = vision.get_model("resnet18_v1", classes=5, thumbnail=True)  # thumbnail: small-image variant
    block.load_parameters(str(resnet_dir / "model.params"), ctx=mx.cpu())
    return block


resnet, t_load = timed(gluon_load)
out_gluon, t_pred = timed(lambda: resnet(mx.nd.array(split.x_test)).asnumpy())
timings["Gluon model zoo"] = (t_load, t_pred, float((out_gluon.argmax(1) == split.y_test).mean()))
print(f"resnet18_v1: accuracy {timings['Gluon model zoo'][2]:.3f};",
      f"the library's sha1 table knows {len(model_store._model_sha1)} pretrained files,",
      "e.g. resnet18_v1 ->", model_store._model_sha1["resnet18_v1"][:12], "…")
assert timings["Gluon model zoo"][2] > 0.9

# %% [markdown]
# ## 5. One registry, one loader, one interface
#
# Each hub above needed its own API, tensor type and layout. Through the workbook's registry
# and loader (lesson 04) with its adapters (lesson 03), all four are one call each, and the
# same NCHW batch goes into every image model ([NCHW, NHWC](../docs/glossary.md#nchw-nhwc)):
# the SavedModel's adapter transposes it to NHWC.
#
# **Predict, then run:** the adapters add a spec check and a layout conversion. Will each
# image model's accuracy through `zp.load(..., adapt=True)` equal the accuracy its hub's own
# API gave above exactly, or differ in the last digits?

# %%
hub_entries = {
    "PyTorch Hub": "digits-cnn-torchhub",
    "TensorFlow Hub": "digits-cnn-savedmodel",
    "Hugging Face": "minilm-l6",
    "Gluon model zoo": "digits-resnet18-gluon",
}
unified = {}
for hub_name, entry in hub_entries.items():
    card = zp.card(entry)
    model, t_load = timed(lambda entry=entry: zp.load(entry, adapt=True, progress=False))
    data = sentences if card.inputs[0].dtype == "str" else split.x_test
    out, t_pred = timed(lambda model=model, data=data: model.predict(data, layout=None if isinstance(data, list) else "NCHW"))
    acc = None if isinstance(data, list) else float((out.argmax(1) == split.y_test).mean())
    unified[hub_name] = (entry, card.format, type(model).__name__, t_load, t_pred, acc)
print(f"{'hub':16} {'zoo entry':22} {'format':16} {'adapter':18} {'load ms':>8} {'predict ms':>10} {'accuracy':>8}")
for hub_name, (entry, fmt, adapter, t_load, t_pred, acc) in unified.items():
    shown = f"{acc:.3f}" if acc is not None else "-"
    print(f"{hub_name:16} {entry:22} {fmt:16} {adapter:18} {t_load * 1e3:>8.1f} {t_pred * 1e3:>10.1f} {shown:>8}")
for hub_name, (*_, acc) in unified.items():
    own = timings[hub_name][2]
    assert acc == own, f"{hub_name}: the unified path must give the hub's own answers"

# %% [markdown]
# The accuracies match each hub's own API exactly (asserted): the adapters add a spec check and
# a layout conversion, nothing else. The times are from this one run on this machine, so read
# them as orders of magnitude. They differ by what each format must rebuild (a traced graph
# for the SavedModel, a Python module for torch.hub, a tokenizer for the text model); the first
# load in each framework also pays for importing its modules. The Gluon ResNet-18 has about
# 300 times the parameters of the digits CNN, hence its longer predict time.
#
# **Try changing this:** in the cell above, pass `layout=None` instead of `"NCHW"` for the
# image models. The SavedModel's adapter now refuses the batch with a `SpecError` that says it
# looks like NCHW and how to fix it, instead of TensorFlow failing inside the graph.

# %% [markdown]
# ## 6. The comparison, side by side
#
# The article *Inside Model Zoo – Understanding Framework Architecture Patterns* compares the
# hubs by ease of use, variety, community and features. The last
# two columns were measured above, in this run, on this machine; the rest describe each
# hub's public catalogue and client library.

# %%
features = {
    "PyTorch Hub": ("one call; code-based entry points", "tens of repos (torchvision, YOLOv5, ...)", "GitHub repos", "repo code runs; trust prompt", "weights_only torch.load; hash only if asked"),
    "TensorFlow Hub": ("hub.load; KerasLayer broken on Keras 3", "thousands, now on Kaggle Models", "Google, Kaggle", "SavedModel, TF only", "no hash check"),
    "Hugging Face": ("from_pretrained; config picks class", "over a million models", "largest, open", "revisions, offline mode, safetensors", "content-addressed cache"),
    "Gluon model zoo": ("get_model(name)", "about 30 vision nets", "retired (Apache, 2023)", "sha1 table in the library", "re-hash on every use"),
}
header = f"{'hub':16} | {'ease of use':40} | {'variety':40} | {'community':22} | {'features':36} | {'integrity':43} | load ms | predict ms"
print(header)
print("-" * len(header))
for hub_name, cols in features.items():
    t_load, t_pred, _ = timings[hub_name]
    print(f"{hub_name:16} | {cols[0]:40} | {cols[1]:40} | {cols[2]:22} | {cols[3]:36} | {cols[4]:43} | {t_load * 1e3:7.1f} | {t_pred * 1e3:10.1f}")
assert set(features) == set(timings) == set(unified)

# %% [markdown]
# ## Summary
#
# - All four hubs can work offline from a local source, but each needs its own API, and two of
#   them (TF Hub, Gluon) are frozen: a zoo's client library ages with its framework.
# - Integrity checking differs widely, from none (TF Hub) to a hash on every use (Gluon).
# - Code-based hubs (PyTorch Hub, `trust_remote_code` on Hugging Face) are flexible and a trust
#   decision; file-based ones (SavedModel, safetensors) are not.
# - An adapter layer, like `ZooModel`, is what lets one application use all of them; here the
#   unified path gave exactly the accuracies of each hub's own API.
#
# **Exercise:** [exercises/05_four_hubs.ipynb](../exercises/05_four_hubs.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [06 · Choosing a pretrained model](06_choosing_a_model.ipynb).
