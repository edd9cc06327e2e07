"""Checks for exercise 04: the layered loader."""

from __future__ import annotations

import functools
import hashlib
import tempfile
from pathlib import Path

from . import PredictionQuestion, Question, expect


def _files(folder: Path) -> dict[str, tuple[str, bytes, int, str]]:
    """The files q1's check verifies: ``{case: (file name, content, size to expect, sha256 to expect)}``.

    The names and the content are drawn fresh each call, so a verify() that knows the check's files by
    name or by size cannot pass.
    """
    import secrets

    rng = secrets.SystemRandom()
    data = secrets.token_bytes(rng.randint(1 << 20, 3 << 19))  # about 1 to 1.5 MiB: more than one read of a chunked hash
    sha = hashlib.sha256(data).hexdigest()
    at = rng.randrange(len(data))
    flipped = data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]
    cases = {
        "intact": (data, len(data), sha),
        "one byte short": (data[:-1], len(data), sha),
        "one byte changed": (flipped, len(data), sha),
        "empty, with the empty file's hash": (b"", 0, hashlib.sha256(b"").hexdigest()),
        "intact, but the expected size is wrong": (data, len(data) + 1, sha),
    }
    names: set[str] = set()
    while len(names) < len(cases):  # distinct: two equal draws would write one file over the other
        names.add(f"{secrets.token_hex(4)}.bin")
    files = {}
    for (case, (content, size, digest)), name in zip(cases.items(), names, strict=True):
        (folder / name).write_bytes(content)
        files[case] = (name, content, size, digest)
    return files


def _check_verify(verify) -> None:
    expect(callable(verify), f"expected a function verify(path, size, sha256), got {type(verify).__name__}.")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = _files(folder)
        want = {"intact": True, "empty, with the empty file's hash": True}
        for case, (name, _, size, digest) in files.items():
            got = verify(folder / name, size, digest)
            expect(got is want.get(case, False), f"for a file {case}, verify should give {want.get(case, False)}, not {got!r}.")
        name, _, size, digest = files["intact"]
        expect(verify(folder / "missing.bin", size, digest) is False, "a missing file should give False, not raise.")


q1 = Question(
    "q1",
    _check_verify,
    hints=[
        "Check the cheap thing first: a truncated download has the wrong size. Then the hash, read in blocks so a large file never sits in memory.",
        "Lesson 04 shows it in section '9. A corrupted file is caught and fetched again': the loader hashes the "
        "damaged file in full and compares it with the sha256 in the manifest; sha256_file in "
        "zoo_patterns/hashing.py reads a file in blocks.",
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
    import random

    from .. import registry

    other = random.SystemRandom().choice([n for n in registry().names() if n != "digits-cnn-onnx"])  # fresh each call
    manifest = resolver.resolve(Request(f"mirror://{other}", False, None))
    expect(
        getattr(manifest, "name", None) == other,
        "mirror://NAME should resolve to NAME for every model (the check asked for another one), not always the same one.",
    )


q2 = Question(
    "q2",
    _check_resolver,
    hints=[
        "A resolver claims the refs it understands (supports) and turns them into a manifest (resolve); it can hand the work to an existing resolver.",
        "Lesson 04 shows it in section '3. The package's loader: resolve'.",
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


DAMAGES = ("truncated", "one byte changed", "one byte changed, stamp restored")
MODES = ("stamp", "full")


def damage(path: Path, how: str) -> None:
    """Damage a cached file the way question 3 describes."""
    import os

    st = os.stat(path)
    with open(path, "r+b") as f:
        if how == "truncated":
            f.truncate(st.st_size - 1)
            return
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 1]))
    if how == "one byte changed, stamp restored":  # what a careless tool (or an attacker) can do
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    else:  # an edit a second later (set here, so a coarse file-system clock cannot hide it)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))


def _run_damage(how: str, mode: str) -> bool:
    """Cache digits-cnn-torch, damage its weights, fetch again with ``verify=mode``: was it repaired?"""
    import warnings

    from .. import zoo_dir
    from ..loader import Cache, Loader

    with tempfile.TemporaryDirectory() as tmp:
        cache = Cache(Path(tmp) / "cache")
        Loader(zoo=str(zoo_dir()), cache=cache, progress=False).fetch("digits-cnn-torch")
        snap = Loader(zoo=str(zoo_dir()), cache=cache, progress=False).fetch("digits-cnn-torch")
        damage(snap.folder / "model.safetensors", how)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            again = Loader(zoo=str(zoo_dir()), cache=cache, progress=False, verify=mode).fetch("digits-cnn-torch")
        return "model.safetensors" in again.repaired


@functools.lru_cache(maxsize=1)
def _repaired() -> dict:
    return {(how, mode): _run_damage(how, mode) for how in DAMAGES for mode in MODES}


q3 = PredictionQuestion(
    "q3",
    "ex04",
    [(how, mode) for how in DAMAGES for mode in MODES],
    _repaired,
    shape="(damage, mode): True or False",
    keys_are="(damage, mode) pairs",
    value_ok=lambda v: isinstance(v, bool),
    value_rule="each prediction is True (repaired) or False (served as it is).",
    ask="Ask, for each damage: which of the stamp's three numbers changed?",
    hints=[
        "On a hit the loader does not re-hash: it compares a stamp recorded when the file was last hashed in full. "
        "It re-hashes only when the stamp differs, or always with verify='full'.",
        "Lesson 04 shows it in section '6. A cache hit: a stamp instead of a re-hash' and section '9. A corrupted file is caught and fetched again'; "
        "stamp() in zoo_patterns/loader/verify.py says what a stamp is.",
        "A stamp is (size, modification time in ns, inode). Truncating changes the size; writing a byte changes the "
        "modification time, unless someone sets it back with os.utime.",
    ],
    solution="""repaired = {
    ("truncated", "stamp"): True, ("truncated", "full"): True,
    ("one byte changed", "stamp"): True, ("one byte changed", "full"): True,
    ("one byte changed, stamp restored", "stamp"): False,  # the stamp matches, so the damaged file is served
    ("one byte changed, stamp restored", "full"): True,
}""",
)


# -- Q4: which version does each reference mean? ----------------------------------------------------------
# A zoo index as the loader sees it: four versions of one model, one yanked, one a pre-release.
VERSIONS = {"1.2.0": None, "1.9.0": None, "1.10.0": "wrong labels; use 1.9.0", "2.0.0-rc.1": None}


def versions_index() -> dict:
    """The index of a small zoo with the VERSIONS of ``digits-cnn`` (content ids from made-up files)."""
    from ..index import content_id

    models = []
    for version, yanked in VERSIONS.items():
        entry = {"name": "digits-cnn", "version": version, "content_id": content_id([("model.safetensors", version * 8)])}
        models.append({**entry, "yanked": yanked} if yanked else entry)
    return {"models": models}


def content_id_of(version: str) -> str:
    return next(m["content_id"] for m in versions_index()["models"] if m["version"] == version)


def references() -> list[str]:
    return ["digits-cnn", "digits-cnn@1.10.0", f"digits-cnn@{content_id_of('1.2.0')[:8]}", "digits-cnn@2.0.0-rc.1"]


def _resolve_version(ref: str) -> str:
    """What the loader resolves ``ref`` to in :func:`versions_index`: a version, or the error's class name."""
    from ..errors import ZooError
    from ..index import select

    name, _, pin = ref.partition("@")
    try:
        return select(versions_index(), name, pin or None)["version"]
    except ZooError as exc:
        return type(exc).__name__


q4 = PredictionQuestion(
    "q4",
    "ex04",
    references,
    lambda: {r: _resolve_version(r) for r in references()},
    shape="reference: version",
    keys_are="references()",
    value_ok=lambda v: isinstance(v, str),
    value_rule="each prediction is a version string such as '1.9.0' (or an error's class name).",
    ask="Ask of each: is it a bare name (newest by which order, and which versions are skipped?) or a pin?",
    hints=[
        "A bare name means the newest version a user should get: compare versions as numbers, not strings, and think "
        "about what a yank and a pre-release mean. A pin, by version or by content id, means exactly one version.",
        "Lesson 04 shows it in section '12. Versions and pins'; version_key and select in zoo_patterns/index.py decide.",
        "1.10.0 is newer than 1.9.0, but it is yanked; 2.0.0-rc.1 is a pre-release, which a bare name skips while a "
        "release exists. The content id prefix belongs to 1.2.0.",
    ],
    solution="""predicted = {
    "digits-cnn": "1.9.0",  # 1.10.0 is yanked and 2.0.0-rc.1 is a pre-release
    "digits-cnn@1.10.0": "1.10.0",  # an exact pin loads a yanked version (with a warning)
    f"digits-cnn@{content_id_of('1.2.0')[:8]}": "1.2.0",
    "digits-cnn@2.0.0-rc.1": "2.0.0-rc.1",
}""",
)
