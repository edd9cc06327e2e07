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
# # 04 · The layered loader
#
# **Time:** about 30 minutes; the cells run in about 10 s on a laptop CPU.
#
# **Prerequisites:** lessons 01–03; what a hash (sha256) is, roughly.
#
# **You will learn to:**
#
# - follow a reference through resolve, cache, fetch, verify, decode and build, and say what each layer prevents;
# - show that a corrupted cache file, a tampered download and a hostile [index](../docs/glossary.md#index) are each caught;
# - publish several versions of a model and pin one by [semantic version](../docs/glossary.md#semantic-version) or by [content id](../docs/glossary.md#content-id);
# - [yank](../docs/glossary.md#yank) a bad version without breaking the users who pinned it;
# - compare the loader with torch.hub, TF Hub, huggingface_hub and the Gluon model store.
#
# `zp.load("minilm-l6")` is one line. Underneath, a model travels through six layers,
# and each one exists because real model zoos lost users' time without it:
#
# | layer | what it answers | what goes wrong without it |
# | --- | --- | --- |
# | **resolve** | which files, which bytes (sha256)? | you cannot tell a good file from a bad one |
# | **cache** | do I already have them? | every run downloads again |
# | **fetch** | get the missing bytes, safely | a killed download leaves a half file that looks whole |
# | **verify** | are these *exactly* the promised bytes? | "failed finding central directory", weeks later |
# | **decode** | bytes → framework object | unpickling a stranger's file runs their code |
# | **build** | object → the model you use | every caller re-does the glue |
#
# We serve the workbook's zoo over real HTTP on this machine (loopback), then walk down the
# layers: a first fetch, a cache hit, offline mode, a corrupted file caught and fetched again,
# a tampered file refused, and an index that lies about its paths refused. Then versions: two
# releases of one model side by side, pins, and a yank. Last, we compare with torch.hub, TF Hub,
# huggingface_hub and the Gluon model store, partly live.

# %%
import json
import shutil
import socket
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import zoo_patterns as zp
from zoo_patterns.errors import IntegrityError, OfflineError, UnsafeFormatError, UnsafePathError
from zoo_patterns.loader import DECODERS, Cache, Loader, ZooServer, decode, sha256_file

zp.quiet()

# %% [markdown]
# ## 1. A zoo on the network
#
# `python -m zoo_patterns serve --dir ZOO --port 8765` serves a built zoo the way a hub does:
# plain files plus an `index.json` listing each file's size and sha256. Here the same server
# runs in a background thread. The lesson's cache is its own folder under your user cache
# directory (never a temp dir), emptied first so that the first fetch is a real download.

# %%
zp.registry()  # builds the workbook zoo on first use
server = ZooServer(zp.zoo_dir())
url = server.start()
cache = Cache(zp.cache_dir() / "lesson-04")
shutil.rmtree(cache.root, ignore_errors=True)
loader = Loader(zoo=url, cache=cache)
print("zoo served at", url)
print("cache at     ", cache.root)

# %% [markdown]
# ## 2. Resolve: a name becomes a manifest
#
# A reference can be `zoo://name@version`, an `http(s)://` or `file://` URL, or a model folder.
# A chain of resolvers (TF Hub's design) tries each in turn. Resolving reads only the small
# index: here is what `minilm-l6` promises, file by file (the [manifest](../docs/glossary.md#manifest)).

# %%
manifest = loader.resolve("minilm-l6")
print(f"{manifest.name} {manifest.version}  format={manifest.format}  {len(manifest.files)} files")
for f in sorted(manifest.files, key=lambda f: -f.size)[:5]:
    print(f"  {f.path:28} {f.size:>11,} B  sha256 {f.sha256[:16]}…")
print("resolvers:", [type(r).__name__ for r in loader.resolvers.resolvers])
assert all(len(f.sha256) == 64 for f in manifest.files)

# %% [markdown]
# ## 3. Fetch: the first download
#
# Each file streams into its own temporary file while its sha256 is computed; only a complete,
# verified file is renamed into `blobs/<sha256>`. Watch the progress bar.

# %%
t0 = time.perf_counter()
first = loader.fetch("minilm-l6")
t_first = time.perf_counter() - t0
size_mb = sum(f.size for f in first.manifest.files) / 1e6
print(f"downloaded {len(first.downloaded)} files, {size_mb:.1f} MB in {t_first:.2f} s ({size_mb / t_first:.0f} MB/s)")
assert len(first.downloaded) == len(manifest.files)

# %% [markdown]
# The cache is content-addressed, like huggingface_hub's: every file once under its hash
# (`blobs/`), a record of what a name resolved to (`refs/`), and the model folder that
# decoders read (`snapshots/`, hard links to the blobs, so no second copy on disk).

# %%
for part in ("blobs", "refs", "snapshots"):
    entries = sorted(p.name for p in (cache.root / part).iterdir())
    print(f"{part + '/':11} {len(entries):2} entries, e.g. {entries[0][:40]}")
print("snapshot folder:", first.folder.relative_to(cache.root))

# %% [markdown]
# ## 4. A cache hit
#
# Fetch again. The index is read (to see whether the model changed), but no file is
# downloaded. Each file is checked by its *stamp* (size, modification time, inode) recorded
# when it was last hashed in full: one `stat` per file instead of reading 90 MB.

# %% tags=["timing"] measure={"first fetch / cache hit": "t_first / t_hit"}
opened = loader.fetcher.requests
t0 = time.perf_counter()
hit = loader.fetch("minilm-l6")
t_hit = time.perf_counter() - t0
print(f"cache hit in {t_hit * 1e3:.1f} ms, {t_first / t_hit:.0f}x faster than the first fetch")
assert hit.from_cache and loader.fetcher.requests == opened  # no file was requested
assert t_hit < t_first / 5

# %% [markdown]
# ## 5. Decode and build
#
# Decoding picks a decoder by the card's format. Every registered format is one that cannot
# run code while loading; a pickle is refused.

# %%
print("formats:", ", ".join(sorted(DECODERS)))
encoder = loader.load("minilm-l6")
print(type(encoder).__name__, f"{sum(p.numel() for p in encoder.parameters()) / 1e6:.1f}M parameters,",
      "hidden size", encoder.config.hidden_size)
assert encoder.config.hidden_size == zp.card("minilm-l6").outputs[0].shape[1]  # the object matches its card

# %% [markdown]
# Here is why pickles are refused: this file, once unpickled, writes a file of its own choosing.
# A real attack would do worse. The loader never unpickles it, and nothing is written.

# %%
import pickle  # noqa: E402

evil = cache.root / "evil-model"
evil.mkdir(exist_ok=True)
marker = cache.root / "I-ran-code.txt"


class Payload:
    def __reduce__(self):
        return (Path.write_text, (marker, "pwned"))  # pickle.load would call this


(evil / "model.pkl").write_bytes(pickle.dumps(Payload()))
try:
    decode(evil)  # the format is detected from the files: "pickle"
except UnsafeFormatError as exc:
    print("refused:", str(exc)[:140], "…")
assert not marker.exists()

# %% [markdown]
# ## 6. Offline mode
#
# With `offline=True` (or `ZOO_PATTERNS_OFFLINE=1`) the loader never opens a socket: the
# manifest comes from the cache's refs. To *prove* it, we make every socket connection
# raise for the duration of the cell.

# %%
@contextmanager
def network_forbidden():
    real = socket.socket.connect

    def refuse(self, address):
        raise AssertionError(f"offline code tried to connect to {address}")

    socket.socket.connect = refuse
    try:
        yield
    finally:
        socket.socket.connect = real


offline = Loader(zoo=url, cache=cache, offline=True)
with network_forbidden():
    cached = offline.fetch("minilm-l6")
    print("cached model, offline:", cached.folder.name, "from cache:", cached.from_cache)
    try:
        offline.fetch("digits-cnn-torch")
    except OfflineError as exc:
        offline_message = str(exc)
print("uncached model, offline:\n ", offline_message)
assert cached.from_cache and "digits-cnn-torch" in offline_message and "offline mode is on" in offline_message

# %% [markdown]
# ## 7. A corrupted file is caught and fetched again
#
# Disks fill up, processes get killed mid-write, people "fix" files by hand. We flip one byte
# of the cached weights. Its stamp no longer matches, so the loader hashes it in full, finds
# the damage, deletes the bad copy and downloads a good one.

# %%
weights = hit.folder / "model.safetensors"
with open(weights, "r+b") as f:
    f.seek(1_000_000)
    byte = f.read(1)
    f.seek(1_000_000)
    f.write(bytes([byte[0] ^ 0xFF]))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    repaired = loader.fetch("minilm-l6")
print("warning:", str(caught[0].message)[:120], "…")
print("repaired:", repaired.repaired, " downloaded again:", repaired.downloaded)
assert repaired.repaired == ("model.safetensors",) and repaired.downloaded == ("model.safetensors",)
assert sha256_file(repaired.folder / "model.safetensors") == next(
    f.sha256 for f in manifest.files if f.path == "model.safetensors"
)

# %% [markdown]
# ## 8. A tampered file is refused
#
# Now the *server* is wrong: a mirror serves weights whose bytes differ from what its index
# promises (a tampered or half-synchronised mirror). The download is hashed as it arrives,
# the mismatch raises `IntegrityError` with both hashes, and nothing enters the cache.

# %%
mirror = cache.root.parent / "lesson-04-mirror"
shutil.rmtree(mirror, ignore_errors=True)
shutil.copytree(zp.zoo_dir(), mirror, ignore=shutil.ignore_patterns("minilm-l6", "silero-*"))
bad = mirror / "digits-cnn-torch" / "1.0.0" / "model.safetensors"
data = bytearray(bad.read_bytes())
data[-1] ^= 0xFF  # one bit of one weight
bad.write_bytes(bytes(data))
with ZooServer(mirror) as mirror_url:
    try:
        Loader(zoo=mirror_url, cache=cache, progress=False).fetch("digits-cnn-torch")
    except IntegrityError as exc:
        refused = exc
print(str(refused)[:200], "…")
assert refused.expected != refused.actual
assert not cache.blob(refused.expected).exists() and not list((cache.root / "tmp").iterdir())
shutil.rmtree(mirror)

# %% [markdown]
# ## 9. A hostile index is refused
#
# The index itself is somebody else's file: a classroom mirror, a colleague's folder, a server.
# An index is untrusted input, just as an archive is. Here a copy of the zoo's index gains one
# entry for `digits-cnn-keras`: a path that climbs out of the zoo with `..` to a file of yours,
# with that file's true size and sha256, so no hash check can tell it from a real one.

# %%
secret = cache.root.parent / "lesson-04-secret.txt"
secret.write_text("a file of yours that no zoo should reach\n")
hostile = cache.root.parent / "lesson-04-hostile-zoo"
shutil.rmtree(hostile, ignore_errors=True)
hostile.mkdir()
index = json.loads((zp.zoo_dir() / "index.json").read_text())
keras = next(m for m in index["models"] if m["name"] == "digits-cnn-keras")
keras["files"].append({"path": "../" + secret.name, "size": secret.stat().st_size, "sha256": sha256_file(secret)})
(hostile / "index.json").write_text(json.dumps(index))
print("the added entry:", keras["files"][-1])
joined = (hostile / keras["files"][-1]["path"]).resolve()
print("joined to the zoo folder, it is", joined)
assert joined == secret.resolve() and not joined.is_relative_to(hostile)  # a naive join reaches your file

# %% [markdown]
# A loader that trusted the index would copy that file into its cache and list it as part of
# the model; one more `..` inside the model's own folder would make it *write* anywhere you
# can. Ours checks every path, name, version, size and hash when it parses the index, before
# anything is read or written. It refuses the whole index with `UnsafePathError`, naming the
# model, the path and the rule, and the command line exits 6 (an unsafe file) in one line.

# %%
hostile_cache = Cache(cache.root.parent / "lesson-04-hostile-cache")
shutil.rmtree(hostile_cache.root, ignore_errors=True)
try:
    Loader(zoo=hostile, cache=hostile_cache, progress=False).fetch("digits-cnn-keras")
except UnsafePathError as exc:
    unsafe = exc
print(str(unsafe)[:230], "…")
assert "'digits-cnn-keras'" in str(unsafe) and "'..' component" in str(unsafe)
assert not hostile_cache.root.exists()  # nothing read, nothing written: the cache was not even created
cli = subprocess.run(
    [sys.executable, "-m", "zoo_patterns", "fetch", "digits-cnn-keras", "--zoo", str(hostile), "--cache", str(hostile_cache.root)],
    capture_output=True,
    text=True,
)
print("exit", cli.returncode, "|", cli.stderr.strip()[:120], "…")
assert cli.returncode == 6 and len(cli.stderr.strip().splitlines()) == 1 and not hostile_cache.root.exists()
shutil.rmtree(hostile)
secret.unlink()

# %% [markdown]
# ## 10. Versions and pins
#
# A zoo keeps every version it ever published, each in its own folder `NAME/VERSION/` that is never
# rewritten, and `index.json` lists them all. torchvision has `IMAGENET1K_V1` and `V2`, timm has
# `arch.tag`, TF Hub `/1` and `/2`, the Hugging Face Hub commits and tags; here a reference says
# which one:
#
# | reference | means |
# | --- | --- |
# | `digits-cnn` | the newest version, in semantic-version order, that is not yanked |
# | `digits-cnn@1.9.0` | exactly that version |
# | `digits-cnn@3f2a9c1e` | exactly that content: the sha1 of the version's sorted "path sha256" lines (7 to 40 hex digits) |
#
# We publish the zoo's digits CNN as version 1.9.0 of a zoo of our own, then a retrained release
# (one more epoch) as 1.10.0.
#
# **Predict, then run:** as strings, `"1.10.0" < "1.9.0"`. Which version will the bare name
# `digits-cnn` load?

# %%
from zoo_patterns.datasets import digits_task
from zoo_patterns.errors import PublishError, VersionNotFoundError
from zoo_patterns.models import torch_digits
from zoo_patterns.zoo import publish, read_index
from zoo_patterns.zoo.publishing import yank

versions_zoo = cache.root.parent / "lesson-04-versions-zoo"
shutil.rmtree(versions_zoo, ignore_errors=True)
card = zp.card("digits-cnn-torch").replace(name="digits-cnn", files=(), description="")
released = zp.load("digits-cnn-torch", zoo=url, cache=cache, progress=False)
v19 = publish(released, card.replace(version="1.9.0"), zoo=versions_zoo)
retrained = zp.load("digits-cnn-torch", zoo=url, cache=cache, progress=False)
torch_digits.train(retrained, digits_task(seed=0), epochs=1, seed=1)  # a real new release: other weights
v110 = publish(retrained, card.replace(version="1.10.0"), zoo=versions_zoo)
for m in read_index(versions_zoo)["models"]:
    print(f"{m['name']}@{m['version']:7} content id {m['content_id'][:12]}  {m['card']}")
listed = subprocess.run(
    [sys.executable, "-m", "zoo_patterns", "list", "--all-versions", "--zoo", str(versions_zoo)], capture_output=True, text=True
)
print(listed.stdout)
assert sorted(["1.9.0", "1.10.0"]) == ["1.10.0", "1.9.0"]  # string order gets it wrong


def first_weight(ref):
    model = zp.load(ref, zoo=versions_zoo, cache=cache, progress=False)
    return next(model.parameters()).detach().flatten()[0].item()


newest, pinned = first_weight("digits-cnn"), first_weight("digits-cnn@1.9.0")
by_id = first_weight(f"digits-cnn@{v19['content_id'][:10]}")
print(f"digits-cnn -> {newest:.6f}   @1.9.0 -> {pinned:.6f}   @{v19['content_id'][:10]} -> {by_id:.6f}")
assert newest == next(retrained.parameters()).detach().flatten()[0].item(), "a bare name is 1.10.0, the newest by semver"
assert pinned == by_id == next(released.parameters()).detach().flatten()[0].item(), "a pin is exactly 1.9.0"

# %% [markdown]
# A published version never changes. Publishing the same `name@version` again with the same bytes is
# a no-op that says so; with other bytes it is refused, and the message names the next free version.
# An unknown version fails in one line that lists the versions there (exit 2 from the command line).
# The two versions share `config.json` byte for byte, so the cache holds it once: blobs are named
# by their content, not by their version.

# %%
again = publish(released, card.replace(version="1.9.0"), zoo=versions_zoo)
print("the same bytes again:", "no-op" if again.get("unchanged") else "published")
try:
    publish(retrained, card.replace(version="1.9.0"), zoo=versions_zoo)
except PublishError as exc:
    print("other bytes under 1.9.0:", str(exc)[:150], "…")
else:
    raise AssertionError("a published version was rewritten")
try:
    zp.load("digits-cnn@2.0.0", zoo=versions_zoo, cache=cache, progress=False)
except VersionNotFoundError as exc:
    print("unknown version:", exc)
configs = {f["sha256"] for m in read_index(versions_zoo)["models"] for f in m["files"] if f["path"].endswith("config.json")}
assert again["unchanged"] and len(configs) == 1 and cache.blob(configs.pop()).exists()

# %% [markdown]
# Suppose 1.10.0 turns out to be bad. Deleting it would break everyone who pinned it; a **yank**
# (PyPI's word) is recorded in the index instead: a bare name skips it, and an exact pin still
# loads it, with a warning. A teacher pins a class to `digits-cnn@1.9.0` (or its content id) and
# the lesson keeps working whatever is published later.
#
# **Try changing this:** yank 1.9.0 too (`yank("digits-cnn@1.9.0", ...)`) and load the bare name.
# What should a loader do when every version is yanked?

# %%
yank("digits-cnn@1.10.0", zoo=versions_zoo, reason="retrained on one seed only; use 1.9.0")
print("after the yank, digits-cnn ->", first_weight("digits-cnn"))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    still = first_weight("digits-cnn@1.10.0")
print("pinned 1.10.0 still loads:", still, "|", str(caught[0].message)[:90], "…")
assert first_weight("digits-cnn") == pinned and still == newest and "is yanked" in str(caught[0].message)

# %% [markdown]
# ## 11. How the real hubs behave, one failure at a time
#
# torch.hub first, live: `load_state_dict_from_url` caches a checkpoint by file name and,
# on later calls, loads whatever is there. We serve a checkpoint, let torch.hub download it,
# then truncate its cached copy, as a killed download or a full disk would.

# %%
import torch  # noqa: E402

hub_root = cache.root / "torch-hub-demo"
(hub_root / "served").mkdir(parents=True, exist_ok=True)
(hub_root / "served" / "index.json").write_text('{"models": []}')
torch.save({"w": torch.randn(256, 256)}, hub_root / "served" / "tiny.pth")
with ZooServer(hub_root / "served") as hub_url:
    state = torch.hub.load_state_dict_from_url(hub_url + "tiny.pth", model_dir=str(hub_root / "cache"), progress=False)
    cached_file = hub_root / "cache" / "tiny.pth"
    with open(cached_file, "r+b") as f:
        f.truncate(cached_file.stat().st_size // 2)
    try:
        torch.hub.load_state_dict_from_url(hub_url + "tiny.pth", model_dir=str(hub_root / "cache"), progress=False)
        torch_hub_error = None
    except RuntimeError as exc:
        torch_hub_error = str(exc).splitlines()[0]
print("torch.hub on its truncated cache file:", torch_hub_error)
assert torch_hub_error is not None and "central directory" in torch_hub_error
shutil.rmtree(hub_root)

# %% [markdown]
# torch.hub never re-downloads: the user must find and delete the file. That error message is
# one of the most reported problems in PyTorch's issue tracker. Our loader, in section 7,
# noticed and repaired the same damage by itself. The whole picture, from each library's
# documented behaviour (torch.hub's row is the one just shown live; lesson 15 measures every
# client against the same faults, live, and its table replaces this one where they differ):
#
# | case | torch.hub | TF Hub | huggingface_hub | Gluon model store | this loader |
# | --- | --- | --- | --- | --- | --- |
# | first fetch | download, progress bar; hash only if `check_hash=True` (prefix in file name) | download and extract archive, lock file with owner | temp file per download, then rename; sha256 of LFS files | download, sha1 from a table in the library | stream + sha256 on arrival, temp file + `os.replace` |
# | cache hit | file exists → use it | folder exists → use it | blob exists → use it | **re-hash on every hit** | stamp, full re-hash when it changed |
# | offline | `torch.hub.load(source="local")` only | no offline switch | `HF_HUB_OFFLINE=1`, no network | only if the file is there | `offline=True`, no socket at all |
# | corrupted cache file | loads it → "failed finding central directory" | loads it → parse error | loads it (no re-check) | detects, downloads again | detects, downloads again (section 7) |
# | hash mismatch on download | only with `check_hash=True` | no hash to compare | not noticed: only the size is checked, so a same-length corrupt body is stored as the blob named after the expected hash (lesson 15) | raises, retries | raises `IntegrityError`, nothing cached (section 8) |
# | several processes | race on one temp name | lock file, stale locks taken over | per-process temp files | race | per-process temp files + advisory lock, stale locks taken over |
# | pickles | `weights_only=True` default since torch 2.6 | not applicable (SavedModel) | safetensors preferred; a `.bin` is read with `weights_only=True` | `.params` (not a pickle) | refused; `torch.load` only with `weights_only=True` |
#
# Each cell in the last column is a test in `tests/test_loader.py`, run against a loopback
# server that truncates, corrupts, stalls or disappears on request.

# %% [markdown]
# ## 12. The one-liner again
#
# Every layer above runs inside `zp.load`. A learner meets the one-liner first; now you know
# what it guarantees.

# %%
cnn = zp.load("digits-cnn-torch", zoo=url, cache=cache, progress=False)
from zoo_patterns.datasets import digits_task  # noqa: E402

split = digits_task(seed=0)
with torch.no_grad():
    acc = (cnn(torch.from_numpy(split.x_test)).argmax(1).numpy() == split.y_test).mean()
print(f"digits-cnn-torch through every layer: test accuracy {acc:.3f} (card says {zp.card('digits-cnn-torch').metric('accuracy'):.3f})")
assert abs(acc - zp.card("digits-cnn-torch").metric("accuracy")) < 1e-6
server.stop()

# %% [markdown]
# ## Summary
#
# - Six layers, each for a failure seen in real zoos: resolve (which bytes), cache (content-addressed
#   blobs), fetch (temp file, then rename), verify (sha256 on arrival, stamps on a hit), decode (no
#   pickles), build (the facade).
# - A cache hit needs no download (the measured speed-up is printed in section 4); a corrupted cache
#   file is fetched again, a tampered download and a hostile index are refused before anything is written.
# - Versions: every version kept, never rewritten; a bare name means the newest by semantic version,
#   a pin (`@1.9.0` or a content id) means exactly one; a yank withdraws a version without breaking pins.
# - The hubs' own clients differ on each failure; lesson 15 measures them against this loader.
#
# **Exercise:** [exercises/04_layered_loader.ipynb](../exercises/04_layered_loader.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [05 · The four hubs](05_four_hubs.ipynb).
