"""Layer 2, cache: content-addressed blobs, refs that name them, and snapshots to load from.

The layout follows huggingface_hub's cache, simplified::

    CACHE/blobs/<sha256>                    every file once, named by its hash
    CACHE/refs/<name>/<version>.json        the manifest a name@version resolved to
    CACHE/refs/<name>/latest.json           ... and the newest version seen (semver order, not yanked)
    CACHE/snapshots/<name>/<key>/...        the model folder, hard links to blobs
    CACHE/snapshots/<name>/<key>.stamps.json
    CACHE/locks/<sha256>.lock               who is downloading what (advisory)
    CACHE/tmp/                              downloads in progress

Nothing becomes visible under ``blobs/``, ``refs/`` or ``snapshots/`` except
by ``os.replace`` (files) or ``os.rename`` (folders) of something complete,
so a reader sees an old entry or a new one, never half of one. Two versions
of a model that share a file share its blob. The cache lives in the user's
cache directory (``ZOO_PATTERNS_CACHE`` overrides it), never in a temp dir
that the system cleans behind the user's back.

Every path built from a manifest (a name, a version, a hash, a file path) goes
through :func:`inside`, which refuses one that would land outside the folder it
is joined to. The resolvers have checked those names already; this is the
second lock on the same door, in case a manifest arrives by another road.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from ..errors import UnsafePathError
from .lock import FileLock
from .resolve import Manifest


def inside(base: Path, *parts: str) -> Path:
    """``base`` joined with ``parts``, refused unless it lands strictly inside ``base`` (checked on the text, not the disk)."""
    base = Path(os.path.normpath(base))
    joined = Path(os.path.normpath(base.joinpath(*parts)))
    if any("\0" in p for p in parts) or joined == base or not joined.is_relative_to(base):
        raise UnsafePathError(
            f"{'/'.join(parts)!r} joined to {base} lands at {joined}, outside that folder; nothing was written. "
            "A manifest reached the cache without the index checks: resolve it through a ResolverChain."
        )
    return joined


def link_or_copy(source: Path, target: Path) -> None:
    """``target`` becomes a hard link to ``source`` (no second copy on disk), or a copy on filesystems without links."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


class Cache:
    def __init__(self, root: str | Path | None = None):
        if root is None:
            from ..settings import cache_dir

            root = cache_dir()
        self.root = Path(root).expanduser().resolve()

    def __repr__(self) -> str:
        return f"Cache({str(self.root)!r})"

    # -- blobs ------------------------------------------------------------------
    @property
    def blobs(self) -> Path:
        return self.root / "blobs"

    def blob(self, sha256: str) -> Path:
        return inside(self.blobs, sha256)

    def temp_file(self, label: str) -> tuple[int, Path]:
        """A new, unique file for one download; its name never looks like a finished blob."""
        folder = self.root / "tmp"
        folder.mkdir(parents=True, exist_ok=True)
        inside(folder, label)  # mkstemp joins the prefix to the folder
        fd, name = tempfile.mkstemp(prefix=f"{label}.", suffix=".incomplete", dir=folder)
        return fd, Path(name)

    def commit_blob(self, temp: Path, sha256: str) -> Path:
        target = self.blob(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, target)  # atomic: a reader sees no blob or the whole blob
        return target

    def lock(self, sha256: str, **kwargs) -> FileLock:
        return FileLock(inside(self.root / "locks", f"{sha256}.lock"), **kwargs)

    def clean_tmp(self, older_than: float = 24 * 3600) -> int:
        """Remove downloads abandoned by killed processes; returns how many.

        The loader calls it before it downloads anything, so a cache never fills up with the
        ``.incomplete`` files of processes that died mid-download (a day is far longer than any download).
        """
        removed = 0
        for path in (self.root / "tmp").glob("*"):
            try:
                if time.time() - path.stat().st_mtime > older_than:
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
        return removed

    # -- refs -------------------------------------------------------------------
    def _ref_path(self, name: str, version: str | None) -> Path:
        return inside(self.root / "refs", name, f"{version or 'latest'}.json")

    def save_ref(self, manifest: Manifest) -> None:
        """Remember what ``name@version`` resolved to, and move ``latest`` on if this version is newer."""
        from ..index import version_key

        text = json.dumps(manifest.to_dict(), indent=1, sort_keys=True)
        latest = self.load_ref(manifest.name)
        newer = latest is None or (
            (not manifest.yanked, version_key(manifest.version)) >= (not latest.yanked, version_key(latest.version))
        )
        for version in (manifest.version, None) if newer else (manifest.version,):
            path = self._ref_path(manifest.name, version)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)

    def load_ref(self, name: str, version: str | None = None) -> Manifest | None:
        """The cached manifest of ``name`` (the newest seen), ``name@version``, or ``name@<content id>``."""
        try:
            return Manifest.from_dict(json.loads(self._ref_path(name, version).read_text(encoding="utf-8")))
        except FileNotFoundError:
            pass
        from ..index import CONTENT_ID

        if version is None or not CONTENT_ID.match(version):
            return None
        for path in sorted(inside(self.root / "refs", name).glob("*.json")) if (self.root / "refs" / name).is_dir() else ():
            if path.name != "latest.json":
                manifest = Manifest.from_dict(json.loads(path.read_text(encoding="utf-8")))
                if manifest.content_id.startswith(version):
                    return manifest
        return None

    # -- snapshots --------------------------------------------------------------
    def snapshot(self, manifest: Manifest) -> Path:
        return inside(self.root / "snapshots", manifest.name, manifest.key)

    def stamps_file(self, manifest: Manifest) -> Path:
        return inside(self.root / "snapshots", manifest.name, f"{manifest.key}.stamps.json")

    def snapshot_file(self, folder: Path, path: str) -> Path:
        """One file of a snapshot ``folder`` (staged or in place), refused if ``path`` climbs out of it."""
        return inside(folder, path)

    def make_snapshot(self, manifest: Manifest, unpack) -> Path:
        """Lay the model folder out from blobs in a temp folder, then rename it into place."""
        target = self.snapshot(manifest)
        if target.is_dir():
            return target
        staging = Path(tempfile.mkdtemp(prefix=f"{manifest.name}.", suffix=".snapshot", dir=self._tmp()))
        try:
            for f in manifest.files:
                if f.unpack:
                    unpack(self.blob(f.sha256), staging)
                    continue
                dest = self.snapshot_file(staging, f.path)
                dest.parent.mkdir(parents=True, exist_ok=True)
                link_or_copy(self.blob(f.sha256), dest)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(staging, target)
            except OSError:
                if not target.is_dir():  # someone else's equal snapshot won the race: fine
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target

    def drop_snapshot(self, manifest: Manifest) -> None:
        """Forget a snapshot (it failed verification); blobs are dealt with one by one."""
        shutil.rmtree(self.snapshot(manifest), ignore_errors=True)
        self.stamps_file(manifest).unlink(missing_ok=True)

    def _tmp(self) -> Path:
        folder = self.root / "tmp"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
