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
# # Exercise 05 · The four hubs
#
# Load zoo models through three hubs' own APIs: PyTorch Hub, a SavedModel inside Keras 3, and
# the Gluon model zoo. (The Hugging Face one is lesson 01's `from_pretrained`.)

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
# ## Q1 · PyTorch Hub
# `zp.model_dir("digits-cnn-torchhub")` is a PyTorch Hub repository with an entry point named
# `digits_cnn`. Load the pretrained network with `torch.hub.load`, from the local folder.

# %%
hub_net = ____

# %% tags=["check"]
q1.check(hub_net)

# %% [markdown]
# ## Q2 · A SavedModel inside Keras 3
# `hub.KerasLayer` no longer fits in Keras 3 models. Build `keras_model`, a Keras 3 model whose
# one layer runs the SavedModel at `saved_dir` (its endpoint is called `serve`; input 8x8x1).

# %%
keras_model = ____

# %% tags=["check"]
q2.check(keras_model)

# %% [markdown]
# ## Q3 · The Gluon model zoo
# `resnet_dir` holds the weights of `resnet18_v1` from Gluon's model zoo, built with 5 classes
# and the small-image variant (`thumbnail=True`). Build it with `vision.get_model` and load them.

# %%
resnet = ____

# %% tags=["check"]
q3.check(resnet)
