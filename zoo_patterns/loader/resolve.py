"""Layer 1, resolve: turn a reference into a manifest, the list of files a model needs.

A reference is a string a user types. A chain of resolvers, tried in order,
each asks ``supports(ref)`` and the first that says yes turns it into a
:class:`Manifest`: the model's name, version and format, and for every file
its path, size, sha256 and where to get it. This is TF Hub's resolver chain
(``is_supported`` then call); new schemes join with :meth:`ResolverChain.register`.

=============================  =============================================
``zoo://name[@ref]``            the loader's default zoo (a URL or a folder)
``http(s)://host/zoo/name``     a served zoo; the last segment is the model
``file:///abs/zoo/name``        a zoo folder on disk, same shape
``/abs/path`` or ``./rel``      one model folder (a card plus its files)
=============================  =============================================

``ref`` is a version (``@1.0.0``) or a content id (``@3f2a9c1``, 7 to 40 hex
digits); without it the newest version not yanked is meant
(:func:`zoo_patterns.index.select` decides, for every reader alike).

Resolving reads only the zoo's ``index.json`` (a few kB). In offline mode a
remote zoo is never asked: the manifest comes from the cache's refs instead.

An index is untrusted input, like an archive: :func:`zoo_patterns.index.parse_index`
checks all of it (paths, names, versions, sizes, hashes) before anything is
read, and :meth:`ResolverChain.resolve` checks every manifest any resolver
returns with the same rules (:func:`check_manifest`), so a new resolver cannot
forget to.
"""

from __future__ import annotations

import dataclasses
import os
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..errors import IndexFormatError, InvalidReferenceError, NetworkError, OfflineError, UnsafePathError
from ..index import INDEX, NAME, VERSION, check_file, check_name, check_version, parse_index, select


@dataclass(frozen=True)
class RemoteFile:
    """One file of a model: its path inside the model folder, its size and hash, and its URL."""

    path: str
    size: int
    sha256: str
    url: str
    unpack: bool = False  # an archive to extract into the model folder after verification


@dataclass(frozen=True)
class Manifest:
    """What a reference resolved to: enough to fetch, verify and decode a model."""

    name: str
    version: str
    format: str
    source: str
    files: tuple[RemoteFile, ...]
    yanked: str | None = None  # the reason, when this version was withdrawn (an exact pin still loads it)

    @property
    def content_id(self) -> str:
        """The version's content id (:func:`zoo_patterns.index.content_id`): what ``name@<id>`` pins."""
        from ..index import content_id

        return content_id((f.path, f.sha256) for f in self.files)

    @property
    def key(self) -> str:
        """A content key: equal manifests (same files, same bytes) share one cache snapshot."""
        import hashlib

        text = "\n".join(f"{f.path} {f.sha256} {int(f.unpack)}" for f in sorted(self.files, key=lambda f: f.path))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "format": self.format,
            "source": self.source,
            "files": [dataclasses.asdict(f) for f in self.files],
            "yanked": self.yanked,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Manifest:
        files = tuple(RemoteFile(**f) for f in data["files"])
        return cls(data["name"], data["version"], data["format"], data["source"], files, data.get("yanked"))


@dataclass(frozen=True)
class Request:
    """A reference taken apart: the scheme, where the zoo is, and which model."""

    ref: str
    offline: bool
    default_zoo: str | None


class Resolver(Protocol):
    def supports(self, request: Request) -> bool: ...

    def resolve(self, request: Request) -> Manifest: ...


def split_name(text: str) -> tuple[str, str | None]:
    """``'minilm-l6@1.0.0'`` -> ``('minilm-l6', '1.0.0')``; the version (or content id) is optional."""
    name, _, version = text.partition("@")
    if not NAME.match(name) or (version and not VERSION.match(version)):
        lower = f" Did you mean {text.lower()!r}?" if NAME.match(name.lower()) and name != name.lower() else ""
        raise InvalidReferenceError(
            f"{text!r} is not a model name: expected NAME or NAME@VERSION, a name of 2-63 lower-case letters, digits, "
            f"'.', '_' and '-', for example 'digits-cnn-torch' or 'digits-cnn-torch@1.0.0'.{lower}"
        )
    return name, version or None


def zoo_location(zoo: str | Path) -> str:
    """A zoo given as a URL or a folder, as a URL ending in '/': ``file:///...`` for folders."""
    text = str(zoo)
    if re.match(r"^(https?|file)://", text):
        return text if text.endswith("/") else text + "/"
    return Path(text).expanduser().resolve().as_uri() + "/"


def read_text(url: str, *, offline: bool, timeout: float = 10.0) -> str:
    """GET a small text file (an index) from ``file://`` or ``http(s)://``; refuse the network offline."""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme == "file":
        path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
        if not path.exists():
            raise FileNotFoundError(path)
        data = path.read_bytes()
    elif offline:
        raise OfflineError(f"offline mode is on, so {url} was not requested.")
    else:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                data = response.read()
        except OSError as exc:
            raise NetworkError(
                f"could not read {url} ({exc}). Expected a zoo served there: start one with "
                "`python -m zoo_patterns serve --dir ZOO --port PORT`, check the URL, or use offline mode for cached models."
            ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise IndexFormatError(
            f"{url} is not UTF-8 text, so it is not a zoo index; check the URL, or copy the zoo again."
        ) from None


class IndexResolver:
    """Resolve a name against a zoo's ``index.json``, served over HTTP or sitting in a folder."""

    def supports(self, request: Request) -> bool:
        return request.ref.startswith(("zoo://", "http://", "https://", "file://"))

    def resolve(self, request: Request) -> Manifest:
        ref = request.ref
        if ref.startswith("zoo://"):
            if request.default_zoo is None:
                raise InvalidReferenceError(f"{ref!r} needs a default zoo; pass zoo=URL_OR_FOLDER to the Loader.")
            root, model = zoo_location(request.default_zoo), ref[len("zoo://") :]
        else:
            root, _, model = ref.rstrip("/").rpartition("/")
            root += "/"
        name, version = split_name(model)
        if request.offline and not root.startswith("file://"):
            raise OfflineError(f"offline mode is on, so {root}{INDEX} was not read.")  # the Loader catches this
        try:
            index = parse_index(read_text(root + INDEX, offline=request.offline), where=f"the zoo index {root}{INDEX}")
        except FileNotFoundError:
            raise InvalidReferenceError(
                f"{root} has no {INDEX}, so it is not a zoo. Build one with `python -m zoo_patterns build --out DIR`."
            ) from None
        return manifest_from_index(index, root, name, version)


def manifest_from_index(index: dict, root: str, name: str, version: str | None) -> Manifest:
    """The manifest of ``name`` (``version``: a version, a content id, or None for the newest) in a checked index."""
    entry = select(index, name, version, where=f"the zoo at {root}")
    files = []
    for f in entry["files"]:
        inner = f["path"][len(entry["folder"]) + 1 :]  # checked: every path is NAME/VERSION/...
        url = root + urllib.parse.quote(f["path"])
        files.append(RemoteFile(inner, f["size"], f["sha256"], url, f.get("unpack", False)))
    return Manifest(name, entry["version"], entry["format"], root, tuple(files), entry.get("yanked"))


class LocalFolderResolver:
    """A model folder on disk (its ``README.md`` card lists the files): no zoo, no index."""

    def supports(self, request: Request) -> bool:
        return "://" not in request.ref and (Path(request.ref).expanduser() / "README.md").is_file()

    def resolve(self, request: Request) -> Manifest:
        from ..cards import ModelCard

        folder = Path(request.ref).expanduser().resolve()
        card = ModelCard.load(folder / "README.md")
        if not card.files:
            raise InvalidReferenceError(f"the card in {folder} lists no files, so nothing can be verified. Add `files:` to it.")
        files = [RemoteFile(f.path, f.size, f.sha256, (folder / f.path).as_uri()) for f in card.files]
        # The card cannot list its own hash: it is hashed as found, so the snapshot carries it too.
        from .verify import sha256_file

        readme = folder / "README.md"
        files.append(RemoteFile("README.md", readme.stat().st_size, sha256_file(readme), readme.as_uri()))
        return Manifest(card.name, card.version, card.format, folder.as_uri() + "/", tuple(files))


class ResolverChain:
    """Resolvers tried in order; the first whose ``supports`` says yes resolves the reference."""

    def __init__(self, resolvers: list[Resolver] | None = None):
        self.resolvers: list[Resolver] = list(resolvers) if resolvers is not None else [IndexResolver(), LocalFolderResolver()]

    def register(self, resolver: Resolver, *, first: bool = True) -> Resolver:
        """Add a resolver; ``first=True`` lets it shadow the built-in schemes."""
        self.resolvers.insert(0 if first else len(self.resolvers), resolver)
        return resolver

    def find(self, request: Request) -> Resolver:
        for resolver in self.resolvers:
            if resolver.supports(request):
                return resolver
        raise InvalidReferenceError(
            f"no resolver understands {request.ref!r}. Expected zoo://NAME[@VERSION], http(s)://HOST/ZOO/NAME, "
            "file:///ZOO/NAME or a model folder with a README.md card; register a Resolver for a new scheme."
        )

    def resolve(self, request: Request) -> Manifest:
        return check_manifest(self.find(request).resolve(request))


def check_manifest(manifest: Manifest, where: str | None = None) -> Manifest:
    """Refuse a manifest whose name, version or files break the index rules, whoever resolved it.

    Paths here are inside the model folder. A ``file://`` file of a ``file://`` source must lie inside
    that source folder, so a resolver cannot make the loader read a file from elsewhere on the disk.
    """
    where = where or f"the manifest resolved from {manifest.source}"
    name = check_name(manifest.name, where=where)
    check_version(manifest.version, model=name, where=where)
    seen: set = set()
    for f in manifest.files:
        check_file(f.path, f.size, f.sha256, model=name, where=where, seen=seen, in_zoo=False)
        if manifest.source.startswith("file://") and f.url.startswith("file://"):
            source, path = (Path(urllib.request.url2pathname(urllib.parse.urlsplit(u).path)) for u in (manifest.source, f.url))
            if not Path(os.path.normpath(path)).is_relative_to(source):
                raise UnsafePathError(
                    f"{where} fetches {f.path!r} of model {name!r} from {f.url}, which is outside {manifest.source}. "
                    "Refused before anything was read."
                )
    return manifest


def normalise(ref: str) -> str:
    """A bare name means the default zoo: ``'digits-cnn-torch'`` -> ``'zoo://digits-cnn-torch'``."""
    if "://" in ref or "/" in ref or ref.startswith((".", "~")):
        return ref
    return f"zoo://{ref}" if NAME.match(ref.partition("@")[0]) else ref
