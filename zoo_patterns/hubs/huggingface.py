"""The Hugging Face Hub's protocol, as huggingface_hub's client asks it (lesson 15; facts in docs/hubs.md).

Every model of the zoo is the repo ``zoo-patterns/<name>``. The client asks,
in order:

1. ``GET /api/models/<id>[/revision/<rev>]``: which commit is ``rev``? (``id``, ``sha``, ``siblings``)
2. ``GET /api/models/<id>/tree/<commit>?recursive=true``: every file's ``oid``, ``size``
   and, for large "LFS" files, ``lfs.oid``: the sha256;
3. ``HEAD /<id>/resolve/<rev>/<path>``: ``X-Repo-Commit``, a quoted ``ETag`` /
   ``X-Linked-Etag`` (the blob's name in the client's cache) and ``Content-Length``;
4. ``GET`` of the same URL, maybe with ``Range`` to resume.

A 404 says why in ``X-Error-Code``. The client never sees a xet header here,
so it downloads over plain HTTP whether or not ``hf_xet`` is installed.

Revisions. A commit id must change whenever any file changes (the client
never asks again about a commit it has cached), so it is the version's content
id: sha1 over the sorted ``"path sha256"`` lines
(:func:`zoo_patterns.index.content_id`). :func:`revisions` maps every revision
name to a commit: ``main`` the newest version not yanked, each version string
(a tag, on the Hub: ``revision="1.0.0"``) its own, and each commit itself.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qs, quote, unquote

from . import ORG, Answer, Zoo, ZooEntry, ZooFile, error_answer, json_answer

# Files stored as LFS pointers on the real Hub: their ETag is the sha256, not the git blob sha1.
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".params", ".onnx", ".pb", ".keras", ".h5", ".jit", ".pt", ".pth", ".tflite")
LFS_MIN_SIZE = 10 * 1024 * 1024
_RESOLVE = re.compile(r"^/([^/]+)/([^/]+)/resolve/([^/]+)/(.+)$")
_API = re.compile(r"^/api/models/([^/]+)/([^/]+)(?:/(revision|tree)/([^/]+)(?:/(.*))?)?$")


def repo_id(name: str) -> str:
    return f"{ORG}/{name}"


def is_weight_file(f: ZooFile) -> bool:
    return f.path.endswith(WEIGHT_SUFFIXES) or ".data-" in f.path or f.size >= LFS_MIN_SIZE


def commit_id(entry: ZooEntry) -> str:
    """40 hex, derived from the files' hashes: it changes whenever any file does (the version's content id)."""
    return entry.content_id


def revisions(zoo: Zoo, name: str) -> dict[str, ZooEntry]:
    """Revision name -> the version it means: ``main``, each version string, and each commit id."""
    out: dict[str, ZooEntry] = {}
    for entry in zoo.versions(name):
        out[entry.content_id] = entry
    for entry in zoo.versions(name):
        out[entry.version] = entry
    if name in zoo.models:
        out["main"] = zoo.models[name]
    return out


def git_blob_sha1(data: bytes) -> str:
    """git's object id for a file: sha1 of ``b"blob <size>\\0"`` + the bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(f: ZooFile) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{f.sha256}\nsize {f.size}\n".encode()


def etag(zoo: Zoo, f: ZooFile) -> str:
    """The blob's name in the client's cache: sha256 for weight files, the git blob sha1 for the rest."""
    if is_weight_file(f):
        return f.sha256
    return zoo.memo(("git-sha1", f.sha256), lambda: git_blob_sha1(f.source.read_bytes()))


def tree_entries(zoo: Zoo, entry: ZooEntry, under: str = "", recursive: bool = True) -> list[dict]:
    under = under.strip("/")
    prefix = under + "/" if under else ""
    out: dict[str, dict] = {}
    for f in sorted(entry.files, key=lambda f: f.path):
        if not f.path.startswith(prefix):
            continue
        rest = f.path[len(prefix) :].split("/")
        for depth in range(1, len(rest)):  # the folders on the way
            folder = prefix + "/".join(rest[:depth])
            if recursive or depth == 1:
                out.setdefault(folder, {"type": "directory", "oid": hashlib.sha1(folder.encode()).hexdigest(), "path": folder})
        if not recursive and len(rest) > 1:
            continue
        item = {"type": "file", "oid": etag(zoo, f), "size": f.size, "path": f.path}
        if is_weight_file(f):
            pointer = lfs_pointer(f)
            item["oid"] = git_blob_sha1(pointer)  # on the Hub, git stores the pointer; the bytes are in LFS
            item["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": len(pointer)}
        out[f.path] = item
    return [out[k] for k in sorted(out)]


def model_info(entry: ZooEntry, commit: str) -> dict:
    return {
        "id": repo_id(entry.name),
        "modelId": repo_id(entry.name),
        "sha": commit,
        "private": False,
        "disabled": False,
        "gated": False,
        "tags": [entry.format],
        "siblings": [{"rfilename": f.path} for f in sorted(entry.files, key=lambda f: f.path)],
    }


def _repo(zoo: Zoo, org: str, name: str) -> ZooEntry | Answer:
    entry = (zoo.get(name) or (zoo.versions(name) or (None,))[-1]) if org == ORG else None  # all yanked: still a repo
    if entry is None:
        return error_answer(404, f"Repository {org}/{name} not found", {"X-Error-Code": "RepoNotFound"})
    return entry


def _version(zoo: Zoo, entry: ZooEntry, rev: str) -> ZooEntry | Answer:
    found = revisions(zoo, entry.name).get(rev)
    if found is None:
        return error_answer(404, f"Invalid rev id: {rev}", {"X-Error-Code": "RevisionNotFound"})
    return found


def answer(zoo: Zoo, method: str, path: str, query: str) -> Answer | None:
    if (m := _API.match(path)) and method == "GET":
        org, name, kind, rev, under = (unquote(g) if g else g for g in m.groups())
        entry = _repo(zoo, org, name)
        if isinstance(entry, Answer):
            return entry
        entry = _version(zoo, entry, rev or "main")
        if isinstance(entry, Answer):
            return entry
        commit = entry.content_id
        if kind == "tree":
            recursive = parse_qs(query).get("recursive", ["false"])[0].lower() in ("1", "true")
            return json_answer(tree_entries(zoo, entry, under or "", recursive))
        return json_answer(model_info(entry, commit))
    if (m := _RESOLVE.match(path)) and method in ("GET", "HEAD"):
        org, name, rev, file_path = (unquote(g) for g in m.groups())
        entry = _repo(zoo, org, name)
        if isinstance(entry, Answer):
            return entry
        entry = _version(zoo, entry, rev)
        if isinstance(entry, Answer):
            return entry
        commit = entry.content_id
        f = entry.file(file_path)
        if f is None:  # the client remembers this under .no_exist/<commit>/<path>
            return error_answer(
                404, f"{file_path} not found in {repo_id(name)}@{rev}", {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": commit}
            )
        tag = f'"{etag(zoo, f)}"'
        headers = {
            "Content-Type": "application/octet-stream",
            "X-Repo-Commit": commit,
            "ETag": tag,
            "X-Linked-Etag": tag,
            "X-Linked-Size": str(f.size),
            "Content-Disposition": f'inline; filename="{quote(file_path.rsplit("/", 1)[-1])}"',
        }
        return Answer(200, headers, file=f.source)
    return None
