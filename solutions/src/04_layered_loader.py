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
# BEGIN SOLUTION
#> def verify(path, size, sha256):
#>     raise NotImplementedError("check the size, then the sha256")
def verify(path, size, sha256):
    path = Path(path)
    if not path.is_file() or path.stat().st_size != size:
        return False
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest() == sha256
# END SOLUTION


# %% tags=["check"]
q1.check(verify)

# %% [markdown]
# ## Q2 · A resolver for a new scheme
# Write a resolver so that `mirror://NAME` means "NAME in the zoo at `MIRROR`", and register
# it on `loader` (`loader.resolvers.register(...)` returns what you give it). A resolver has
# `supports(request)` and `resolve(request)`; `request.ref` is the string the user typed. The
# check resolves a model it picks at random.

# %%
# BEGIN SOLUTION
#> mirror_resolver = ____
class MirrorResolver:
    def supports(self, request):
        return request.ref.startswith("mirror://")

    def resolve(self, request):
        name = request.ref[len("mirror://"):]
        return IndexResolver().resolve(Request("zoo://" + name, request.offline, MIRROR))


mirror_resolver = loader.resolvers.register(MirrorResolver())
# END SOLUTION

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
# BEGIN SOLUTION
#> repaired = ____
repaired = {
    ("truncated", "stamp"): True,  # the size is part of the stamp
    ("truncated", "full"): True,
    ("one byte changed", "stamp"): True,  # writing changed the modification time
    ("one byte changed", "full"): True,
    ("one byte changed, stamp restored", "stamp"): False,  # size, mtime and inode all match: served
    ("one byte changed, stamp restored", "full"): True,
}
# END SOLUTION

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
# BEGIN SOLUTION
#> predicted = ____
predicted = {
    "digits-cnn": "1.9.0",  # 1.10.0 is yanked and 2.0.0-rc.1 is a pre-release
    "digits-cnn@1.10.0": "1.10.0",  # an exact pin loads a yanked version (with a warning)
    f"digits-cnn@{content_id_of('1.2.0')[:8]}": "1.2.0",  # a content id names one version's bytes
    "digits-cnn@2.0.0-rc.1": "2.0.0-rc.1",
}
# END SOLUTION

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
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. It costs one stat and catches truncated downloads, the commonest damage, without reading
#    the file.
# 2. Bytes changed with the stamp restored: the stamp matches, so the file is served. On a
#    personal cache, where only the loader writes, a changed stamp is the signal that matters
#    and a hit costs a stat. For a shared or untrusted cache use `verify='full'`, or
#    verify on a schedule.
# 3. Fail at once with a clear error naming the model and how to fetch it, rather than time out
#    on the network or silently use another version.
# 4. Delete it, which breaks everyone who pinned it (a class, a paper, a deployed service)
#    without warning; or yank it, which stops new users getting it by a bare name and warns the
#    pinned ones while their pins still load; or leave it, which hurts every new user.
# END SOLUTION
