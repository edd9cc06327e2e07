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
# # Exercise 05 · The four hubs
#
# Three checked questions: write a PyTorch Hub repository (Q1), put a SavedModel inside Keras 3
# for NCHW callers (Q2), and predict which Gluon model-zoo builds can load a weights file before
# you see it (Q3, committed first). (Hugging Face's hub is lesson 01's `from_pretrained`.)

# %%
import keras
import torch

import zoo_patterns as zp
from zoo_patterns.compat import import_mxnet
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex05 import q1, q2, q3

zp.quiet()
zp.registry()  # builds the workbook zoo on first use
mx = import_mxnet()
from mxnet.gluon.model_zoo import vision

saved_dir = str(zp.model_dir("digits-cnn-savedmodel"))
resnet_dir = zp.model_dir("digits-resnet18-gluon")

# %% [markdown]
# ## Q1 · Write a PyTorch Hub repository
# A PyTorch Hub repository is a folder with a `hubconf.py`. `my_hub` already holds the digits
# CNN's `config.json` and `model.safetensors`. Write `HUBCONF`, the text of its `hubconf.py`
# (the check writes it there): a `dependencies` list and an entry point `digits_cnn(pretrained=True)` that builds the network
# from `config.json` and loads the weights only when `pretrained` is true. The check loads it
# with `torch.hub.load(my_hub, "digits_cnn", source="local")`, with and without weights, and
# again after moving the folder elsewhere with other weights in it.

# %%
import shutil
import tempfile
from pathlib import Path

my_hub = Path(tempfile.mkdtemp(prefix="my-hub-"))
for name in ("config.json", "model.safetensors"):
    shutil.copy(zp.model_dir("digits-cnn-torch") / name, my_hub / name)
print(sorted(p.name for p in my_hub.iterdir()))

# %%
HUBCONF = ____

# %% tags=["check"]
q1.check(my_hub, HUBCONF)

# %% [markdown]
# ## Q2 · A SavedModel inside Keras 3, for NCHW callers
# `hub.KerasLayer` no longer fits in Keras 3 models; `keras.layers.TFSMLayer` does. The
# SavedModel at `saved_dir` (endpoint `serve`) takes NHWC images, (batch, 8, 8, 1), but the rest
# of this workbook passes NCHW, (batch, 1, 8, 8). Build `keras_model`: a Keras 3 model that
# takes NCHW images and gives the SavedModel's outputs (the check tries images of its own too).

# %%
keras_model = ____

# %% tags=["check"]
q2.check(keras_model)

# %% [markdown]
# ## Q3 · Predict, then run: which builds can load the weights?
# `resnet_dir / "model.params"` holds the weights of a Gluon model-zoo ResNet. Gluon builds an
# architecture by name with `vision.get_model(name, classes=..., thumbnail=...)`, then loads a
# file into it. **Predict** which of the five builds in `BUILDS` can load this file: write
# `loads = {label: True or False}`, then run `q3.predict(loads)`: it records your first
# prediction, then tries the five builds and shows what happened beside it.

# %%
from zoo_patterns.exercises.ex05 import BUILDS

print(list(BUILDS))
print((resnet_dir / "config.json").read_text())

# %%
loads = ____

# %% tags=["check"]
q3.predict(loads)

# %% tags=["check"]
q3.check()

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. What does `torch.hub.load` run that loading a safetensors file does not, and what follows
#    for trust?
# 2. Why did `hub.KerasLayer` break in Keras 3, and what replaced it?
# 3. A Gluon `.params` file holds no architecture. Where should the arguments of the build it
#    belongs to live, and why there?

# %%
# Your answers, as comments (or add a markdown cell).
