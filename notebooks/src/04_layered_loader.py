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
# # 04 · The layered loader
#
# **Time:** about 40 minutes; the cells run in about 20 s on a 2-core CPU.
#
# **Prerequisites:** lessons 01–03; what a hash (sha256) is, roughly.
#
# **You will learn to:**
#
# - write a loader in about 40 lines (a path rule, a streaming sha256, a temp file and `os.replace`, a check on every cache hit) and check the package's `Loader` against it;
# - follow a reference through resolve, cache, fetch, verify, decode and build, and say what each layer prevents;
# - show that a corrupted cache file, a damaged download and a hostile [index](../docs/glossary.md#index) are each caught;
# - publish several versions of a model, pin one by [semantic version](../docs/glossary.md#semantic-version) or by [content id](../docs/glossary.md#content-id), and [yank](../docs/glossary.md#yank) a bad one;
# - compare the loader with torch.hub, TF Hub, huggingface_hub and the Gluon model store, from measurements and from their source.
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
# We serve the workbook's zoo over real HTTP on this machine (loopback) and first write a
# loader by hand, small enough to read in one screen. Then the package's `Loader` does the same
# job, and we check that it gives the same bytes and refuses the same damage, and draw its layers
# from a real fetch. Then versions: two releases of one model side by side, pins, and a yank.
# Last, we compare with torch.hub, TF Hub, huggingface_hub and the Gluon model store.

# %%
import filecmp
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from contextlib import contextmanager
from pathlib import Path

import matplotlib.pyplot as plt

import zoo_patterns as zp
from zoo_patterns import expect_error
from zoo_patterns.errors import IntegrityError, NetworkError, OfflineError, UnsafeFormatError, UnsafePathError
from zoo_patterns.loader import DECODERS, Cache, Loader, ZooServer, decode, sha256_file

zp.quiet()

# %% [markdown]
# ## 1. A zoo on the network
#
# `python -m zoo_patterns serve --dir ZOO --port 8765` serves a built zoo the way a hub does:
# plain files plus an `index.json` listing each file's path, size and sha256. Here the same
# server runs in a background thread. The lesson's caches are their own folders under your user
# cache directory (never a temp dir), emptied first so that the first fetch is a real download.

# %%
zp.registry()  # builds the workbook zoo on first use
server = ZooServer(zp.zoo_dir())
url = server.start()
print("zoo served at", url)
entry = next(m for m in json.loads((zp.zoo_dir() / "index.json").read_text())["models"] if m["name"] == "digits-cnn-torch")
print("one entry of index.json:", json.dumps(entry["files"][-1]))

# %% [markdown]
# ## 2. A loader by hand
#
# Four jobs, each a few lines of plain Python:
#
# 1. **Resolve with a path rule.** Read `index.json` and take the model's files. The index is
#    somebody else's file, so every path must be relative, without `..`, and inside the
#    version's own folder `NAME/VERSION/`, checked for *all* the model's files before any is read.
# 2. **Stream with a running hash.** Read the download in blocks, write each block to a temporary
#    file in the cache folder and feed it to a sha256 as it passes: one pass, never the whole file in memory.
# 3. **Commit atomically.** Only when size and hash match, `os.replace` the temp file to
#    `blobs/<sha256>`. A rename within one folder tree is atomic: a reader sees no blob or the whole
#    blob, never half of one. The blob is named by its content (content-addressed), so a wrong
#    name is impossible and two models sharing a file share one blob.
# 4. **Verify on a hit.** A blob already there is hashed again before it is trusted; a damaged one
#    is deleted and fetched again.

# %%
def plain_path(path, folder):
    """The path rule: relative, no '..', inside folder ('NAME/VERSION'); returns the path inside it."""
    parts = path.split("/")
    if path.startswith("/") or "\\" in path:
        why = "it is absolute, or holds a backslash"
    elif ".." in parts:
        why = "it has a '..' component, which climbs out of the folder it is joined to"
    elif parts[:2] != folder.split("/") or len(parts) < 3:
        why = f"it is not inside the version's folder {folder}/"
    else:
        return "/".join(parts[2:])
    raise UnsafePathError(f"the index lists {path!r}: {why}. Refused before any file was read.")


def resolve_by_hand(zoo_url, name):
    with urllib.request.urlopen(zoo_url + "index.json") as response:
        models = [m for m in json.load(response)["models"] if m["name"] == name]
    newest = max(models, key=lambda m: [int(n) for n in m["version"].split(".")])  # plain x.y.z versions only
    folder = f"{name}/{newest['version']}"
    return {plain_path(f["path"], folder): f for f in newest["files"]}  # every path checked first


def fetch_by_hand(url, size, sha256, root):
    """Returns (blob, downloaded?)."""
    blob = root / "blobs" / sha256
    if blob.exists():
        with open(blob, "rb") as f:
            if hashlib.file_digest(f, "sha256").hexdigest() == sha256:  # a hit is re-hashed in full
                return blob, False
        blob.unlink()  # damaged on disk: fetch it again
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    (root / "blobs").mkdir(exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=root / "tmp", suffix=".incomplete")  # one name per download
    digest, got = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(url) as response, os.fdopen(fd, "wb") as out:
            while block := response.read(1 << 20):
                out.write(block)
                digest.update(block)  # the hash runs as the bytes arrive
                got += len(block)
        if (got, digest.hexdigest()) != (size, sha256):
            raise IntegrityError(f"the download of {url}", f"{size} B, sha256 {sha256[:12]}…",
                                 f"{got} B, sha256 {digest.hexdigest()[:12]}…", "Nothing was cached.")
        os.replace(temp, blob)  # atomic: all of the blob or none of it
    finally:
        Path(temp).unlink(missing_ok=True)  # gone after the replace; removed on any failure
    return blob, True


def load_by_hand(zoo_url, name, root):
    files = resolve_by_hand(zoo_url, name)
    return {inner: fetch_by_hand(zoo_url + f["path"], f["size"], f["sha256"], root) for inner, f in files.items()}


# %% [markdown]
# Run it twice: a first fetch downloads every file; the second finds every blob and re-hashes it.

# %%
by_hand = zp.cache_dir() / "lesson-04-by-hand"
shutil.rmtree(by_hand, ignore_errors=True)
t0 = time.perf_counter()
hand = load_by_hand(url, "minilm-l6", by_hand)
t_hand = time.perf_counter() - t0
t0 = time.perf_counter()
hand_hit = load_by_hand(url, "minilm-l6", by_hand)
t_hand_hit = time.perf_counter() - t0
print(f"by hand: {sum(d for _, d in hand.values())} files downloaded in {t_hand:.2f} s; "
      f"again: {sum(d for _, d in hand_hit.values())} downloaded, every blob re-hashed, in {t_hand_hit * 1e3:.0f} ms")
print("its cache:", sorted(p.name for p in by_hand.iterdir()), "| tmp/ holds", len(list((by_hand / "tmp").iterdir())), "files")
assert all(downloaded for _, downloaded in hand.values()) and not any(downloaded for _, downloaded in hand_hit.values())
assert not list((by_hand / "tmp").iterdir())  # every temp file became a blob

# %% [markdown]
# ## 3. The package's loader: resolve
#
# The package's `Loader` does these jobs in separate layers, each an object you can swap. A
# reference can be `zoo://name@version`, an `http(s)://` or `file://` URL, or a model folder; a
# chain of resolvers (TF Hub's design) tries each in turn. Resolving reads only the small
# index: here is what `minilm-l6` promises, file by file (the [manifest](../docs/glossary.md#manifest)),
# the same files our hand-written resolver found.

# %%
cache = Cache(zp.cache_dir() / "lesson-04")
shutil.rmtree(cache.root, ignore_errors=True)
loader = Loader(zoo=url, cache=cache)
manifest = loader.resolve("minilm-l6")
print(f"{manifest.name} {manifest.version}  format={manifest.format}  {len(manifest.files)} files")
for f in sorted(manifest.files, key=lambda f: -f.size)[:5]:
    print(f"  {f.path:28} {f.size:>11,} B  sha256 {f.sha256[:16]}…")
print("resolvers:", [type(r).__name__ for r in loader.resolvers.resolvers])
assert {f.path: f.sha256 for f in manifest.files} == {path: blob.name for path, (blob, _) in hand.items()}

# %% [markdown]
# ## 4. Fetch: the first download, the same bytes
#
# The package's fetcher does what `fetch_by_hand` does (a temp file per download, a running
# sha256, `os.replace` into `blobs/<sha256>`), and adds retries that resume with an HTTP `Range`
# request, a lock so that two processes do not download one file twice, and a progress bar.

# %%
t0 = time.perf_counter()
first = loader.fetch("minilm-l6")
t_first = time.perf_counter() - t0
size_mb = sum(f.size for f in first.manifest.files) / 1e6
print(f"downloaded {len(first.downloaded)} files, {size_mb:.1f} MB in {t_first:.2f} s ({size_mb / t_first:.0f} MB/s)")
same = [filecmp.cmp(hand[f.path][0], first.folder / f.path, shallow=False) for f in manifest.files]
print(f"byte for byte equal to the hand-written loader's files: {sum(same)} of {len(same)}")
assert len(first.downloaded) == len(manifest.files) and all(same)

# %% [markdown]
# ## 5. The layers, drawn from a real fetch
#
# To see the request go down the layers and the bytes come up, we record a real fetch: each
# layer object's methods are wrapped to note who asked what and what came back, and the
# server's request log says what crossed the network. The model is the small `digits-cnn-torch`,
# fetched with a fresh `Loader` on the same cache, then decoded.

# %%
trace, lanes = [], ["you", "decode", "resolve", "cache", "fetch + verify", "server"]
asked_server = len(server.requests)


def network(lane):
    """Add the server's answers since the last call, as asked by ``lane``."""
    global asked_server
    for line in server.requests[asked_server:]:  # 'GET /path 200 range=- bytes=N'
        method, path, status, _, sent = line.split()
        trace.append((lane, "server", f"{method} {path.rsplit('/', 1)[-1]}"))
        trace.append(("server", lane, f"{int(sent.split('=')[1]):,} B"))
    asked_server = len(server.requests)


def traced(lane, call, ask, answer, stack=["you"]):  # noqa: B006 (one call stack for all wrappers)
    def wrapper(*args, **kwargs):
        network(stack[-1])
        trace.append((stack[-1], lane, ask(*args)))
        stack.append(lane)
        try:
            result = call(*args, **kwargs)
            network(lane)
        finally:
            stack.pop()
        trace.append((lane, stack[-1], answer(result)))
        return result

    return wrapper


watched = Loader(zoo=url, cache=Cache(cache.root), progress=False)
watched.resolvers.resolve = traced("resolve", watched.resolvers.resolve, lambda r: f"resolve {r.ref}", lambda m: f"manifest: {len(m.files)} files")
watched.fetcher.fetch = traced("fetch + verify", watched.fetcher.fetch, lambda f, *_: f"fetch {f.path}", lambda p: f"blob {p.name[:8]}… (sha256 ok)")
watched.cache.commit_blob = traced("cache", watched.cache.commit_blob, lambda t, h: f"os.replace → blobs/{h[:8]}…", lambda p: "stored")
watched.cache.make_snapshot = traced("cache", watched.cache.make_snapshot, lambda m, **_: "make snapshot", lambda p: f"snapshots/…/{p.name}")
snapshot = watched.fetch("digits-cnn-torch")
cnn_native = traced("decode", decode, lambda folder, fmt: f"decode {fmt}", lambda m: type(m).__name__)(snapshot.folder, snapshot.manifest.format)
for step in trace:
    print(f"{step[0]:>15} → {step[1]:15} {step[2]}")

# %% [markdown]
# The picture is that list, one arrow per line: time runs left to right, requests go down the
# layers (orange), bytes and answers come back up (blue). The row names are the real objects.

# %%
names = {"resolve": type(watched.resolvers).__name__, "cache": f"{type(watched.cache).__name__}",
         "fetch + verify": type(watched.fetcher).__name__, "server": type(server).__name__, "decode": decode.__name__ + "()", "you": "Loader.fetch"}
fig, ax = plt.subplots(figsize=(12, 4.6))
y = {lane: -i for i, lane in enumerate(lanes)}
for i, (src, dst, label) in enumerate(trace):
    down = y[dst] < y[src]
    ax.annotate("", xy=(i, y[dst]), xytext=(i, y[src]), arrowprops={"arrowstyle": "->", "color": "tab:orange" if down else "tab:blue", "lw": 1.4})
    ax.text(i + 0.12, (y[src] + y[dst]) / 2, label, rotation=90, va="center", fontsize=6.5, color="0.25")
ax.set_yticks(list(y.values()), [f"{lane}\n{names[lane]}" for lane in lanes], fontsize=8)
ax.set_xticks([])
ax.set_xlim(-0.6, len(trace))
ax.grid(axis="y", color="0.9")
ax.set_title(f"A real fetch of {snapshot.manifest.name}: requests go down (orange), bytes come up (blue)")
plt.tight_layout()
plt.show()
commits = [i for i, (_, dst, label) in enumerate(trace) if label.startswith("os.replace")]
gets = [i for i, (src, dst, label) in enumerate(trace) if dst == "server" and src == "fetch + verify"]
assert trace[0][1] == "resolve" and len(commits) == len(gets) == len(snapshot.manifest.files)
assert all(g < c for g, c in zip(gets, commits, strict=True))  # each file is downloaded and hashed before it enters the cache
assert trace[-1] == ("decode", "you", type(cnn_native).__name__)

# %% [markdown]
# The cache is content-addressed, like huggingface_hub's: every file once under its hash
# (`blobs/`), a record of what a name resolved to (`refs/`), and the model folders that
# decoders read (`snapshots/`). Drawn from the real folder: each snapshot file is joined to the
# blob that has the same inode, that is, the same file on disk (a hard link, so no second copy).

# %%
snap_files = sorted(p for p in (cache.root / "snapshots").rglob("*") if p.is_file() and not p.name.endswith(".stamps.json"))
blobs = sorted((cache.root / "blobs").iterdir())  # by name, which is the sha256 of the content
refs = sorted(str(p.relative_to(cache.root)) for p in (cache.root / "refs").rglob("*.json"))
row = {p.stat().st_ino: i for i, p in enumerate(blobs)}
fig, ax = plt.subplots(figsize=(11, 0.28 * max(len(snap_files), len(blobs)) + 1.2))
for i, p in enumerate(snap_files):
    ax.text(0, -i, str(p.relative_to(cache.root / "snapshots"))[:70], ha="right", va="center", fontsize=7)
    ax.plot([0.05, 0.95], [-i, -row[p.stat().st_ino]], color="tab:green", lw=0.8)
for j, b in enumerate(blobs):
    ax.text(1, -j, f"blobs/{b.name[:16]}…  {b.stat().st_size:>11,} B", va="center", fontsize=7, family="monospace")
ax.text(0, 1.2, "snapshots/", ha="right", weight="bold")
ax.text(1, 1.2, "blobs/ (named by sha256)", weight="bold")
ax.text(-1.6, -len(snap_files) - 0.5, "refs/: " + ", ".join(refs), fontsize=7, va="top")
ax.set_xlim(-1.6, 2.2)
ax.axis("off")
plt.tight_layout()
plt.show()
assert len(row) == len(blobs) and all(p.stat().st_ino in row for p in snap_files)  # every snapshot file is a blob
assert all(sha256_file(b) == b.name for b in blobs if b.stat().st_size < 1e6)  # small blobs, re-hashed: named by content

# %% [markdown]
# ## 6. A cache hit: a stamp instead of a re-hash
#
# Fetch again. The index is read (to see whether the model changed), but no file is
# downloaded. Our hand-written loader re-hashed every blob on a hit (the Gluon model store does
# the same, section 13). The package checks each file's *stamp* instead: size, modification time
# and inode, recorded when the file was last hashed in full. One `stat` per file instead of
# reading 90 MB; when a stamp differs, the file is hashed in full (section 9). Here is the stamp
# of the weights, from the snapshot's stamps file:

# %% tags=["timing"] measure={"first fetch / cache hit": "t_first / t_hit"}
opened = loader.fetcher.requests
t0 = time.perf_counter()
hit = loader.fetch("minilm-l6")
t_hit = time.perf_counter() - t0
stamps = json.loads(cache.stamps_file(manifest).read_text())
weights = hit.folder / "model.safetensors"
print("stamp of model.safetensors [sha256, size, mtime_ns, inode]:", [s[:12] + "…" if isinstance(s, str) else s for s in stamps[str(weights)]])
print(f"cache hit in {t_hit * 1e3:.1f} ms ({t_first / t_hit:.0f}x faster than the first fetch); "
      f"the hand-written loader's hit, re-hashing: {t_hand_hit * 1e3:.0f} ms")
assert hit.from_cache and loader.fetcher.requests == opened  # no file was requested
assert stamps[str(weights)][1:] == [weights.stat().st_size, weights.stat().st_mtime_ns, weights.stat().st_ino]
assert t_hit < t_first / 5

# %% [markdown]
# **Try changing this:** make a second loader with `Loader(zoo=url, cache=cache, verify="full")`
# and time its cache hit. It re-hashes every file, as `fetch_by_hand` does: how does its time
# compare with the two printed above?

# %% [markdown]
# ## 7. Decode and build
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
with expect_error(UnsafeFormatError):
    decode(evil)  # the format is detected from the files: "pickle"
assert not marker.exists()

# %% [markdown]
# ## 8. Offline mode
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
    with expect_error(OfflineError, match="offline mode is on") as caught:
        offline.fetch("digits-cnn-onnx")
assert cached.from_cache and "digits-cnn-onnx" in str(caught.error)

# %% [markdown]
# ## 9. A corrupted file is caught and fetched again
#
# Disks fill up, processes get killed mid-write, people "fix" files by hand. We flip one byte
# of the cached weights in both caches. The package's stamp no longer matches, so it hashes the
# file in full, finds the damage, deletes the bad copy and downloads a good one; the hand-written
# loader re-hashes on every hit anyway and does the same.

# %%
def flip_byte(path, offset=1_000_000):
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))


flip_byte(weights)
flip_byte(hand["model.safetensors"][0])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    repaired = loader.fetch("minilm-l6")
hand_repaired = load_by_hand(url, "minilm-l6", by_hand)
print("warning:", str(caught[0].message)[:120], "…")
print("Loader downloaded again:", repaired.downloaded, "| by hand:", [p for p, (_, d) in hand_repaired.items() if d])
assert repaired.repaired == ("model.safetensors",) and repaired.downloaded == ("model.safetensors",)
assert [p for p, (_, d) in hand_repaired.items() if d] == ["model.safetensors"]
assert filecmp.cmp(hand_repaired["model.safetensors"][0], repaired.folder / "model.safetensors", shallow=False)
assert sha256_file(repaired.folder / "model.safetensors") == next(f.sha256 for f in manifest.files if f.path == "model.safetensors")

# %% [markdown]
# ## 10. Damage from the server: both loaders refuse it
#
# Now the *server* is wrong. The lesson's server can inject faults: `truncate` serves half of a
# file (a mirror that copied half of it), `corrupt` serves the same length with bytes in the
# middle flipped (a bad disk, a tampered mirror). Both loaders hash the download as it arrives.
#
# **Predict, then run:** a truncated body is short, so the size check fails at once, but the
# package's fetcher first *retries* it. Why might a short body be worth a retry when a wrong hash
# is not?

# %%
keras_file = next(f for f in loader.resolve("digits-cnn-keras").files if f.path == "model.keras")
damage = {}
for kind in ("truncate", "corrupt"):
    fault = server.fault("/digits-cnn-keras/*/model.keras", kind)
    with expect_error(IntegrityError) as by_hand_error:  # each prints the message a user would read
        load_by_hand(url, "digits-cnn-keras", by_hand)
    with expect_error(IntegrityError, NetworkError) as loader_error:
        Loader(zoo=url, cache=cache, progress=False, backoff=0.01).fetch("digits-cnn-keras")
    server.remove_fault(fault)
    damage[kind] = (by_hand_error.error, loader_error.error)
print(f"\n{'served':10} {'by hand':16} {'Loader':16} cached by either")
for kind, (h, p) in damage.items():
    print(f"{kind:10} {type(h).__name__:16} {type(p).__name__:16} nothing")
for root in (by_hand, cache.root):  # nothing entered either cache, and no temp file was left behind
    assert not (root / "blobs" / keras_file.sha256).exists() and not list((root / "tmp").glob("*.incomplete")), root
assert "wrong sha256" in str(damage["corrupt"][1]) and isinstance(damage["truncate"][1], NetworkError)

# %% [markdown]
# Both refused both. They differ in one way: a short body may be a dropped connection, so the
# package's fetcher asks again, for the missing bytes only (an HTTP `Range` request), and gives up
# with a `NetworkError` after its retries; a wrong hash is never retried. `fetch_by_hand` gives up
# at once with the size mismatch.

# %% [markdown]
# ## 11. A hostile index is refused
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
# can. Our hand-written resolver checks every path of the model before it reads any file. The
# package checks more, and earlier: every path, name, version, size and hash of *every* model when
# it parses the index, so one bad entry refuses the whole index with `UnsafePathError`, naming
# the model, the path and the rule; the command line exits 6 (an unsafe file) in one line.

# %%
with expect_error(UnsafePathError, match="'..'"):
    load_by_hand(hostile.as_uri() + "/", "digits-cnn-keras", by_hand)
hostile_cache = Cache(cache.root.parent / "lesson-04-hostile-cache")
shutil.rmtree(hostile_cache.root, ignore_errors=True)
with expect_error(UnsafePathError, match="'..' component") as caught:
    Loader(zoo=hostile, cache=hostile_cache, progress=False).fetch("digits-cnn-keras")
assert "'digits-cnn-keras'" in str(caught.error) and not (by_hand / "blobs" / sha256_file(secret)).exists()
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
# ## 12. Versions and pins
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
with expect_error(PublishError) as rewrite:  # other bytes under 1.9.0
    publish(retrained, card.replace(version="1.9.0"), zoo=versions_zoo)
with expect_error(VersionNotFoundError, match="1.9.0"):  # the message lists the versions there
    zp.load("digits-cnn@2.0.0", zoo=versions_zoo, cache=cache, progress=False)
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
# ## 13. How the real hubs behave, one failure at a time
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
hub_server = ZooServer(hub_root / "served")
hub_url = hub_server.start()
state = torch.hub.load_state_dict_from_url(hub_url + "tiny.pth", model_dir=str(hub_root / "cache"), progress=False)
cached_file = hub_root / "cache" / "tiny.pth"
with open(cached_file, "r+b") as f:
    f.truncate(cached_file.stat().st_size // 2)
with expect_error(RuntimeError, match="central directory"):
    torch.hub.load_state_dict_from_url(hub_url + "tiny.pth", model_dir=str(hub_root / "cache"), progress=False)
print("requests torch.hub made:", hub_server.requests)
assert len(hub_server.requests) == 1  # the second call did not download again: it trusted the file it had

# %% [markdown]
# torch.hub did not download again (one request in its server's log): the user must find and delete the file. Our loader, in
# section 9, noticed and repaired the same damage by itself.
#
# Lesson 15 runs each hub's own client (huggingface_hub, tensorflow_hub, MXNet's model store,
# torch.hub with and without `check_hash`) and this loader against one server that injects the
# same four faults, live, and records what each user got. Its measured matrix lives in
# `zoo_patterns.hub_clients.matrix`; lesson 15 and the test suite measure it again and fail,
# naming the cell, when a client release changes one. These are its rows:

# %%
from zoo_patterns.hub_clients import matrix  # noqa: E402

clients = list(next(iter(matrix.EXPECTED.values())))
print(f"{'fault':36}" + "".join(f"{c:>29}" for c in clients))
for fault, cells in matrix.EXPECTED.items():
    print(f"{fault:36}" + "".join(f"{cells[c]:>29}" for c in clients))
print("\nraised: the call failed, the next one (fault gone) was right; recovered: right bytes anyway;\n"
      "served bad bytes: wrong bytes, no error; left bad bytes in the cache: the next call is still wrong.")
assert all(matrix.EXPECTED[f]["zoo loader"] in (matrix.RAISED, matrix.RECOVERED) for f in matrix.FAULTS)
assert matrix.EXPECTED["same-length corrupted body"]["huggingface_hub"] == matrix.SERVED_BAD  # only the size is checked
assert matrix.EXPECTED["corrupted file already in the cache"]["mxnet_store"] == matrix.RECOVERED  # re-hashed on every hit

# %% [markdown]
# How each client does what the matrix shows, read in the installed libraries' source (module and
# function; each line is a test in `tests/test_claims_04_08.py`, which fails when a release changes it):
#
# | | torch.hub | TF Hub | huggingface_hub | Gluon model store | this loader |
# | --- | --- | --- | --- | --- | --- |
# | download | to `<file>.<uuid>.partial`, then `shutil.move` (`torch/hub.py`, `download_url_to_file`) | to `<folder>.<uid>.tmp`, then rename (`tensorflow_hub/resolver.py`, `atomic_download`) | to `<blob>.<8 hex>.incomplete`, then move (`huggingface_hub/file_download.py`, `_download_to_tmp_and_move`) | to `<file>.zip<uuid>`, unzipped, then `replace_file` (`mxnet/gluon/model_zoo/model_store.py`, `get_model_file`) | `tmp/*.incomplete`, then `os.replace` (sections 2, 4) |
# | checked on download | a sha256 prefix, only with `check_hash=True` and a `-<hex>.` in the file name (`load_state_dict_from_url`, `HASH_REGEX`) | no content hash | the size (`http_get`, "Consistency check failed"); no hash is computed on the way into the cache (`http_get`, `_hf_hub_download_to_cache_dir`) | sha1 from a table in the library (`_model_sha1`) after unzipping | size and sha256, as the bytes arrive |
# | cache hit | the file exists → `torch.load` it | the folder exists and is not empty → use it | the blob exists → use it | sha1 re-computed on every hit; a mismatch downloads again | stamp; a full sha256 when it changed |
# | several processes | one temp name per download, no lock | a lock file `<folder>.lock` holding host, pid and a uid, taken over after `lock_file_timeout_sec` (10 min) without progress | a lock per blob (`WeakFileLock`) plus one temp name per download | one temp name per download, no lock | one temp name per download plus an advisory lock, stale locks taken over |
# | pickles | `load_state_dict_from_url(weights_only=False)` by default, passed to `torch.load` | not applicable (SavedModel) | not applicable (it only downloads) | `.params` (not a pickle) | refused; `torch.load` only with `weights_only=True` |
#
# One line deserves a second look: `torch.load` itself defaults to `weights_only=True` in the
# installed torch, but `torch.hub.load_state_dict_from_url` passes its own default, `False`, so a
# checkpoint fetched by URL is unpickled in full unless you say `weights_only=True`. Measured, with
# the payload from section 7 inside a checkpoint that the torch.hub demo's server serves:

# %%
import inspect  # noqa: E402

defaults = {
    "torch.load": inspect.signature(torch.load).parameters["weights_only"].default,
    "torch.hub.load_state_dict_from_url": inspect.signature(torch.hub.load_state_dict_from_url).parameters["weights_only"].default,
}
print(f"torch {torch.__version__}: weights_only defaults", defaults)
assert defaults["torch.hub.load_state_dict_from_url"] is False  # None in torch.load means: decide, and it decides True
torch.save({"payload": Payload()}, hub_root / "served" / "probe.pth")  # the pickle from section 7, in a checkpoint
with expect_error(pickle.UnpicklingError, match="weights_only"):
    torch.load(hub_root / "served" / "probe.pth")  # torch.load's own default refuses it
assert not marker.exists()
torch.hub.load_state_dict_from_url(hub_url + "probe.pth", model_dir=str(hub_root / "cache"), progress=False)
print("after torch.hub.load_state_dict_from_url:", marker.name, "exists:", marker.exists())
assert marker.read_text() == "pwned"  # the payload ran
marker.unlink()
hub_server.stop()
shutil.rmtree(hub_root)

# %% [markdown]
# The payload ran. Pass `weights_only=True` to `load_state_dict_from_url` whenever the URL is not
# yours (and prefer safetensors, which holds no code at all).

# %% [markdown]
# ## 14. The one-liner again
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
# - A loader in about 40 lines: a path rule on every file of the index, a download streamed
#   through a sha256 into a temp file, `os.replace` into a blob named by its hash, and a re-hash on
#   every hit. The package's `Loader` gave the same bytes and refused the same damage.
# - Six layers, each for a failure seen in real zoos: resolve (which bytes), cache (content-addressed
#   blobs), fetch (temp file, then rename), verify (sha256 on arrival, stamps on a hit), decode (no
#   pickles), build (the facade).
# - A cache hit needs no download and no re-hash (the measured times are printed in section 6); a
#   corrupted cache file is fetched again, a damaged download and a hostile index are refused before
#   anything is written.
# - Versions: every version kept, never rewritten; a bare name means the newest by semantic version,
#   a pin (`@1.9.0` or a content id) means exactly one; a yank withdraws a version without breaking pins.
# - The hubs' own clients differ on each failure (lesson 15 measures them); `torch.hub.load_state_dict_from_url`
#   still unpickles in full by default.
#
# **Exercise:** [exercises/04_layered_loader.ipynb](../exercises/04_layered_loader.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [05 · The four hubs](05_four_hubs.ipynb).
