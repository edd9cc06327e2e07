"""Issue 21: a zoo's index.json is untrusted input, checked before anything it names is read or written.

Each hostile index here is built so that only the path rule can stop it: the bytes it points at really
exist where a resolver would read them (over ``file://`` and over HTTP), and its sizes and sha256 match
them. Each test then checks that the loader refused with :class:`UnsafePathError` naming the model, the
path and the rule, that nothing was fetched (no blob, no snapshot, no ref, no request but the index), and
that no file outside the cache was created or touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from helpers import ROOT, make_card, run_cli

from zoo_patterns.errors import IndexFormatError, InvalidCardError, UnsafePathError
from zoo_patterns.index import NAME, check_index, read_index
from zoo_patterns.loader import Cache, Loader, ZooServer
from zoo_patterns.loader.resolve import Manifest, RemoteFile, ResolverChain
from zoo_patterns.loader.serve import ZooRequestHandler

GOOD = b"the weights of m1"
EVIL = b"bytes the index must never reach"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Counting(ZooRequestHandler):
    hits: Counter = Counter()

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).hits[self.path] += 1
        super().do_GET()


def hostile_zoo(tmp_path: Path, path: str, *, data: bytes = EVIL) -> Path:
    """A zoo (deep inside tmp_path, so '..' paths land inside it too) whose m1 lists one extra file, ``path``.

    ``data`` is written wherever a resolver would read ``path`` from: joined to the zoo folder (``file://``)
    and as an HTTP server maps the URL (it drops '..' and a leading '/'). The entry's size and sha256 match.
    """
    zoo = tmp_path / "a" / "b" / "c" / "zoo"
    for name, content in (("m1", GOOD), ("m2", EVIL)):
        (zoo / name).mkdir(parents=True, exist_ok=True)
        (zoo / name / "w.bin").write_bytes(content)
    if "\0" not in path and path:
        for where in {
            os.path.normpath(zoo / path),
            os.path.normpath(f"{zoo}/{path}"),
            str(zoo / os.path.normpath("/" + path).lstrip("/")),
        }:
            if Path(where).is_relative_to(tmp_path) and not Path(where).is_dir():
                Path(where).parent.mkdir(parents=True, exist_ok=True)
                Path(where).write_bytes(data)
    files = [{"path": "m1/w.bin", "size": len(GOOD), "sha256": sha(GOOD)}, {"path": path, "size": len(data), "sha256": sha(data)}]
    models = [
        {"name": "m1", "version": "1.0.0", "format": "raw", "card": "m1/README.md", "files": files},
        {
            "name": "m2",
            "version": "1.0.0",
            "format": "raw",
            "files": [{"path": "m2/w.bin", "size": len(EVIL), "sha256": sha(EVIL)}],
        },
    ]
    (zoo / "index.json").write_text(json.dumps({"zoo": "test", "format_version": 1, "models": models}))
    return zoo


def outside_cache(tmp_path: Path, cache: Path) -> dict[str, tuple]:
    """Every file and folder under tmp_path but outside the cache, with its bytes, mtime and inode."""
    out = {}
    for p in tmp_path.rglob("*"):
        if not p.is_relative_to(cache):
            st = p.lstat()
            out[str(p)] = (p.read_bytes() if p.is_file() else None, st.st_mtime_ns, st.st_ino)
    return out


def cached_anything(cache: Path) -> list[Path]:
    return [p for d in ("blobs", "snapshots", "refs") if (cache / d).exists() for p in (cache / d).rglob("*")]


@pytest.fixture(params=["file", "http"])
def scheme(request):
    return request.param


def refused(tmp_path: Path, zoo: Path, scheme: str, match: str, ref: str = "m1") -> UnsafePathError:
    """Fetch ``ref`` from ``zoo``; expect a refusal matching ``match`` with nothing read or written."""
    cache = tmp_path / "cache"
    before = outside_cache(tmp_path, cache)
    Counting.hits = Counter()
    with ZooServer(zoo, handler=Counting) as url:
        loader = Loader(zoo=url if scheme == "http" else zoo.as_uri(), cache=cache, progress=False, backoff=0.01)
        with pytest.raises(UnsafePathError, match=match) as info:
            loader.fetch(ref)
    assert loader.fetcher.requests == 0, "a file was opened after the index was refused"
    assert dict(Counting.hits) == ({"/index.json": 1} if scheme == "http" else {}), "one request, no retries"
    assert cached_anything(cache) == [], "nothing may reach the cache"
    assert outside_cache(tmp_path, cache) == before, "a file outside the cache was created or changed"
    assert len(str(info.value).splitlines()) == 1
    return info.value


# -- the path rule, one case per rule ----------------------------------------------------------------------
PATHS = [
    ("dotdot", "../../../../outside/evil.txt", "'..' component"),
    ("dotdot-in-model", "m1/../../../../landed.txt", "'..' component"),  # would write tmp_path/landed.txt
    ("absolute", "/ABSOLUTE", "absolute"),  # replaced by a path under tmp_path in the test
    ("backslash", "m1\\..\\..\\evil.txt", "backslash"),
    ("drive-letter", "C:/evil.txt", "drive letter"),
    ("nul", "m1/evil\0.txt", "control character"),
    ("newline", "m1/evil\n.txt", "control character"),
    ("escape-char", "m1/\x1b[2Jevil.txt", "control character"),
    ("empty", "", "non-empty string"),
    ("dot", "m1/./evil.txt", "empty or '.' component"),
    ("double-slash", "m1//evil.txt", "empty or '.' component"),
    ("other-model", "m2/w.bin", "not inside the model's own folder 'm1/'"),
    ("zoo-root", "evil.txt", "not inside the model's own folder 'm1/'"),
    ("model-folder-itself", "m1", "not inside the model's own folder 'm1/'"),
]


@pytest.mark.parametrize("path, rule", [p[1:] for p in PATHS], ids=[p[0] for p in PATHS])
def test_a_hostile_file_path_is_refused_before_anything_is_read_or_written(tmp_path, scheme, path, rule):
    if path == "/ABSOLUTE":
        path = str(tmp_path / "outside" / "abs.txt")
    zoo = hostile_zoo(tmp_path, path)
    error = refused(tmp_path, zoo, scheme, rule)
    assert "'m1'" in str(error) and repr(path) in str(error), "the message names the model and the path"


@pytest.mark.parametrize("twin", ["m1/w.bin", "m1/W.bin"], ids=["same", "case"])
def test_a_file_listed_twice_is_refused(tmp_path, scheme, twin):
    zoo = hostile_zoo(tmp_path, twin, data=GOOD)
    refused(tmp_path, zoo, scheme, "twice")


def edit_m1(zoo: Path, **changes) -> Path:
    index = json.loads((zoo / "index.json").read_text())
    index["models"][0].update(changes)
    (zoo / "index.json").write_text(json.dumps(index))
    return zoo


@pytest.mark.parametrize(
    "changes, rule",
    [
        ({"version": "../../../../../pwned"}, "version"),  # the cache's refs/m1/<version>.json would land outside
        ({"version": "1.0 beta"}, "version"),
        ({"version": 1}, "version"),
        ({"card": "../README.md"}, "'..' component"),
        ({"name": "../../evil"}, "model name"),
        ({"name": "M1"}, "model name"),
        ({"name": "x" * 64}, "model name"),
    ],
    ids=["version-dotdot", "version-space", "version-number", "card-dotdot", "name-dotdot", "name-upper", "name-long"],
)
def test_names_versions_and_cards_must_be_well_formed(tmp_path, scheme, changes, rule):
    zoo = edit_m1(hostile_zoo(tmp_path, "m1/extra.bin"), **changes)
    ref = "m2" if "name" in changes else "m1"  # the whole index is refused, whichever model is asked for
    refused(tmp_path, zoo, scheme, rule, ref=ref)


@pytest.mark.parametrize(
    "field, value, rule",
    [
        ("size", "7", "size"),
        ("size", -1, "size"),
        ("size", True, "size"),
        ("size", 7.0, "size"),
        ("sha256", "../../../../evil", "sha256"),  # it names the blob: CACHE/blobs/<sha256>
        ("sha256", "A" * 64, "sha256"),
    ],
    ids=["size-string", "size-negative", "size-bool", "size-float", "sha-dotdot", "sha-upper"],
)
def test_sizes_and_hashes_must_be_well_formed(tmp_path, scheme, field, value, rule):
    zoo = hostile_zoo(tmp_path, "m1/extra.bin")
    index = json.loads((zoo / "index.json").read_text())
    index["models"][0]["files"][1][field] = value
    (zoo / "index.json").write_text(json.dumps(index))
    refused(tmp_path, zoo, scheme, rule)


def test_a_model_listed_twice_is_refused(tmp_path, scheme):
    zoo = hostile_zoo(tmp_path, "m1/extra.bin")
    index = json.loads((zoo / "index.json").read_text())
    index["models"].append(dict(index["models"][1]))
    (zoo / "index.json").write_text(json.dumps(index))
    refused(tmp_path, zoo, scheme, "model 'm2' twice", ref="m1")


def test_a_safe_index_with_nested_paths_still_loads(tmp_path, scheme):
    zoo = hostile_zoo(tmp_path, "m1/sub/dir/extra.bin")
    with ZooServer(zoo) as url:
        snap = Loader(zoo=url if scheme == "http" else zoo.as_uri(), cache=tmp_path / "cache", progress=False).fetch("m1")
    assert (snap.folder / "sub" / "dir" / "extra.bin").read_bytes() == EVIL


def test_every_model_of_the_built_zoo_passes_the_rules():
    from zoo_patterns.zoo import ensure_built_once

    index = read_index(ensure_built_once())  # read_index checks the whole index
    assert index["models"] and all(NAME.match(m["name"]) for m in index["models"])


# -- the CLI: exit 6 in one line, the file system outside the cache unchanged --------------------------------
AUDIT = """
import os, sys
zoo, cache, evil, root = (os.path.realpath(p) for p in sys.argv[1:5])
events = []

def outside(path):  # under this test's folder, but not in the cache
    path = os.path.realpath(os.fsdecode(path))
    return path.startswith(root + os.sep) and not path.startswith(cache + os.sep)

def hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        writing = any(c in str(args[1] or "r") for c in "wax+") or (args[2] or 0) & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        if os.path.realpath(os.fsdecode(args[0])) == evil or (writing and outside(args[0])):
            events.append(("open", os.fsdecode(args[0])))
    elif event in ("os.link", "os.rename", "os.replace", "os.mkdir") and outside(args[0 if event == "os.mkdir" else 1]):
        events.append((event, os.fsdecode(args[0])))

sys.addaudithook(hook)
from zoo_patterns.__main__ import main
code = main(["fetch", "m1", "--zoo", sys.argv[5], "--cache", cache])
print(repr(events), file=sys.stderr)
sys.exit(code)
"""


def test_cli_fetch_of_a_dotdot_index_exits_6_in_one_line_and_reads_and_writes_nothing_outside(tmp_path, scheme):
    """The issue's own two cases, through the CLI, with an audit hook watching every open, link and rename."""
    for n, (path, source) in enumerate(
        [("../../../../outside/evil.txt", "outside/evil.txt"), ("m1/../../../../landed.txt", "a/landed.txt")]
    ):
        case = tmp_path / f"case{n}"
        zoo = hostile_zoo(case, path)
        assert (case / source).read_bytes() == EVIL, "the hostile source really exists"
        cache = case / "cache"
        before = outside_cache(case, cache)
        with ZooServer(zoo) as url:
            where = url if scheme == "http" else str(zoo)
            result = subprocess.run(
                [sys.executable, "-c", AUDIT, str(zoo), str(cache), str(case / source), str(case), where],
                capture_output=True,
                text=True,
                cwd=ROOT,
                timeout=120,
            )
        error, events = result.stderr.strip().splitlines()
        assert result.returncode == 6 and result.stdout == "", result.stderr
        assert error.startswith("error: ") and "'m1'" in error and repr(path) in error and "'..' component" in error
        assert events == "[]", f"read or wrote outside the zoo and the cache: {events}"
        assert outside_cache(case, cache) == before and cached_anything(cache) == []


# -- index.json errors name the file and the fix -------------------------------------------------------------
FORMATS = [
    ("truncated", None, "is cut short"),
    ("empty", "", "is empty"),
    ("html", "<html><body>Not a zoo</body></html>", "is not JSON"),
    ("a-list", "[1, 2]", "expected an object with a 'models' list"),
    ("no-models", '{"zoo": "x"}', "expected an object with a 'models' list"),
    ("models-not-list", '{"models": {"m1": {}}}', "expected an object with a 'models' list"),
    ("format-version", '{"format_version": 3, "models": []}', "format_version 3; this zoo-patterns reads format_version 1 and 2"),
    ("entry-not-object", '{"models": ["m1"]}', "model entry without"),
    ("not-utf8", b"\xff\xfe{}", "not UTF-8"),
]


@pytest.mark.parametrize("text, message", [f[1:] for f in FORMATS], ids=[f[0] for f in FORMATS])
def test_an_unreadable_index_names_the_file_and_the_fix(tmp_path, scheme, text, message):
    zoo = hostile_zoo(tmp_path, "m1/extra.bin")
    index = zoo / "index.json"
    if text is None:
        text = index.read_text()[:461]  # cut inside a string, as in the issue
    index.write_bytes(text if isinstance(text, bytes) else text.encode())
    with ZooServer(zoo) as url:
        where = url if scheme == "http" else zoo.as_uri()
        with pytest.raises(IndexFormatError, match=message) as info:
            Loader(zoo=where, cache=tmp_path / "cache", progress=False).fetch("m1")
    text = str(info.value)
    assert "index.json" in text and any(fix in text.lower() for fix in ("rebuild", "upgrade", "copy")), text
    for raw in ("Expecting", "Unterminated", "char ", "codec"):  # json's and unicode's own messages
        assert raw not in text, text
    assert cached_anything(tmp_path / "cache") == []


def test_cli_truncated_index_is_one_line_exit_2(tmp_path):
    zoo = hostile_zoo(tmp_path, "m1/extra.bin")
    (zoo / "index.json").write_text((zoo / "index.json").read_text()[:461])
    result = run_cli("fetch", "m1", "--zoo", str(zoo), "--cache", str(tmp_path / "cache"))
    assert result.returncode == 2 and result.stdout == "", result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert str(zoo / "index.json") in line and "cut short" in line and "Unterminated" not in line, line


def test_read_index_checks_the_zoo_folder_too(tmp_path):
    zoo = hostile_zoo(tmp_path, "../../../../outside/evil.txt")  # the registry and `list` read it this way
    with pytest.raises(UnsafePathError, match="'..' component"):
        read_index(zoo)


# -- defence in depth: the cache checks every join, and every resolver's manifest is checked -----------------
def test_the_cache_refuses_a_join_that_lands_outside_it(tmp_path):
    cache = Cache(tmp_path / "cache")
    blob = cache.blob(sha(EVIL))
    blob.parent.mkdir(parents=True)
    blob.write_bytes(EVIL)
    sneaky = Manifest("m1", "1.0.0", "raw", "x", (RemoteFile("../../../../landed.txt", len(EVIL), sha(EVIL), "x"),))
    with pytest.raises(UnsafePathError, match="outside that folder"):
        cache.make_snapshot(sneaky, unpack=None)
    assert not (tmp_path / "landed.txt").exists() and not any((cache.root / "snapshots").rglob("*"))
    with pytest.raises(UnsafePathError):
        cache.save_ref(Manifest("m1", "../../../../pwned", "raw", "x", ()))
    with pytest.raises(UnsafePathError):
        cache.blob("../../../pwned")
    assert not any(p.name.startswith("pwned") for p in tmp_path.rglob("*"))


def test_a_registered_resolver_cannot_skip_the_checks(tmp_path):
    (tmp_path / "secret.txt").write_bytes(EVIL)
    folder = tmp_path / "zoo" / "m1"
    folder.mkdir(parents=True)

    class Sneaky:
        def __init__(self, path, url):
            self.path, self.url = path, url

        def supports(self, request):
            return request.ref.startswith("sneaky://")

        def resolve(self, request):
            f = RemoteFile(self.path, len(EVIL), sha(EVIL), self.url)
            return Manifest("m1", "1.0.0", "raw", folder.as_uri() + "/", (f,))

    secret = (tmp_path / "secret.txt").as_uri()
    for path, url, rule in (("../../secret.txt", secret, "'..' component"), ("w.bin", secret, "outside")):
        chain = ResolverChain()
        chain.register(Sneaky(path, url))
        loader = Loader(zoo=tmp_path / "zoo", cache=tmp_path / "cache", resolvers=chain, progress=False)
        with pytest.raises(UnsafePathError, match=rule):
            loader.fetch("sneaky://m1")
        assert loader.fetcher.requests == 0 and cached_anything(tmp_path / "cache") == []


def test_a_poisoned_cached_ref_is_refused_offline(tmp_path):
    cache = tmp_path / "cache"
    ref = cache / "refs" / "m1" / "latest.json"
    ref.parent.mkdir(parents=True)
    bad = Manifest(
        "m1", "1.0.0", "raw", "http://127.0.0.1:9/", (RemoteFile("../../../../x", 1, "0" * 64, "http://127.0.0.1:9/x"),)
    )
    ref.write_text(json.dumps(bad.to_dict()))  # as an older zoo-patterns could have written it
    with pytest.raises(UnsafePathError, match="cached ref"):
        Loader(zoo="http://127.0.0.1:9/", cache=cache, offline=True, progress=False).fetch("m1")


def test_a_local_model_folder_whose_card_climbs_out_is_refused(tmp_path):
    from zoo_patterns.cards import FileEntry

    (tmp_path / "secret.txt").write_bytes(EVIL)
    folder = tmp_path / "mine"
    folder.mkdir()
    make_card("mine", files=(FileEntry("../secret.txt", len(EVIL), sha(EVIL)),)).save(folder / "README.md")
    with pytest.raises(UnsafePathError, match="'..' component"):
        Loader(cache=tmp_path / "cache", progress=False).fetch(str(folder))
    assert cached_anything(tmp_path / "cache") == []


# -- publish writes no index the loader would refuse ---------------------------------------------------------
def model_folder(path: Path, name: str = "tiny-mlp", **card) -> Path:
    path.mkdir(parents=True)
    (path / "weights.safetensors").write_bytes(b"\0" * 64)
    make_card(name, **card).save(path / "README.md")
    return path


@pytest.mark.parametrize("bad", ["back\\slash.txt", "new\nline.txt"], ids=["backslash", "control-character"])
def test_publish_refuses_a_file_name_the_loader_would_refuse(tmp_path, bad):
    from zoo_patterns.zoo import publish

    source = model_folder(tmp_path / "m")
    (source / bad).write_bytes(b"x")
    with pytest.raises(UnsafePathError, match="backslash|control character"):
        publish(source, zoo=tmp_path / "zoo")
    assert not (tmp_path / "zoo" / "index.json").exists() and not (tmp_path / "zoo" / "tiny-mlp").exists()


def test_publish_refuses_a_symbolic_link_out_of_the_folder(tmp_path):
    (tmp_path / "secret.txt").write_text("a private key")
    source = model_folder(tmp_path / "m")
    (source / "extra.txt").symlink_to(tmp_path / "secret.txt")
    result = run_cli("publish", str(source), "--zoo", str(tmp_path / "zoo"))
    assert result.returncode == 6 and "symbolic links (extra.txt)" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    zoo = tmp_path / "zoo"
    assert not (zoo / "index.json").exists() and not [p for p in zoo.rglob("*") if p.is_file() and b"private" in p.read_bytes()]


def test_publish_refuses_a_card_version_that_is_a_path(tmp_path):
    from zoo_patterns.zoo import publish

    with pytest.raises(InvalidCardError, match="version"):
        publish(model_folder(tmp_path / "m", version="../../../pwned"), zoo=tmp_path / "zoo")
    assert not (tmp_path / "zoo" / "index.json").exists()


def test_publish_into_a_zoo_with_a_hostile_index_is_refused(tmp_path):
    from zoo_patterns.zoo import publish

    zoo = hostile_zoo(tmp_path, "../../../../outside/evil.txt")
    before = (zoo / "index.json").read_bytes()
    with pytest.raises(UnsafePathError, match="'..' component"):
        publish(model_folder(tmp_path / "m"), zoo=zoo)
    assert (zoo / "index.json").read_bytes() == before and not (zoo / "tiny-mlp").exists()


def test_a_published_index_passes_the_loader_checks_and_loads(tmp_path):
    """The positive case: what publish writes, the loader accepts."""
    from zoo_patterns.zoo import publish

    zoo = tmp_path / "zoo"
    publish(model_folder(tmp_path / "m"), zoo=zoo)
    assert check_index(json.loads((zoo / "index.json").read_text()), where="test")["models"][0]["name"] == "tiny-mlp"
    snap = Loader(zoo=zoo, cache=tmp_path / "cache", progress=False).fetch("tiny-mlp")
    assert (snap.folder / "weights.safetensors").read_bytes() == b"\0" * 64
