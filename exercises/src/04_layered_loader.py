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
# # Exercise 04 · The layered loader
#
# Four checked questions: write the verify step (Q1) and a resolver for a new scheme (Q2), then
# two predictions that you commit before you see the runs: which damage a cache serves (Q3, a
# diagnosis) and which version each reference means (Q4).
# A mirror of the workbook zoo is served on loopback for you; its URL is `MIRROR`.

# %%
import hashlib
import shutil
from pathlib import Path

import zoo_patterns as zp
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex04 import DAMAGES, MODES, VERSIONS, content_id_of, q1, q2, q3, q4, references
from zoo_patterns.loader import Cache, IndexResolver, Loader, Request, ZooServer

zp.quiet()
zp.registry()  # builds the workbook zoo on first use
server = ZooServer(zp.zoo_dir())
MIRROR = server.start()
cache = Cache(zp.cache_dir() / "exercise-04")
shutil.rmtree(cache.root, ignore_errors=True)
loader = Loader(zoo=MIRROR, cache=cache, progress=False)
loader.fetch("digits-cnn-torch")
print("mirror at", MIRROR)

# %% [markdown]
# ## Q1 · The verify step
# Write `verify(path, size, sha256)`: `True` when the file at `path` has exactly `size` bytes
# whose sha256 is `sha256`, else `False` (a missing file too). Read it in chunks: model files
# can be larger than memory. The check makes its own files, with names and bytes it draws.

# %%
def verify(path, size, sha256):
    raise NotImplementedError("check the size, then the sha256")


# %% tags=["check"]
q1.check(verify)

# %% [markdown]
# ## Q2 · A resolver for a new scheme
# Write a resolver so that `mirror://NAME` means "NAME in the zoo at `MIRROR`", and register
# it on `loader` (`loader.resolvers.register(...)` returns what you give it). A resolver has
# `supports(request)` and `resolve(request)`; `request.ref` is the string the user typed. The
# check resolves a model it picks at random.

# %%
mirror_resolver = ____

# %% tags=["check"]
q2.check(mirror_resolver, loader)

# %% [markdown]
# ## Q3 · Diagnose: which damage does the cache serve?
# torch.hub and TF Hub only check that a cached file exists, so a truncated download is served
# for ever. This loader checks a *stamp* on every hit (`verify="stamp"`, the default) or
# re-hashes every file (`verify="full"`). The run caches `digits-cnn-torch`, damages its weights
# in one of three ways (`DAMAGES`) and fetches again: `True` when the loader repaired the file,
# `False` when it served the damaged one. **Predict** all six outcomes as
# `repaired = {(damage, mode): True or False}`, from `stamp()` in `zoo_patterns/loader/verify.py`,
# then run `q3.predict(repaired)`: it records your first prediction, then runs the six.

# %%
print(DAMAGES, MODES)

# %%
repaired = ____

# %% tags=["check"]
q3.predict(repaired)

# %% tags=["check"]
q3.check()

# %% [markdown]
# ## Q4 · Predict, then run: which version does each reference mean?
#
# A zoo holds four versions of `digits-cnn`: `VERSIONS` maps each to its yank reason (or None),
# and `content_id_of(version)` gives each version's content id. **Predict** what each of
# `references()` resolves to, as `predicted = {reference: version}`, then run
# `q4.predict(predicted)`: it records your first prediction, then resolves them.

# %%
print(VERSIONS)
print(references())

# %%
predicted = ____

# %% tags=["check"]
q4.predict(predicted)

# %% tags=["check"]
q4.check()

# %%
server.stop()

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Why check the size before the hash?
# 2. Which of Q3's damages does the default check let through, and when is that acceptable?
#    What would you do for a shared cache?
# 3. What should offline mode do with a model that is not cached?
# 4. A published version turns out to be broken. What can the zoo's maintainers do about it,
#    and whom does each choice hurt?

# %%
# Your answers, as comments (or add a markdown cell).
