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
# # Exercise 15 · Inside the hubs' clients
#
# Find a file in the Hugging Face cache without asking the client, predict which clients notice
# a corrupted cache, and write the headers a mirror owes huggingface_hub. The workbook's zoo is
# served on loopback for you, speaking the hubs' protocols; its URL is `MIRROR`.

# %%
import hashlib
import json
import shutil
import tempfile
import urllib.request
from pathlib import Path

import zoo_patterns as zp
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex15 import q1, q2, q3
from zoo_patterns.hub_clients import matrix
from zoo_patterns.loader import ZooServer

zp.quiet()
zp.registry()  # builds the workbook zoo on first use
server = ZooServer(zp.zoo_dir())
MIRROR = server.start()
print("mirror at", MIRROR)

# %% [markdown]
# ## Q1 · Where is the file?
# `hf_hub_download("zoo-patterns/digits-cnn-torch", "model.safetensors")` returns a path in the
# cache. Write `snapshot_path(cache, repo_id, revision, filename)` that computes it for a
# 40-hex `revision`, and set `commit` to the commit that `main` points to on `MIRROR`.

# %%
def snapshot_path(cache, repo_id, revision, filename):
    raise NotImplementedError("build the path in the HF cache")
commit = ____

# %% tags=["check"]
q1.check(snapshot_path, commit, MIRROR)

# %% [markdown]
# ## Q2 · Who notices a corrupted cache?
# A file already in each client's cache has 16 bytes flipped (same size). Which clients notice,
# by raising or by downloading again? Give a set of names from `matrix.CLIENTS`:

# %%
print(list(matrix.CLIENTS))

# %%
notice = ____

# %% tags=["check"]
q2.check(notice)

# %% [markdown]
# Now run it, for two of the clients (each in its own process, a few seconds):

# %%
# NBVAL_IGNORE_OUTPUT
row = "corrupted file already in the cache"
scratch = Path(tempfile.mkdtemp(prefix="exercise-15-", dir=zp.cache_dir()))  # its own caches, removed after
table = matrix.measure(server, zp.zoo_dir(), clients=("huggingface_hub", "zoo loader"), faults=(row,), workdir=scratch)
shutil.rmtree(scratch)
print(matrix.format_table(table))
assert table[row]["zoo loader"][0] == matrix.RECOVERED and table[row]["huggingface_hub"][0] == matrix.SERVED_BAD

# %% [markdown]
# ## Q3 · The headers a mirror owes the client
# Write `resolve_headers(data, commit, weight_file)`: the headers of the answer to
# `HEAD /<repo>/resolve/<rev>/<path>` for a file whose bytes are `data`, so that huggingface_hub
# downloads it and names its blob by the Hub's convention.

# %%
def resolve_headers(data, commit, weight_file):
    raise NotImplementedError("return the headers as a dict")

# %% tags=["check"]
q3.check(resolve_headers)

# %%
server.stop()

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Why must a mirror's commit id change whenever any file changes?
# 2. huggingface_hub stored a corrupted body under the blob named after the right sha256. What would it have had to do to notice?
# 3. Why is MXNet's sha1 table called a trust anchor, and what does it cost a mirror?

# %%
# Your answers, as comments (or add a markdown cell).
