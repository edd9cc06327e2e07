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
# # 00 · Setup and orientation
#
# **Time:** about 10 minutes; the cells run in about 20 s on a 2-core CPU once the zoo is
# built (building it the first time adds about a minute).
#
# **Prerequisites:** none for the ideas; you can run a Jupyter notebook and read Python.
#
# **You will learn to:**
#
# - check that every framework the lessons use imports and works, and read the doctor's report;
# - choose the device the lessons run on, and override it with `ZOO_PATTERNS_DEVICE`;
# - find where downloads are cached and where the workbook's zoo is built;
# - list the models in the workbook's zoo with their framework, task and size.
#
# This workbook teaches how [model zoos](../docs/glossary.md#model-zoo) (catalogues of
# pretrained models: TensorFlow Hub, PyTorch Hub, the Hugging Face Hub,
# the MXNet Gluon model zoo, timm, torchvision) work by building a small, real one.
# Before the first lesson, this notebook checks that everything it needs is here and shows
# where things live:
#
# 1. the version of every framework, imported for real;
# 2. the device the lessons will use;
# 3. whether the workbook may use the network;
# 4. where downloads are cached and where the workbook's own zoo is built.
#
# The same report is one command away in a terminal: `python -m zoo_patterns doctor`.
#
# Each lesson is a pair of files: a `.py` file in `src/`, the source, and the `.ipynb` notebook
# made from it by [jupytext](../docs/glossary.md#jupytext). The test suite runs every notebook top to
# bottom with [nbval](../docs/glossary.md#nbval), so each `assert` in a lesson is a claim that
# was checked on the day it ran.

# %% [markdown]
# First, silence the frameworks' start-up chatter, so that outputs stay readable.
# `quiet()` must run before TensorFlow or transformers are imported.

# %%
import os

import zoo_patterns as zp
from zoo_patterns import doctor

zp.quiet()

# %% [markdown]
# ## 1. What is installed, imported for real
#
# Each row below comes from importing the package, not only from reading its version:
# a package can be installed and still be broken (MXNet is, on numpy 1.24 and later, until
# `zoo_patterns.compat` repairs it). Look for `BAD` in the first column.

# %%
rows = doctor.checks()
print(doctor.report(rows))
broken = [r.name for r in rows if not r.ok and r.needed_for == "lessons"]
assert not broken, f"These pieces are missing or broken: {broken}. Run `make lab` in the repository."

# %% [markdown]
# ## 2. The device
#
# Every lesson asks `zp.device()` which device to use: `cuda` when torch sees a GPU, else
# `cpu`. The environment variable `ZOO_PATTERNS_DEVICE` overrides the choice, and a value
# the workbook does not know is refused with a message that says what to do.

# **Predict, then run:** the next cell sets `ZOO_PATTERNS_DEVICE` to `"cpu"`, then to `"tpu"`.
# What does `zp.device()` give for each: the value, a fallback to `cpu`, or an error?

# %%
print("device chosen here:", zp.device())

os.environ["ZOO_PATTERNS_DEVICE"] = "cpu"
assert zp.device() == "cpu"

os.environ["ZOO_PATTERNS_DEVICE"] = "tpu"
with zp.expect_error(ValueError):  # the cell fails if "tpu" is ever accepted
    zp.device()
del os.environ["ZOO_PATTERNS_DEVICE"]

# %% [markdown]
# ## 3. Offline status, cache and zoo
#
# The workbook never needs the internet: it uses models shipped inside PyPI packages and
# models it pretrains itself. `ZOO_PATTERNS_OFFLINE=1` forbids the network outright.
# Downloads are cached under your user's cache directory, never in a temp dir that a
# reboot wipes; `ZOO_PATTERNS_CACHE` moves it.

# %%
print("offline mode:", zp.is_offline())
print("cache:       ", zp.cache_dir())
print("zoo:         ", zp.zoo_dir())
print("set by you:  ", {v: os.environ[v] for v in ("ZOO_PATTERNS_CACHE", "ZOO_PATTERNS_ZOO", "ZOO_PATTERNS_MIRROR") if v in os.environ} or "nothing")

# %% [markdown]
# When neither variable is set, both folders sit under your user's own cache and data
# directories (`platformdirs` picks them per operating system), so a second run finds the
# zoo already built. In a classroom, `ZOO_PATTERNS_MIRROR` names the lab's [mirror](../docs/glossary.md#mirror) (a
# served copy of the zoo): `zp.load("NAME")` then fetches from it, while the zoo folder is
# still what the lessons read. (`tests/test_package.py` checks that the default is never a temp dir.)
#
# **Try changing this:** add `os.environ["ZOO_PATTERNS_CACHE"] = "/tmp/zp-cache"` as the first
# line of the cell above and run it again: the cache line moves, the zoo line does not, because
# each setting is read when it is asked for. Remove the line and restart the kernel afterwards.

# %% [markdown]
# The zoo is built on first use (about a minute and a half on a 2-core CPU: it pretrains three
# small CNNs). After that it loads in a moment. Here is what it holds.

# %%
models = zp.list_models()
for name in models:
    c = zp.card(name)
    print(f"{name:<18} {c.framework:<12} {c.task:<26} {c.num_params:>11,} params")
frameworks = {zp.card(n).framework for n in models}
assert {"torch", "keras", "gluon", "transformers", "onnx"} <= frameworks

# %% [markdown]
# ## 4. One compatibility repair, in one place
#
# MXNet 1.9.1 is the last release (Apache retired MXNet in 2023). It reads names that
# numpy has since removed (`np.bool`, `np.int`, ...), and importing it pins torch to one
# thread. `zoo_patterns.compat.import_mxnet()` puts the names back, imports MXNet, and gives
# torch its threads back. Every lesson imports MXNet through it.

# %%
import torch

from zoo_patterns.compat import import_mxnet

threads_before = torch.get_num_threads()
mx = import_mxnet()
print(f"mxnet {mx.__version__}; torch threads before {threads_before}, after {torch.get_num_threads()}")
assert torch.get_num_threads() == threads_before

# %% [markdown]
# ## Summary
#
# - `doctor.checks()` imports every framework for real; a package can be installed and still
#   broken (MXNet on today's numpy), which only an import shows.
# - `zp.device()` picks `cuda` or `cpu`, `ZOO_PATTERNS_DEVICE` overrides it, and an unknown
#   value is refused with a message.
# - Downloads go to `zp.cache_dir()` and the zoo to `zp.zoo_dir()`; two environment variables
#   move them, and nothing needs the network.
# - MXNet is imported through `zoo_patterns.compat.import_mxnet()`, which keeps torch's threads.
#
# ## Running the workbook elsewhere
#
# - **Binder**: the badge in the README builds the environment from `environment.yml`.
# - **Colab**: each lesson's badge opens it in Colab; its first cell installs the workbook
#   and MXNet without touching Colab's own torch and numpy (it does nothing elsewhere).
# - **A GPU**: nothing to change. `zp.device()` picks `cuda` and the torch lessons use it.
#
# **Exercise:** [exercises/00_setup.ipynb](../exercises/00_setup.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [01 · What a model zoo is](01_what_is_a_model_zoo.ipynb).
