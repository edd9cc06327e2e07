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
# # 15 · Inside the hubs' clients
#
# **Time:** about 30 minutes to read; the cells run in about 55 s on a 2-core CPU.
#
# **Prerequisites:** lessons 04 (the layered loader: sha256, caches, faults) and 05 (the four hubs);
# what an HTTP request and a response header are.
#
# **You will learn to:**
#
# - read the requests huggingface_hub, TF Hub, MXNet's model store and torch.hub make, from a server log;
# - find and explain each client's cache: HF's blobs, refs and snapshots, TF Hub's `sha1(handle)`
#   folder, MXNet's hash-named params, torch.hub's checkpoints;
# - pin a revision, and load with `HF_HUB_OFFLINE=1` and no server at all;
# - measure who survives a truncated, corrupted or dropped download, and a corrupted cache.
#
# `from_pretrained("org/name")` is one line. Underneath, a hub is three conventions: a **URL
# scheme** (what the client asks for), a **cache layout** (where it keeps the answer) and an
# **integrity check** (or none). Lessons 04 and 05 pointed every hub at a folder; here the
# workbook's own server speaks four hubs' protocols on loopback, each hub's *unmodified* client
# downloads from it, and the server's log shows every request.
#
# **Jargon.** A [*revision*](../docs/glossary.md#revision) is a name for one state of a repository
# (`main`, a tag, or a 40-hex *commit id*, which the workbook's server computes as the zoo's
# [content id](../docs/glossary.md#content-id)). An [*ETag*](../docs/glossary.md#etag) is a server's
# name for the exact bytes of an answer. A *blob* is a file stored under the name of its content's
# hash. A *trust anchor* is the one thing a client believes without checking: every other check is
# derived from it.

# %%
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import zoo_patterns as zp
from zoo_patterns.hub_clients import matrix
from zoo_patterns.hubs import huggingface, tfhub
from zoo_patterns.loader import ZooServer

zp.quiet()
zoo = zp.zoo_dir()
zp.registry()  # builds the workbook zoo on first use
work = zp.cache_dir() / "lesson-15"
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
server = ZooServer(zoo)
url = server.start()
index = {m["name"]: m for m in json.loads((zoo / "index.json").read_text())["models"]}
print("the zoo's server:", url)

# %% [markdown]
# The clients read their settings (`HF_ENDPOINT`, `HF_HUB_OFFLINE`, `MXNET_GLUON_REPO`,
# `TORCH_HOME`, `TFHUB_CACHE_DIR`) **when they are imported**, so each one runs here in its own
# Python process, with its own environment. `client(code, **env)` runs a few lines that way and
# returns the JSON they print last; `requests()` prints what the server saw since the last call.

# %%
ENV = {
    "HF_ENDPOINT": url.rstrip("/"),  # huggingface_hub asks this server instead of huggingface.co
    "HF_HOME": str(work / "hf"),  # its cache: $HF_HOME/hub
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "MXNET_GLUON_REPO": url + "mxnet/",  # MXNet's model store, read on every call
    "TORCH_HOME": str(work / "torch"),  # torch.hub's cache: $TORCH_HOME/hub/checkpoints
    "TFHUB_CACHE_DIR": str(work / "tfhub"),
    "TF_CPP_MIN_LOG_LEVEL": "3",
}


def client(code: str, **env) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env={**os.environ, **ENV, **env}, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


seen = 0


def requests() -> list[str]:
    global seen
    lines = server.requests  # one snapshot (it waits for the server to finish writing the lines)
    new, seen = lines[seen:], len(lines)
    for line in new:
        print("   ", line)
    return new


# %% [markdown]
# ## 1. The Hugging Face Hub
#
# Every model of the zoo is a repo `zoo-patterns/<name>`. A repo's state is a **commit id**,
# and it must change whenever any file changes: the client never asks again about a commit it
# has cached. The zoo derives it from the files' hashes. By hand, then from the server:

# %%
entry = index["digits-cnn-torch"]
lines = sorted(f"{f['path'].split('/', 2)[2]} {f['sha256']}\n" for f in entry["files"])  # NAME/VERSION/path -> path
commit = hashlib.sha1("".join(lines).encode()).hexdigest()
assert commit == entry["content_id"]  # the index's content id of this version (lesson 04)
info = json.loads(urllib.request.urlopen(url + "api/models/zoo-patterns/digits-cnn-torch/revision/main").read())
print("by hand:", commit, "| the API says main is", info["sha"])
assert info["sha"] == commit and len(commit) == 40
head = urllib.request.urlopen(urllib.request.Request(url + "zoo-patterns/digits-cnn-torch/resolve/main/model.safetensors", method="HEAD"))
for h in ("X-Repo-Commit", "ETag", "X-Linked-Etag", "Content-Length"):
    print(f"{h:15} {head.headers[h]}")
weights = next(f for f in entry["files"] if f["path"].endswith("model.safetensors"))
assert head.headers["ETag"] == f'"{weights["sha256"]}"' and int(head.headers["Content-Length"]) == weights["size"]
_ = requests()

# %% [markdown]
# The weight file's ETag is its sha256 (the Hub's convention for large "LFS" files; small files
# get git's blob sha1). The ETag becomes the file's name in the client's cache. Now the real
# client: `snapshot_download` asks which commit `main` is, lists the tree, then HEADs and GETs
# each file.

# %%
snap = client(
    """
    import json, os
    from huggingface_hub import scan_cache_dir, snapshot_download
    folder = snapshot_download("zoo-patterns/digits-cnn-torch")
    repo = next(iter(scan_cache_dir().repos))
    print(json.dumps({"folder": folder, "scan": [repo.repo_id, repo.nb_files, repo.size_on_disk]}))
    """
)
log = [line for line in requests() if "zoo-patterns" in line]  # (the client may also ask a telemetry route)
assert [line for line in log if "/api/models/" in line][0].startswith("GET /api/models/zoo-patterns/digits-cnn-torch/revision/main 200")
assert any("/tree/" + commit in line for line in log) and sum(line.startswith("GET /zoo-patterns/") for line in log) == 3
print("scan_cache_dir():", snap["scan"])

# %% [markdown]
# What it wrote: `refs/main` holds the commit, `snapshots/<commit>/` holds **relative
# symlinks** into `blobs/`, and each blob is named by its ETag.

# %%
repo_dir = work / "hf" / "hub" / "models--zoo-patterns--digits-cnn-torch"
for p in sorted(repo_dir.rglob("*")):
    if ".locks" in p.parts or p.is_dir():
        continue
    rel = p.relative_to(repo_dir)
    print(f"  {str(rel):75} -> {os.readlink(p)}" if p.is_symlink() else f"  {rel}")
assert (repo_dir / "refs" / "main").read_text() == commit
link = repo_dir / "snapshots" / commit / "model.safetensors"
assert link.is_symlink() and os.readlink(link) == f"../../blobs/{weights['sha256']}"

# %% [markdown]
# The same folder as a picture, drawn from what is on disk: every arrow below is read from the
# cache (a ref's content, or a symlink's target), none is typed in.

# %%
import matplotlib.pyplot as plt  # noqa: E402


def hf_cache_arrows(repo: Path) -> tuple[dict, dict]:
    """What the cache folder says: refs (name -> commit) and snapshot links (commit/path -> blob name)."""
    refs = {p.relative_to(repo / "refs").as_posix(): p.read_text() for p in sorted((repo / "refs").rglob("*")) if p.is_file()}
    links = {}
    for p in sorted((repo / "snapshots").rglob("*")):
        if p.is_symlink():
            target = (p.parent / os.readlink(p)).resolve()
            assert target.parent == (repo / "blobs").resolve() and target.is_file(), f"{p} points outside blobs/"
            links[p.relative_to(repo / "snapshots").as_posix()] = target.name
    return refs, links


def draw_hf_cache(repo: Path, ax) -> None:
    refs, links = hf_cache_arrows(repo)
    blobs = sorted(p.name for p in (repo / "blobs").iterdir())
    rows = max(len(links), len(blobs)) + 1
    box = {"boxstyle": "round,pad=0.3", "fc": "white", "ec": "grey"}
    y_of_blob = {b: rows - 1 - i for i, b in enumerate(blobs)}
    for i, (ref, target) in enumerate(refs.items()):
        ax.text(0, rows - i, f"refs/{ref}\n= {target[:10]}…", ha="center", va="center", bbox=box, fontsize=8)
        ax.annotate("", (0.68, rows), (0.32, rows - i), arrowprops={"arrowstyle": "->", "color": "tab:green"})
    commits = sorted({k.split("/", 1)[0] for k in links})
    ax.text(1, rows, "snapshots/" + ", ".join(c[:10] + "…" for c in commits) + "/", ha="center", va="center", bbox=box, fontsize=8)
    for i, (path, blob) in enumerate(links.items()):
        y = rows - 1 - i
        ax.text(1, y, path.split("/", 1)[1], ha="center", va="center", bbox={**box, "ec": "tab:blue"}, fontsize=8)
        ax.annotate("", (1.68, y_of_blob[blob]), (1.32, y), arrowprops={"arrowstyle": "->", "color": "tab:blue"})
    for blob, y in y_of_blob.items():
        ax.text(2, y, f"blobs/{blob[:16]}…\n{(repo / 'blobs' / blob).stat().st_size:,} B", ha="center", va="center", bbox=box, fontsize=8)
    ax.set(xlim=(-0.6, 2.6), ylim=(-0.8, rows + 0.8), title=f"{repo.name}: refs -> snapshot (a folder of symlinks) -> blobs")
    ax.axis("off")


refs, links = hf_cache_arrows(repo_dir)
fig, ax = plt.subplots(figsize=(10, 0.6 * (len(links) + 2)))
draw_hf_cache(repo_dir, ax)
plt.show()
print(f"{len(refs)} ref, {len(links)} symlinks, {len({*links.values()})} blobs")
assert refs == {"main": commit} and set(links.values()) == {p.name for p in (repo_dir / "blobs").iterdir()}

# %% [markdown]
# **Predict, then run:** A second `snapshot_download` of `main`: how many requests? And
# `hf_hub_download` pinned to the commit id? (The rule, in [docs/hubs.md](../docs/hubs.md): a
# 40-hex revision already in the cache needs nothing from the server.)

# %%
client(f"""
    from huggingface_hub import hf_hub_download, snapshot_download
    snapshot_download("zoo-patterns/digits-cnn-torch")
    hf_hub_download("zoo-patterns/digits-cnn-torch", "model.safetensors", revision="{commit}")
    print("{{}}")
""")
warm = [line for line in requests() if "zoo-patterns" in line]
assert len(warm) == 1 and "/revision/main" in warm[0]  # main can move, so it is asked about; a commit cannot

# %% [markdown]
# The issue's use case: a teacher runs one `serve`, and students' *unchanged* code loads from
# it with `HF_ENDPOINT` set. `AutoModel.from_pretrained` asks for the model info (no
# `/revision/`), then `config.json`, then `model.safetensors`:

# %%
loaded = client("""
    import json
    from transformers import AutoModel
    model = AutoModel.from_pretrained("zoo-patterns/minilm-l6")
    print(json.dumps({"class": type(model).__name__, "params": sum(p.numel() for p in model.parameters())}))
""")
fp_log = [line for line in requests() if "zoo-patterns" in line]
print(loaded)
assert loaded["class"] == "BertModel" and [line for line in fp_log if "/api/models/" in line][0].startswith("GET /api/models/zoo-patterns/minilm-l6 200")
assert any("resolve" in line and "model.safetensors 200" in line and line.startswith("GET") for line in fp_log)

# %% [markdown]
# **Offline.** With `HF_HUB_OFFLINE=1` the client serves `refs/main` → `snapshots/` from its
# cache. To prove no request is made, the endpoint is a server that has already stopped. The
# weights are loaded with `safetensors` alone (the same call `from_pretrained` makes inside).

# %%
with ZooServer(zoo) as stopped:
    pass
offline = client(
    """
    import json
    from huggingface_hub import hf_hub_download
    from safetensors.numpy import load_file
    weights = load_file(hf_hub_download("zoo-patterns/minilm-l6", "model.safetensors"))
    print(json.dumps({"tensors": len(weights), "params": sum(int(w.size) for w in weights.values())}))
    """,
    HF_ENDPOINT=stopped.rstrip("/"),
    HF_HUB_OFFLINE="1",
)
from safetensors.numpy import load_file  # noqa: E402

print("offline, no server:", offline)
zoo_weights = load_file(zoo / "minilm-l6" / index["minilm-l6"]["version"] / "model.safetensors")
assert offline["params"] == sum(int(w.size) for w in zoo_weights.values()) and requests() == []

# %% [markdown]
# ## 2. TensorFlow Hub
#
# A TF Hub handle is a URL. `hub.load(handle)` appends `?tf-hub-format=compressed`, GETs a
# tar.gz with plain urllib (no hash, no size check), and unpacks it into a folder named
# `sha1(handle)` (`tensorflow_hub/compressed_module_resolver.py`, `HttpCompressedFileResolver`
# and `_module_dir`; `tests/test_claims.py` reads them). The handle includes host and port, so the
# same model on another port is a cache miss.

# %%
handle = url + "tfhub/digits-cnn-savedmodel"
tf = client(f"""
    import json, os
    from zoo_patterns.compat import import_tensorflow_hub
    hub = import_tensorflow_hub()
    m = hub.load("{handle}")
    print(json.dumps({{"signatures": sorted(m.signatures), "cache": sorted(os.listdir(os.environ["TFHUB_CACHE_DIR"]))}}))
""")
_ = requests()
folder = hashlib.sha1(handle.encode()).hexdigest()
print("signatures:", tf["signatures"], "| cache:", tf["cache"])
assert folder == tfhub.cache_folder_name(handle) and folder in tf["cache"] and "serving_default" in tf["signatures"]

# %% [markdown]
# ## 3. The MXNet model store
#
# The store's URL is `$MXNET_GLUON_REPO/gluon/models/<name>-<sha1[:8]>.zip`, and the sha1
# comes from a table **inside the library**, `model_store._model_sha1`. That table is MXNet's
# trust anchor: the store re-hashes the `.params` file on every use and accepts only the sha1
# the installed library holds. A library author adds a model by adding its row;
# `add_to_model_store` adds the zoo's rows the same way.

# %%
mx = client(f"""
    import json
    from zoo_patterns.hubs.mxnet_store import add_to_model_store
    rows = add_to_model_store("{zoo}")
    from mxnet.gluon.model_zoo import model_store
    path = model_store.get_model_file("digits-cnn-gluon", root="{work / 'mxnet'}")
    print(json.dumps({{"rows": rows, "path": path}}))
""")
_ = requests()
sha1 = hashlib.sha1((zoo / "digits-cnn-gluon" / index["digits-cnn-gluon"]["version"] / "model.params").read_bytes()).hexdigest()
print("rows added:", mx["rows"], "\ncached as:", Path(mx["path"]).name)
assert mx["rows"]["digits-cnn-gluon"] == sha1 and Path(mx["path"]).name == f"digits-cnn-gluon-{sha1[:8]}.params"
assert server.requests[-1].startswith(f"GET /mxnet/gluon/models/digits-cnn-gluon-{sha1[:8]}.zip 200")

# %% [markdown]
# ## 4. torch.hub
#
# `load_state_dict_from_url(url, check_hash=True)` takes the expected hash from the `-<hex>.`
# part of the file name **in the URL you gave it**, and calls `torch.load` on the file. So
# torch.hub needs `torch.load`'s format: a zip holding a *pickle*, and unpickling can run code.
# `weights_only=True` unpickles only tensors and plain containers. It is `torch.load`'s default
# in the installed torch, but **not** `load_state_dict_from_url`'s: that one passes
# `weights_only=False` unless you ask (lesson 05 asserts the default; the next cells show what
# it lets through). So every call here passes `weights_only=True`.
# The zoo stores no pickle: `/torchhub/<name>.pth` redirects to a hash-named state dict that the
# server converts from the safetensors weights, in memory.

# %%
th = client("""
    import json, os, torch, urllib.request
    plain = urllib.request.urlopen(os.environ["HF_ENDPOINT"] + "/torchhub/digits-cnn-torch.pth").url  # follows the 302
    sd = torch.hub.load_state_dict_from_url(plain, check_hash=True, weights_only=True, progress=False)
    print(json.dumps({"hashed": plain, "tensors": len(sd), "cached": os.listdir(os.path.join(os.environ["TORCH_HOME"], "hub", "checkpoints"))}))
""")
th_log = requests()
print(th)
hashed_file = th["hashed"].rsplit("/", 1)[1]
# The log lists requests as the server finished them: on a busy CPU the redirected GET can finish first.
torchhub_log = [line for line in th_log if "/torchhub/" in line]
assert th["cached"] == [hashed_file] and any(line.startswith("GET /torchhub/digits-cnn-torch.pth 302") for line in torchhub_log)
assert any(line.startswith(f"GET /torchhub/{hashed_file} 200") for line in torchhub_log)

# %% [markdown]
# And what `weights_only` guards against: a pickle that carries an object whose class runs code
# (here a harmless `print`; it could be anything). `torch.load` with its default refuses it;
# `load_state_dict_from_url` with *its* default runs it.

# %%
import pickle  # noqa: E402

import torch  # noqa: E402


class Payload:
    def __reduce__(self):
        return (print, ("this ran while unpickling",))


evil = work / "evil" / "checkpoint.pth"
evil.parent.mkdir(exist_ok=True)
torch.save({"w": torch.zeros(2), "extra": Payload()}, evil)
with zp.expect_error(pickle.UnpicklingError, quiet=True):
    torch.load(evil)  # the default: weights_only=True
print("torch.load(file): refused")
ran = torch.hub.load_state_dict_from_url(evil.as_uri(), model_dir=str(work / "evil" / "cache"), progress=False)
print("load_state_dict_from_url(file URL) returned:", ran)
assert ran["extra"] is None  # print's return value: the payload ran

# %% [markdown]
# **Predict, then run:** The server now corrupts the hash-named file. A user who passes the
# *plain* URL `/torchhub/digits-cnn-torch.pth` with `check_hash=True`: is the corruption caught?

# %%
bad = server.fault("/torchhub/digits-cnn-torch-*.pth", "corrupt")
trap = client(f"""
    import json, torch
    from safetensors.torch import load_file
    sd = torch.hub.load_state_dict_from_url("{url}torchhub/digits-cnn-torch.pth", model_dir="{work / 'trap'}", check_hash=True, weights_only=True, progress=False)
    ref = load_file("{zoo / 'digits-cnn-torch' / index['digits-cnn-torch']['version'] / 'model.safetensors'}")
    print(json.dumps({{"same": all(torch.equal(sd[k], ref[k]) for k in ref)}}))
""")
server.remove_fault(bad)
_ = requests()
print("check_hash=True on the plain URL gave the zoo's weights:", trap["same"])
assert trap == {"same": False}  # 'digits-cnn-torch.pth' holds no '-<hex>.', so there was no hash to check

# %% [markdown]
# ## 5. The fault matrix, measured
#
# The same four faults against every client, and against the workbook's loader. First one
# cell by hand: the server flips 16 bytes in the middle of `model.safetensors` (same length),
# and huggingface_hub downloads it.

# %%
bad = server.fault("/zoo-patterns/digits-cnn-torch/resolve/*/model.safetensors", "corrupt")
hand = client(f"""
    import hashlib, json, os
    from huggingface_hub import hf_hub_download
    path = hf_hub_download("zoo-patterns/digits-cnn-torch", "model.safetensors", cache_dir="{work / 'hand'}")
    print(json.dumps({{"sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(), "blob": os.path.basename(os.path.realpath(path))}}))
""")
server.remove_fault(bad)
_ = requests()
print("expected", weights["sha256"][:16], "| got", hand["sha256"][:16], "| stored as blob", hand["blob"][:16])
assert hand["sha256"] != weights["sha256"] and hand["blob"] == weights["sha256"]  # bad bytes under the good name

# %% [markdown]
# The client checks only the size (`huggingface_hub/file_download.py`, `http_get`: "Consistency
# check failed: file should be of size …"), so the corrupted body is stored as the blob named
# after the expected hash: every later load serves it. (`HfApi.verify_repo_checksums` would find
# it, from the tree's sha256s; `tests/test_claims.py` checks both in the installed client.) Now every cell. Each framework's client runs in its own process; for each row it
# fetches into a fresh cache under the fault, then once more with the server healthy:
#
# - **raised**: the call failed, and the next was right; **recovered**: the call was right anyway;
# - **served bad bytes**: wrong bytes came back with no error;
# - **left bad bytes in the cache**: the next call, the server healthy, is still wrong.
#
# The fourth row poisons the cached weights on disk after a clean download (a bad disk).

# %%
# NBVAL_IGNORE_OUTPUT
table = matrix.measure(server, zoo, workdir=work / "matrix")
print(matrix.format_table(table))
assert table["same-length corrupted body"]["huggingface_hub"][0] == matrix.SERVED_BAD  # the cell by hand, again

# %% [markdown]
# What the table says, asserted: the workbook's loader never serves or caches bad bytes (it
# hashes every download and every cache hit); MXNet's store, with its trust anchor, recovers a
# bad cache; torch.hub without `check_hash` keeps a truncated file ("failed finding central
# directory", and the next call does not download again); nobody but the loader and MXNet
# re-checks a cache hit. Each client's cells are compared with what was measured when this
# lesson was written, so a new client release that changes one fails here and names it.

# %%
for row, cells in table.items():
    assert cells["zoo loader"][0] in (matrix.RAISED, matrix.RECOVERED), row
assert table["corrupted file already in the cache"]["mxnet_store"][0] == matrix.RECOVERED
assert table["truncated body"]["torch.hub"][0] == matrix.CACHED_BAD
changed = matrix.differences(table)
assert not changed, "a client release changed its behaviour: " + "; ".join(changed)
print("truncated body, torch.hub:", table["truncated body"]["torch.hub"][2]["raised"][:90], "…")

# %% [markdown]
# **Try changing this:** Run one more row: `server.fault(PATTERN, "slow", delay=3)` on
# huggingface_hub's weights path (`matrix.WEIGHT_PATHS`) with `HF_HUB_DOWNLOAD_TIMEOUT=1` in
# `client(...)`'s environment, or replace `"corrupt"` in section 5 by `"truncate"`. Which
# clients' cells move?

# %%
server.stop()

# %% [markdown]
# ## Summary
#
# - Each hub is a URL convention, a cache layout and an integrity check ([docs/hubs.md](../docs/hubs.md)
#   gathers them in one page). huggingface_hub: API
#   → tree → HEAD (commit, ETag, size) → GET; a content-addressed cache of symlinks; a size
#   check only. TF Hub: a handle URL, a `sha1(handle)` folder, no check. MXNet: a sha1 table in
#   the library, checked on every use. torch.hub: a hash in the file name, checked only when
#   asked, and only from the URL you typed; and it unpickles fully unless you pass
#   `weights_only=True`, which let a payload run here.
# - A pinned commit and offline mode need no server at all.
# - Measured here: only the workbook's loader and MXNet's store never hand back bad bytes from
#   a corrupted cache; huggingface_hub and torch.hub without `check_hash` serve a corrupted
#   download as if it were good.
# - `python -m zoo_patterns serve --dir ZOO --log FILE` is a lab-network mirror for all four
#   clients (`docs/teaching.md`).
#
# **Exercise:** [exercises/15_inside_the_hubs_clients.ipynb](../exercises/15_inside_the_hubs_clients.ipynb).
# **Next:** this is the last lesson; `docs/teaching.md` shows how to run the mirror for a class,
# and [lesson 04](04_layered_loader.ipynb) shows how the loader's own checks are built.
