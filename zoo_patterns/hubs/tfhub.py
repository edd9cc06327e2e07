"""TF Hub's protocol: a handle is a URL, and the URL plus ``?tf-hub-format=compressed`` is a tar.gz (lesson 15).

``tensorflow_hub.load("http://HOST:P/tfhub/<name>")`` appends the query, GETs
the archive with plain urllib (no hash, no size check) and unpacks it into
``$TFHUB_CACHE_DIR/<sha1(handle)>``. The archive's members are relative to the
SavedModel's root (``saved_model.pb``, ``variables/...``). It is built here
deterministically (sorted members, zero times and owners), so its bytes,
and a hash of them, are the same on every server.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from urllib.parse import parse_qs

from . import Answer, Zoo, ZooEntry, error_answer

PREFIX = "/tfhub/"


def cache_folder_name(handle: str) -> str:
    """TF Hub's cache key: sha1 of the handle string as typed (host and port included)."""
    return hashlib.sha1(handle.encode("utf8")).hexdigest()


def archive(entry: ZooEntry) -> bytes:
    """The SavedModel as a deterministic tar.gz (the model card stays out: it is not part of a module)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        folders = sorted({"/".join(f.path.split("/")[:i]) for f in entry.files for i in range(1, f.path.count("/") + 1)})
        for folder in folders:
            info = tarfile.TarInfo(folder)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
            tar.addfile(info)
        for f in sorted(entry.files, key=lambda f: f.path):
            if f.path == "README.md":
                continue
            info = tarfile.TarInfo(f.path)
            info.size, info.mode, info.mtime = f.size, 0o644, 0
            with open(f.source, "rb") as src:
                tar.addfile(info, src)
    return gzip.compress(raw.getvalue(), compresslevel=6, mtime=0)


def answer(zoo: Zoo, method: str, path: str, query: str) -> Answer | None:
    if not path.startswith(PREFIX) or method not in ("GET", "HEAD"):
        return None
    name = path[len(PREFIX) :].strip("/")
    entry = zoo.get(name)
    if entry is None or entry.format != "savedmodel":
        savedmodels = sorted(n for n, e in zoo.models.items() if e.format == "savedmodel")
        return error_answer(404, f"no SavedModel named {name!r} here; this zoo has {savedmodels}")
    if parse_qs(query).get("tf-hub-format") != ["compressed"]:
        # The uncompressed format wants a 303 to a gs:// folder, which no local server can give.
        return error_answer(400, "only ?tf-hub-format=compressed is served (TFHUB_MODEL_LOAD_FORMAT=COMPRESSED)")
    body = zoo.memo(("tfhub", name), lambda: archive(entry))
    return Answer(200, {"Content-Type": "application/x-tar"}, body=body)
