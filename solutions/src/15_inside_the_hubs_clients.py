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
# # Exercise 15 · Inside the hubs' clients
#
# Three checked questions: find a file in the Hugging Face cache without asking the client (Q1),
# predict which clients notice a corrupted cache (Q2, "predict, then run": `q2.predict(...)`
# records your first prediction before it runs every client, and `q2.check()` scores that first
# prediction), and write the headers a mirror owes huggingface_hub (Q3). Three review questions at
# the end are not checked. The workbook's zoo is served on loopback for you, speaking the hubs'
# protocols; its URL is `MIRROR`.

# %%
import hashlib
import json
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
# BEGIN SOLUTION
#> def snapshot_path(cache, repo_id, revision, filename):
#>     raise NotImplementedError("build the path in the HF cache")
#> commit = ____
def snapshot_path(cache, repo_id, revision, filename):
    return Path(cache) / ("models--" + repo_id.replace("/", "--")) / "snapshots" / revision / filename


commit = json.loads(urllib.request.urlopen(MIRROR + "api/models/zoo-patterns/digits-cnn-torch/revision/main").read())["sha"]
# END SOLUTION

# %% tags=["check"]
q1.check(snapshot_path, commit, MIRROR)

# %% [markdown]
# ## Q2 · Predict, then run: who notices a corrupted cache?
# A file already in each client's cache has 16 bytes flipped (same size). **Predict**, for each
# client in `matrix.CLIENTS`, whether it notices (`True`: it raises, or downloads the file again)
# or serves the corrupted bytes (`False`). `q2.predict(predicted)` records your first prediction,
# then runs every client, each in its own process with its own cache (about a minute), and shows
# both.

# %%
print(list(matrix.CLIENTS))

# %%
# BEGIN SOLUTION
#> predicted = ____  # {client: True or False, ...} for every client above
predicted = {
    "huggingface_hub": False,  # a cache hit is only looked up, never hashed
    "tensorflow_hub": False,
    "mxnet_store": True,  # re-hashes against the sha1 table inside the library, on every use
    "torch.hub": False,
    "torch.hub check_hash": False,  # check_hash applies to a download, not to a cache hit
    "zoo loader": True,  # hashes every cache hit against the index
}
# END SOLUTION

# %% tags=["check"]
q2.predict(predicted)

# %% tags=["check"]
q2.check()

# %% [markdown]
# ## Q3 · The headers a mirror owes the client
# Write `resolve_headers(data, commit, weight_file)`: the headers of the answer to
# `HEAD /<repo>/resolve/<rev>/<path>` for a file whose bytes are `data`, so that huggingface_hub
# downloads it and names its blob by the Hub's convention.

# %%
# BEGIN SOLUTION
#> def resolve_headers(data, commit, weight_file):
#>     raise NotImplementedError("return the headers as a dict")
def resolve_headers(data, commit, weight_file):
    if weight_file:
        tag = hashlib.sha256(data).hexdigest()
    else:
        tag = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    return {"X-Repo-Commit": commit, "ETag": f'"{tag}"', "Content-Length": str(len(data))}
# END SOLUTION

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
# 2. What would a client have to do to notice a corrupted file already in its cache, and what
#    does that cost on every load?
# 3. What is a client's trust anchor, where does MXNet's live, and what does it cost a mirror?

# %%
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. The client never asks again about a commit it has cached, and remembers missing files per
#    commit: a changed file under an old commit id would never be fetched.
# 2. Hash the cached file again on every cache hit and compare it with a hash it trusts (the
#    index's sha256, or a table inside the library); that costs reading the whole file on every
#    load. huggingface_hub names the blob by its ETag but never hashes it again.
# 3. The hash a client trusts without asking the server: MXNet's sha1 table inside the library.
#    Every other check derives from it: the store accepts only bytes whose sha1 the installed
#    library holds. A mirror can therefore serve only models whose rows are in the table; a new
#    model needs a new row (a library release, or add_to_model_store).
# END SOLUTION
