"""The layered loader: resolve -> cache -> fetch -> verify -> decode, joined in one class.

``Loader(zoo=..., cache=..., offline=...)`` holds one of each layer; every
layer is also usable, and testable, on its own. The loader stops at decode: it
returns the framework's own object and never imports the adapters, and it is
handed its default zoo (a folder, a URL or a callable; by default
:func:`zoo_patterns.settings.default_source`: the mirror when one is set, else the
workbook zoo) rather than building one.
``zoo_patterns.load(ref)`` is the one-liner on top: it joins this class's
snapshot with the adapters (layer 6, build).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IntegrityError, NetworkError, OfflineError
from ..settings import default_source
from .archive import safe_extract
from .cache import Cache
from .decode import decode
from .fetch import Fetcher
from .resolve import Manifest, RemoteFile, Request, ResolverChain, check_manifest, normalise, split_name, zoo_location
from .verify import Stamps, verify_cached, verify_file


@dataclass(frozen=True)
class Snapshot:
    """A model folder in the cache, verified; ``downloaded`` lists what this call had to fetch."""

    folder: Path
    manifest: Manifest
    blobs: Path
    downloaded: tuple[str, ...] = ()
    repaired: tuple[str, ...] = ()

    @property
    def from_cache(self) -> bool:
        return not self.downloaded

    def files(self) -> list[tuple[str, Path]]:
        """``(sha256, path)`` per file, the lines ``fetch`` prints (like ``sha256sum``)."""
        return [(f.sha256, self.blobs / f.sha256 if f.unpack else self.folder / f.path) for f in self.manifest.files]


def _name_of(ref: str) -> tuple[str, str | None]:
    last = ref.rstrip("/").rpartition("/")[2] if "://" in ref else ref
    return split_name(last)


class _ReportingBar:
    """A tqdm bar that also tells ``on_progress(done_bytes, total_bytes)``: how a UI binds to a download."""

    def __init__(self, bar, total: int, on_progress: Callable[[int, int], None]):
        self.bar, self.total, self.done, self.on_progress = bar, total, 0, on_progress

    def update(self, n: int) -> None:  # n < 0 when a server ignored Range and the file starts over
        self.bar.update(n)
        self.done += n
        self.on_progress(self.done, self.total)


@dataclass
class Loader:
    """One object per configuration: where the zoo is, where the cache is, and the knobs.

    ``zoo`` is a folder, a URL, or a callable that returns one; ``None`` means
    :func:`~zoo_patterns.settings.default_source`: ``$ZOO_PATTERNS_MIRROR`` when set, else the
    workbook zoo, built on first use.
    """

    zoo: str | Path | Callable[[], str | Path] | None = None
    cache: Cache | str | Path | None = None
    offline: bool | None = None
    verify: str = "stamp"  # or "full": re-hash every file on every hit
    progress: bool = True
    retries: int = 3
    backoff: float = 0.5
    timeout: float = 10.0
    lock_timeout: float = 60.0
    resolvers: ResolverChain = field(default_factory=ResolverChain)
    fetcher: Fetcher | None = None

    def __post_init__(self) -> None:
        from ..settings import is_offline

        if self.verify not in ("stamp", "full"):
            raise ValueError(f"verify={self.verify!r}: expected 'stamp' (hash when the stamp changed) or 'full' (always hash).")
        self.cache = self.cache if isinstance(self.cache, Cache) else Cache(self.cache)
        self.offline = is_offline() if self.offline is None else bool(self.offline)
        if self.fetcher is None:
            self.fetcher = Fetcher(retries=self.retries, backoff=self.backoff, timeout=self.timeout, offline=self.offline)

    # -- layer 1 ----------------------------------------------------------------
    def default_zoo(self) -> str:
        """The zoo that ``zoo://`` names and bare names resolve against, as a URL."""
        zoo = default_source if self.zoo is None else self.zoo
        return zoo_location(zoo() if callable(zoo) else zoo)

    def resolve(self, ref: str) -> Manifest:
        ref = normalise(ref)
        zoo = self.default_zoo() if ref.startswith("zoo://") else None
        try:
            return self.resolvers.resolve(Request(ref, self.offline, zoo))
        except (OfflineError, NetworkError) as exc:
            name, version = _name_of(ref)
            cached = self.cache.load_ref(name, version)
            if cached is None:
                if isinstance(exc, NetworkError):
                    raise
                raise OfflineError(
                    f"{name}{'@' + version if version else ''} is not in the cache at {self.cache.root} and offline mode "
                    "is on (offline=True or ZOO_PATTERNS_OFFLINE=1), so it was not fetched. Fetch it once while online: "
                    f"`python -m zoo_patterns fetch {name} --zoo URL --cache {self.cache.root}`, then load it offline."
                ) from None
            check_manifest(cached, where=f"the cached ref of {name} in {self.cache.root}")  # written by an older version?
            if isinstance(exc, NetworkError):
                warnings.warn(f"{exc} Using the cached {name} {cached.version}.", stacklevel=3)
            return cached

    # -- layers 2 to 4 ------------------------------------------------------------
    def _intact(self, manifest: Manifest, folder: Path, stamps: Stamps) -> list[RemoteFile]:
        bad = []
        for f in manifest.files:
            path = self.cache.blob(f.sha256) if f.unpack else self.cache.snapshot_file(folder, f.path)
            if not verify_cached(path, size=f.size, sha256=f.sha256, stamps=stamps, full=self.verify == "full"):
                bad.append(f)
        return bad

    def _blob_ok(self, f: RemoteFile) -> bool:
        blob = self.cache.blob(f.sha256)
        if not blob.exists():
            return False
        try:
            verify_file(blob, size=f.size, sha256=f.sha256)
            return True
        except IntegrityError:
            blob.unlink(missing_ok=True)
            return False

    def fetch(self, ref: str, *, on_progress: Callable[[int, int], None] | None = None) -> Snapshot:
        """Resolve ``ref`` and make sure a verified copy of every file is in the cache.

        ``on_progress(done_bytes, total_bytes)`` is told as a download goes (not called on a cache hit):
        how a UI binds a progress bar to this one call.
        """
        manifest = self.resolve(ref)
        if manifest.yanked:
            warnings.warn(
                f"{manifest.name}@{manifest.version} is yanked ({manifest.yanked}); it loads because you asked for it "
                f"exactly. Move to a version that is not: `python -m zoo_patterns list --all-versions {manifest.name}`.",
                stacklevel=2,
            )
        folder = self.cache.snapshot(manifest)
        repaired: list[str] = []
        if folder.is_dir():
            stamps = Stamps(self.cache.stamps_file(manifest))
            bad = self._intact(manifest, folder, stamps)
            if not bad:
                stamps.save()
                return Snapshot(folder, manifest, self.cache.blobs)
            repaired = [f.path for f in bad]
            warnings.warn(
                f"{manifest.name}: {', '.join(repaired)} failed verification in the cache (changed on disk since it "
                "was verified); removing the bad copy and fetching it again.",
                stacklevel=2,
            )
            for f in bad:
                self.cache.blob(f.sha256).unlink(missing_ok=True)
            self.cache.drop_snapshot(manifest)
        missing = [f for f in manifest.files if not self._blob_ok(f)]
        remote = [f for f in missing if not f.url.startswith("file://")]
        if remote and self.offline:
            what = "were corrupt and removed" if repaired else "are not in the cache"
            raise OfflineError(
                f"{manifest.name} {manifest.version}: {len(remote)} file(s) {what} ({', '.join(f.path for f in remote)}) "
                "and offline mode is on, so nothing was downloaded. Go online (unset ZOO_PATTERNS_OFFLINE or pass "
                f"offline=False) and fetch {manifest.name} again."
            )
        self._download(manifest, missing, on_progress)
        folder = self.cache.make_snapshot(manifest, unpack=safe_extract)
        stamps = Stamps(self.cache.stamps_file(manifest))
        for f in manifest.files:  # just verified: record stamps so the next hit costs a stat per file
            stamps.record(self.cache.blob(f.sha256) if f.unpack else self.cache.snapshot_file(folder, f.path), f.sha256)
        stamps.save()
        self.cache.save_ref(manifest)
        return Snapshot(folder, manifest, self.cache.blobs, tuple(f.path for f in missing), tuple(repaired))

    def _download(self, manifest: Manifest, files: list[RemoteFile], on_progress=None) -> None:
        if not files:
            return
        from tqdm.auto import tqdm

        self.cache.clean_tmp()  # downloads abandoned by killed processes, before this one adds its own

        total = sum(f.size for f in files)
        with tqdm(total=total, unit="B", unit_scale=True, desc=f"fetch {manifest.name}", disable=not self.progress) as bar:
            if on_progress is not None:
                bar = _ReportingBar(bar, total, on_progress)
            for f in files:
                with self.cache.lock(f.sha256, timeout=self.lock_timeout):
                    if self._blob_ok(f):  # another process fetched it while we waited for the lock
                        bar.update(f.size)
                        continue
                    self.fetcher.fetch(f, self.cache, bar=bar)

    # -- layer 5 ----------------------------------------------------------------------
    def load(self, ref: str, *, on_progress: Callable[[int, int], None] | None = None) -> Any:
        """Fetch (or find in the cache), verify and decode: the framework's own model object.

        To wrap it in the ZooModel interface, use ``zoo_patterns.load(ref, adapt=True)`` (or
        ``zoo_patterns.build(loader.fetch(ref), adapt=True)``): the adapters sit beside the loader, not under it.
        """
        snapshot = self.fetch(ref, on_progress=on_progress)
        return decode(snapshot.folder, snapshot.manifest.format)
