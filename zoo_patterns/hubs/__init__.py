"""Four hubs' wire protocols over one built zoo: what each hub's own client asks of a server (lesson 15).

A hub is three conventions: a URL scheme, a cache layout on the client, and an
integrity check (or none). Each module here answers one hub's client from the
zoo's folder, with no extra build step:

- :mod:`.huggingface`: ``/api/models/...`` and ``/<org>/<name>/resolve/<rev>/<path>``,
  for ``huggingface_hub`` and ``from_pretrained`` with ``HF_ENDPOINT`` set;
- :mod:`.tfhub`: ``/tfhub/<name>?tf-hub-format=compressed``, a tar.gz for ``hub.load``;
- :mod:`.mxnet_store`: ``/mxnet/gluon/models/<name>-<sha1[:8]>.zip``, for
  ``MXNET_GLUON_REPO`` and ``model_store.get_model_file``;
- :mod:`.torchhub`: ``/torchhub/<name>.pth``, a weights-only state dict for
  ``torch.hub.load_state_dict_from_url``;
- :mod:`.faults`: truncated, corrupted, dropped and slow answers, per path, for lessons and tests.

Each protocol's ``answer(zoo, method, path, query)`` returns an :class:`Answer`
or ``None`` (not its route); ``loader/serve.py`` is the HTTP front that asks
them in turn and writes the answer. No module imports a framework at import
time: the torch.hub route imports torch inside its handler.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ZooError
from ..index import newest, read_index, versions_of

ORG = "zoo-patterns"  # every model of the zoo is the Hugging Face repo ``zoo-patterns/<name>``


@dataclass
class Answer:
    """One HTTP answer: a status, headers, and a body from memory or from a file (the front adds ranges)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    file: Path | None = None

    @property
    def size(self) -> int:
        if self.file is not None:
            return self.file.stat().st_size
        return len(self.body or b"")

    def read(self) -> bytes:
        return self.file.read_bytes() if self.file is not None else (self.body or b"")


def json_answer(obj, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(obj).encode())


def error_answer(status: int, message: str, headers: dict[str, str] | None = None) -> Answer:
    return json_answer({"error": message}, status, headers)


@dataclass(frozen=True)
class ZooFile:
    """A file of one model: its path inside the model's folder, size and sha256 (from ``index.json``)."""

    path: str
    size: int
    sha256: str
    source: Path


@dataclass(frozen=True)
class ZooEntry:
    """One version of a model: its files (paths inside ``NAME/VERSION/``) and its content id (the HF commit)."""

    name: str
    version: str
    format: str
    files: tuple[ZooFile, ...]
    content_id: str = ""
    yanked: str | None = None

    def file(self, path: str) -> ZooFile | None:
        return next((f for f in self.files if f.path == path), None)


class Zoo:
    """The built zoo as the hub protocols see it: models by name, and a memo for derived bytes (archives).

    The index is read on first use and again whenever ``index.json`` changes (a publish while the
    server runs), and it is checked like any index (``zoo_patterns.index``): a hostile one makes the
    hub routes answer an error, while the zoo's own file routes still serve its bytes as they are,
    for the loader to refuse (lesson 04 and ``tests/test_index_safety.py`` rely on that).
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder).resolve()
        self._models: dict[str, ZooEntry] = {}
        self._versions: dict[str, tuple[ZooEntry, ...]] = {}
        self._stamp: tuple | None = None
        self._index_lock = threading.Lock()
        self._memo: dict[tuple, object] = {}
        self._lock = threading.Lock()

    def _read(self) -> None:
        st = (self.folder / "index.json").stat()
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._index_lock:
            if stamp != self._stamp:
                index = read_index(self.folder)
                versions, models = {}, {}
                for name in sorted({m["name"] for m in index["models"]}):
                    entries = versions_of(index, name)
                    versions[name] = tuple(self._entry(m) for m in entries)
                    top = newest(entries)
                    if top is not None:
                        models[name] = versions[name][entries.index(top)]
                with self._lock:
                    self._memo.clear()  # archives made from the old files
                self._models, self._versions, self._stamp = models, versions, stamp

    def _entry(self, m: dict) -> ZooEntry:
        prefix = m["folder"] + "/"
        files = tuple(ZooFile(f["path"][len(prefix) :], f["size"], f["sha256"], self.folder / f["path"]) for f in m["files"])
        return ZooEntry(m["name"], m["version"], m["format"], files, m["content_id"], m.get("yanked"))

    @property
    def models(self) -> dict[str, ZooEntry]:
        """Name -> the version a bare name means (the newest not yanked)."""
        self._read()
        return self._models

    def versions(self, name: str) -> tuple[ZooEntry, ...]:
        """Every version of ``name``, oldest first (yanked ones too: an exact pin still loads them)."""
        self._read()
        return self._versions.get(name, ())

    def get(self, name: str) -> ZooEntry | None:
        return self.models.get(name)

    def memo(self, key: tuple, make):
        """``make()`` once per key (archives and converted weights are built on first request, kept in memory)."""
        with self._lock:
            if key not in self._memo:
                self._memo[key] = make()
            return self._memo[key]


def sha1_file(path: Path) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def answer(zoo: Zoo, method: str, path: str, query: str) -> Answer | None:
    """The first protocol whose route ``path`` is, answering it; ``None`` for the zoo's own file routes."""
    from . import huggingface, mxnet_store, tfhub, torchhub

    for protocol in (tfhub, mxnet_store, torchhub, huggingface):
        try:
            got = protocol.answer(zoo, method, path, query)
        except ZooError as exc:  # the zoo's own index is refused (hostile or broken): serve nothing from it
            return error_answer(500, f"this zoo's index cannot be served: {exc}")
        if got is not None:
            return got
    return None
