"""The layered loader pattern (lesson 04): one module per layer, joined by :class:`Loader`.

=========  ==============  =====================================================
layer      module          what it guarantees
=========  ==============  =====================================================
resolve    ``resolve``     a reference becomes a manifest (files, sizes, sha256)
cache      ``cache``       content-addressed blobs, refs, snapshots; atomic writes
fetch      ``fetch``       streaming download, hash on the fly, retries, resume
verify     ``verify``      full hash after download, stamp-or-hash on every hit
decode     ``decode``      format registry; nothing that runs code on load
=========  ==============  =====================================================

The sixth layer, build (the native object, or a ZooModel through an adapter),
is the facade's: :func:`zoo_patterns.build` joins a snapshot with the adapters,
which sit beside the loader, not under it (lesson 12).

Beside them: ``lock`` (advisory, stale-lock takeover), ``archive`` (safe
extraction) and ``serve`` (a loopback HTTP zoo with Range support).
"""

from __future__ import annotations

from .archive import safe_extract
from .cache import Cache
from .decode import DECODERS, decode, detect_format, register_decoder
from .fetch import Fetcher
from .loader import Loader, Snapshot
from .lock import FileLock
from .resolve import IndexResolver, LocalFolderResolver, Manifest, RemoteFile, Request, ResolverChain
from .serve import ZooServer, make_server
from .verify import Stamps, sha256_file, verify_file

__all__ = [
    "DECODERS",
    "Cache",
    "Fetcher",
    "FileLock",
    "IndexResolver",
    "Loader",
    "LocalFolderResolver",
    "Manifest",
    "RemoteFile",
    "Request",
    "ResolverChain",
    "Snapshot",
    "Stamps",
    "ZooServer",
    "decode",
    "detect_format",
    "make_server",
    "register_decoder",
    "safe_extract",
    "sha256_file",
    "verify_file",
]
