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
# # 05 · The four hubs
#
# **Time:** about 25 minutes; the cells run in about 20 s on a 2-core CPU.
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
# Loading a hub model **runs the repository's code**: `torch.hub.load` imports `hubconf.py`
# (`torch/hub.py`, `_load_local`). For GitHub sources it asks you to trust the repository first
# (`trust_repo=`, `_check_repo_is_trusted`); `torch.hub.list` and `help` take only a GitHub
# `owner/repo` and have no `source=` argument (`tests/test_claims.py` checks these three facts in
# the installed `torch/hub.py`). Our loader runs this `hubconf.py` only after its sha256 matched
# the zoo's index.

# %% [markdown]
# ## 2. TensorFlow Hub, and the Keras 3 break
#
# TF Hub serves [SavedModels](../docs/glossary.md#savedmodel) (TensorFlow's folder of graph,
# weights and callable signatures). `tensorflow_hub.load` returns the SavedModel object, whose
# signatures you call. This is a *live compatibility lesson*: the installed tensorflow_hub
# needed two repairs just to import here (`zoo_patterns.compat.import_tensorflow_hub`). Its
# `__init__.py` imports `pkg_resources` (in `_ensure_tf_install`), which the installed setuptools
# no longer ships, and under Keras 3 it refuses to import unless the separate `tf_keras` (Keras 2)
# package is installed (`_ensure_keras_2_importable`). `tests/test_claims.py` reads both in the
# installed source and checks that `pkg_resources` is really gone.

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
# `hub.KerasLayer`. It is a Keras **2** layer (`tensorflow_hub/keras_layer.py` does
# `import tf_keras as keras`), and a Keras 3 model refuses it:

# %%
import keras  # noqa: E402

with zp.expect_error(ValueError, match="keras.Layer", quiet=True) as kerasl:
    keras.Sequential([keras.Input((8, 8, 1)), hub.KerasLayer(saved_dir, signature="serving_default", output_key="output_0")])
print("keras", keras.__version__, "says:", str(kerasl.error)[:150], "…")
assert any(base.__module__.startswith("tf_keras") for base in hub.KerasLayer.__mro__)  # a Keras 2 layer

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
# today's framework. tensorflow_hub's Keras layer is written for Keras 2, so inside a Keras 3
# model its models load through TensorFlow's own APIs (`hub.load`, `TFSMLayer`) instead.
#
# **Is a SavedModel safe to load, like a weights file?** No: it is a TensorFlow *program*. Its
# graph may hold any TensorFlow op, file reads and writes included, and calling a signature runs
# them. It runs no Python, which is why it is safer than a pickle, but "no Python" is not "no
# effects". Measured: a SavedModel whose function writes a file, saved, loaded with `hub.load`,
# and called with no arguments.

# %%
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import tensorflow as tf  # noqa: E402

side_effect = Path(tempfile.mkdtemp(prefix="lesson05-")) / "written-by-a-savedmodel.txt"


class Writer(tf.Module):
    @tf.function(input_signature=[])
    def __call__(self):
        tf.io.write_file(str(side_effect), "a SavedModel's graph wrote this file")  # the path is baked into the graph
        return tf.constant(0.0)


tf.saved_model.save(Writer(), str(side_effect.parent / "writer"))
assert not side_effect.exists()
hub.load(str(side_effect.parent / "writer"))()  # load it as a user would, and call it
print("after calling the loaded SavedModel:", side_effect.read_text())
assert side_effect.read_text() == "a SavedModel's graph wrote this file"

# %% [markdown]
# ## 3. Hugging Face
#
# `from_pretrained` reads `config.json` first; the config names the architecture, which picks
# the class (`BertModel` here). Pointed at a local directory it does not touch the network: the
# cell counts every attempt to open a connection (`socket.connect` and name lookups) while it
# loads, and asserts there were none.

# %%
import socket  # noqa: E402

from transformers import AutoModel, AutoTokenizer  # noqa: E402

hf_dir = str(zp.model_dir("minilm-l6"))
attempts, real_connect, real_lookup = [], socket.socket.connect, socket.getaddrinfo


def refuse_connect(sock, address):
    attempts.append(address)
    raise OSError(f"lesson 05 blocked a connection to {address}")


def refuse_lookup(host, *args, **kwargs):
    attempts.append(host)
    raise OSError(f"lesson 05 blocked a name lookup of {host}")


socket.socket.connect, socket.getaddrinfo = refuse_connect, refuse_lookup
try:  # no except: whatever happens, the real functions go back
    (encoder, tokenizer), t_load = timed(lambda: (AutoModel.from_pretrained(hf_dir).eval(), AutoTokenizer.from_pretrained(hf_dir)))
finally:
    socket.socket.connect, socket.getaddrinfo = real_connect, real_lookup
print("connections or lookups attempted while loading from a folder:", attempts)
assert attempts == []
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
# the library**, on every use, a cache hit included (`mxnet/gluon/model_zoo/model_store.py`,
# `get_model_file`; `tests/test_claims.py` calls it on a planted row). torch.hub checks a hash
# only when asked (`check_hash=False` by default, measured in section 6) and TF Hub never does
# (lesson 15 measures both on the wire). The table is also why you cannot drop your own weights
# into its store. So the zoo's own weights go in with `load_parameters`. (MXNet was retired by
# Apache in 2023; `zoo_patterns.compat` keeps 1.9.1 running on today's numpy.)

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
# load in each framework also pays for importing its modules. The Gluon ResNet-18 has a few
# hundred times the parameters of the digits CNN (printed next), hence its longer predict time.

# %%
ratio = zp.card("digits-resnet18-gluon").num_params / zp.card("digits-cnn-torchhub").num_params
print(f"ResNet-18 / digits CNN parameters: {ratio:.0f}x")
assert 100 < ratio < 1000

# %% [markdown]
# **Try changing this:** in the `unified` cell above, pass `layout=None` instead of `"NCHW"` for the
# image models. The SavedModel's adapter now refuses the batch with a `SpecError` that says it
# looks like NCHW and how to fix it, instead of TensorFlow failing inside the graph.

# %% [markdown]
# ## 6. The comparison, side by side
#
# The article *Inside Model Zoo – Understanding Framework Architecture Patterns* compares the
# hubs by ease of use, variety, community and features. The last two columns were measured
# above, in this run, on this machine. The "integrity" column is read from the installed
# clients: torch.hub's defaults are asserted in the next cell, the others are measured in
# lesson 15. "Variety" and "community" describe the public services (as of 2026), not the
# libraries, and are not measured here; Gluon's count is its installed sha1 table.
#
# Read torch.hub's row carefully: `load_state_dict_from_url` calls `torch.load` with
# `weights_only=False` unless you pass `weights_only=True`, so a downloaded checkpoint is fully
# unpickled (which can run code, lesson 15 shows how), and it checks a hash only with
# `check_hash=True`.

# %%
import inspect  # noqa: E402

hub_defaults = inspect.signature(torch.hub.load_state_dict_from_url).parameters
print("torch.hub.load_state_dict_from_url defaults:", {k: hub_defaults[k].default for k in ("check_hash", "weights_only")})
assert hub_defaults["check_hash"].default is False and hub_defaults["weights_only"].default is False
features = {
    "PyTorch Hub": ("one call; code-based entry points", "tens of repos (torchvision, YOLOv5, ...)", "GitHub repos", "repo code runs; trust prompt", "full unpickle and no hash, unless asked"),
    "TensorFlow Hub": ("hub.load; KerasLayer is Keras 2 only", "thousands, now on Kaggle Models", "Google, Kaggle", "SavedModel (a TF program), TF only", "no hash check"),
    "Hugging Face": ("from_pretrained; config picks class", "over a million models", "largest, open", "revisions, offline mode, safetensors", "size check only; blobs named by hash"),
    "Gluon model zoo": ("get_model(name)", f"{len(model_store._model_sha1)} files in its sha1 table", "retired (Apache, 2023)", "sha1 table in the library", "re-hash on every use"),
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
#   them needed repairs here (tensorflow_hub to import at all, MXNet for today's numpy): a zoo's
#   client library ages with its framework.
# - Integrity checking differs widely, from none (TF Hub) to a hash on every use (Gluon);
#   torch.hub hashes and restricts unpickling only when asked.
# - Code-based hubs (PyTorch Hub's `hubconf.py`, `trust_remote_code` on Hugging Face) run Python
#   you did not write, and are a trust decision. A SavedModel runs no Python but is still a
#   program: calling one wrote a file here. Only plain weight files (safetensors) are data.
# - An adapter layer, like `ZooModel`, is what lets one application use all of them; here the
#   unified path gave exactly the accuracies of each hub's own API.
#
# **Exercise:** [exercises/05_four_hubs.ipynb](../exercises/05_four_hubs.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [06 · Choosing a pretrained model](06_choosing_a_model.ipynb).
