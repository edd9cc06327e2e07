"""Checks for exercise 04: the layered loader."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from . import Question, expect


def _files(folder: Path) -> dict[str, bytes]:
    data = bytes(range(256)) * 4096  # 1 MiB: more than one read for a chunked hash
    cases = {"good.bin": data, "short.bin": data[:-1], "flipped.bin": data[:-1] + bytes([data[-1] ^ 1]), "empty.bin": b""}
    for name, content in cases.items():
        (folder / name).write_bytes(content)
    return cases


def _check_verify(verify) -> None:
    expect(callable(verify), f"expected a function verify(path, size, sha256), got {type(verify).__name__}.")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = _files(folder)
        good = cases["good.bin"]
        size, sha = len(good), hashlib.sha256(good).hexdigest()
        expect(verify(folder / "good.bin", size, sha) is True, "an intact file should give True.")
        expect(verify(folder / "short.bin", size, sha) is False, "a file one byte short should give False.")
        expect(
            verify(folder / "flipped.bin", size, sha) is False,
            "a file of the right size with one changed byte should give False.",
        )
        empty_sha = hashlib.sha256(b"").hexdigest()
        expect(verify(folder / "empty.bin", 0, empty_sha) is True, "an empty file with the empty file's hash is intact.")
        expect(verify(folder / "missing.bin", size, sha) is False, "a missing file should give False, not raise.")


q1 = Question(
    "q1",
    _check_verify,
    hints=[
        "Check the cheap thing first: a truncated download has the wrong size. Then the hash, read in blocks so a large file never sits in memory.",
        "Lesson 04 checks every file in section '7. A corrupted file is caught and fetched again'; section '3. Fetch: the first download' shows where the size and sha256 come from.",
        "Path.stat().st_size, then h = hashlib.sha256(); for each f.read(1 << 20) block: h.update(block); compare h.hexdigest().",
    ],
    solution="""def verify(path, size, sha256):
    path = Path(path)
    if not path.is_file() or path.stat().st_size != size:
        return False
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest() == sha256""",
)


def _check_resolver(resolver, loader) -> None:
    from ..loader import Loader, Request

    expect(hasattr(resolver, "supports") and hasattr(resolver, "resolve"), "a resolver needs supports() and resolve().")
    expect(isinstance(loader, Loader), f"expected the Loader you registered it on, got {type(loader).__name__}.")
    expect(resolver in loader.resolvers.resolvers, "register your resolver on the loader: loader.resolvers.register(...).")
    expect(resolver.supports(Request("mirror://digits-cnn-torch", False, None)) is True, "it should support mirror://NAME.")
    for other in ("zoo://digits-cnn-torch", "http://127.0.0.1/digits-cnn-torch", "/tmp/model"):
        expect(not resolver.supports(Request(other, False, None)), f"it should not claim {other!r}; leave that to the others.")
    snap = loader.fetch("mirror://digits-cnn-onnx")
    expect(snap.manifest.name == "digits-cnn-onnx", f"mirror://digits-cnn-onnx resolved to {snap.manifest.name!r}.")


q2 = Question(
    "q2",
    _check_resolver,
    hints=[
        "A resolver claims the refs it understands (supports) and turns them into a manifest (resolve); it can hand the work to an existing resolver.",
        "Lesson 04 shows it in section '2. Resolve: a name becomes a manifest'.",
        "In resolve, rewrite the ref to 'zoo://' + the name and call IndexResolver().resolve(Request(new_ref, request.offline, MIRROR)).",
    ],
    solution="""class MirrorResolver:
    def supports(self, request):
        return request.ref.startswith("mirror://")

    def resolve(self, request):
        name = request.ref[len("mirror://"):]
        return IndexResolver().resolve(Request("zoo://" + name, request.offline, MIRROR))

mirror_resolver = loader.resolvers.register(MirrorResolver())""",
)


def _check_offline(offline_loader, cache) -> None:
    from ..errors import OfflineError
    from ..loader import Loader

    expect(isinstance(offline_loader, Loader), f"expected a Loader, got {type(offline_loader).__name__}.")
    expect(offline_loader.offline is True, "this loader would still use the network: switch offline mode on.")
    expect(offline_loader.cache.root == cache.root, "use the same cache as the exercise, or nothing is cached for it.")
    expect(offline_loader.fetch("digits-cnn-torch").from_cache, "digits-cnn-torch should load from the cache.")
    try:
        offline_loader.fetch("silero-vad-onnx")
    except OfflineError:
        return
    expect(False, "silero-vad-onnx was never fetched, yet it loaded: that loader is not offline.")


q3 = Question(
    "q3",
    _check_offline,
    hints=[
        "Offline mode is a property of the loader: it serves what the cache holds and refuses the rest.",
        "Lesson 04 shows it in section '6. Offline mode'.",
        "Loader takes offline= as a keyword, with the same zoo and cache.",
    ],
    solution="offline_loader = Loader(zoo=MIRROR, cache=cache, offline=True)",
)
