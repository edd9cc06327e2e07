"""The layered loader, against a real loopback HTTP server with injected faults.

Each fault the issue names has its test: truncated response, wrong bytes,
server down, slow server, concurrent processes, corrupted cache blob, stale
lock, path-traversing archive and pickle file. The zoos here are small
folders of random bytes with a real index.json, so no framework is needed
except where decoding is the point.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import tarfile
import threading
import time
import urllib.request
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from helpers import ROOT, make_card, run_cli

from zoo_patterns.errors import (
    IntegrityError,
    InvalidReferenceError,
    ModelNotFoundError,
    NetworkError,
    OfflineError,
    UnknownFormatError,
    UnsafeArchiveError,
    UnsafeFormatError,
)
from zoo_patterns.loader import Cache, FileLock, Loader, ZooServer, decode, detect_format, safe_extract
from zoo_patterns.loader.resolve import Manifest, RemoteFile, Request
from zoo_patterns.loader.serve import ZooRequestHandler


# -- a small zoo and a server that misbehaves on request ------------------------------------
def make_zoo(root: Path, models: dict[str, dict[str, bytes]], *, unpack: tuple[str, ...] = ()) -> Path:
    """A zoo folder shaped like ``python -m zoo_patterns build``'s: one folder per model plus index.json."""
    entries = []
    for name, files in models.items():
        listed = []
        for rel, data in files.items():
            path = root / name / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            entry = {"path": f"{name}/{rel}", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            if rel in unpack:
                entry["unpack"] = True
            listed.append(entry)
        entries.append({"name": name, "version": "1.0.0", "format": "raw", "files": listed})
    (root / "index.json").write_text(json.dumps({"zoo": "test", "models": entries}))
    return root


def blob(size: int, seed: int) -> bytes:
    return (hashlib.sha256(str(seed).encode()).digest() * (size // 32 + 1))[:size]


class FaultyHandler(ZooRequestHandler):
    """Serves the zoo, except files named in ``faults``: truncate, corrupt, or stall them."""

    faults: dict[str, str] = {}
    hits: Counter = Counter()
    ranges: list[str] = []
    delay = 1.0

    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        type(self).hits[name] += 1
        if self.headers.get("Range"):
            type(self).ranges.append(f"{name} {self.headers['Range']}")
        fault = self.faults.get(name)
        if fault == "slow":
            time.sleep(self.delay)
        if fault in ("truncate", "truncate-once", "wrong-bytes") and not (fault == "truncate-once" and self.hits[name] > 1):
            data = Path(self.translate_path(self.path)).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if fault == "wrong-bytes":
                self.wfile.write(bytes([data[0] ^ 0xFF]) + data[1:])
            else:
                self.wfile.write(data[: len(data) // 2])
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        super().do_GET()


@pytest.fixture
def zoo(tmp_path):
    return make_zoo(
        tmp_path / "zoo",
        {
            "alpha": {"weights.bin": blob(300_000, 1), "config.json": b'{"a": 1}'},
            "beta": {"weights.bin": blob(200_000, 2)},
        },
    )


@pytest.fixture
def server(zoo):
    FaultyHandler.faults, FaultyHandler.hits, FaultyHandler.ranges = {}, Counter(), []
    with ZooServer(zoo, handler=FaultyHandler) as url:
        yield url


@pytest.fixture
def cache(tmp_path):
    return Cache(tmp_path / "cache")


def loader(server, cache, **kw) -> Loader:
    kw.setdefault("backoff", 0.01)
    return Loader(zoo=server, cache=cache, progress=False, **kw)


def leftovers(cache: Cache) -> list[Path]:
    return [p for p in (cache.root / "tmp").glob("*")] if (cache.root / "tmp").exists() else []


# -- the happy path ------------------------------------------------------------------------------
def test_fetch_verifies_and_lays_out_a_content_addressed_cache(server, cache):
    snap = loader(server, cache).fetch("alpha")
    assert sorted(snap.downloaded) == ["config.json", "weights.bin"]
    assert (snap.folder / "weights.bin").read_bytes() == blob(300_000, 1)
    sha = hashlib.sha256(blob(300_000, 1)).hexdigest()
    assert cache.blob(sha).read_bytes() == blob(300_000, 1)
    assert cache.load_ref("alpha", "1.0.0") == snap.manifest == cache.load_ref("alpha")
    assert leftovers(cache) == []


def test_a_cache_hit_downloads_nothing(server, cache):
    loader(server, cache).fetch("alpha")
    before = FaultyHandler.hits["weights.bin"]
    again = loader(server, cache).fetch("zoo://alpha@1.0.0")
    assert again.from_cache and FaultyHandler.hits["weights.bin"] == before


def test_an_updated_model_is_fetched_again(server, cache, zoo):
    loader(server, cache).fetch("beta")
    make_zoo(zoo, {"beta": {"weights.bin": blob(200_000, 99)}})  # the zoo publishes new weights
    snap = loader(server, cache).fetch("beta")
    assert snap.downloaded == ("weights.bin",) and (snap.folder / "weights.bin").read_bytes() == blob(200_000, 99)


def test_unknown_name_and_version_get_suggestions(server, cache):
    with pytest.raises(ModelNotFoundError, match="Did you mean: alpha"):
        loader(server, cache).fetch("alpah")
    with pytest.raises(ModelNotFoundError, match=r"the versions there: 1\.0\.0"):
        loader(server, cache).fetch("alpha@2.0.0")
    with pytest.raises(InvalidReferenceError, match="no resolver understands"):
        loader(server, cache).fetch("s3://bucket/alpha")


def test_a_new_resolver_can_be_registered(server, cache):
    class Mirror:
        def supports(self, request: Request) -> bool:
            return request.ref.startswith("mirror://")

        def resolve(self, request: Request) -> Manifest:
            return Loader(zoo=server, cache=cache).resolve(request.ref.replace("mirror://", "zoo://"))

    ld = loader(server, cache)
    ld.resolvers.register(Mirror())
    assert ld.fetch("mirror://beta").manifest.name == "beta"


# -- fault injection ------------------------------------------------------------------------------
def test_truncated_response_is_resumed_with_a_range_request(server, cache):
    FaultyHandler.faults = {"weights.bin": "truncate-once"}
    snap = loader(server, cache).fetch("alpha")
    assert (snap.folder / "weights.bin").read_bytes() == blob(300_000, 1)
    assert FaultyHandler.ranges == ["weights.bin bytes=150000-"]


def test_a_download_that_always_breaks_leaves_nothing_that_looks_complete(server, cache):
    FaultyHandler.faults = {"weights.bin": "truncate"}
    with pytest.raises(NetworkError, match=r"after 3 tries: the connection closed after \d+ of 300000 bytes"):
        loader(server, cache, retries=2).fetch("alpha")
    assert FaultyHandler.hits["weights.bin"] == 3
    sha = hashlib.sha256(blob(300_000, 1)).hexdigest()
    assert not cache.blob(sha).exists() and leftovers(cache) == []
    assert not (cache.root / "snapshots" / "alpha").exists() and cache.load_ref("alpha") is None


def test_downloads_abandoned_by_a_killed_process_are_cleaned_before_the_next_download(server, cache):
    (cache.root / "tmp").mkdir(parents=True)
    old, fresh = cache.root / "tmp" / "weights.bin.dead.incomplete", cache.root / "tmp" / "other.live.incomplete"
    old.write_bytes(b"half a download"), fresh.write_bytes(b"in progress elsewhere")
    os.utime(old, (time.time() - 2 * 24 * 3600,) * 2)  # two days old: its process is long gone
    loader(server, cache).fetch("alpha")
    assert not old.exists() and fresh.exists()


def test_wrong_bytes_are_refused_with_both_hashes(server, cache):
    FaultyHandler.faults = {"weights.bin": "wrong-bytes"}
    sha = hashlib.sha256(blob(300_000, 1)).hexdigest()
    with pytest.raises(IntegrityError, match=f"expected {sha}, got [0-9a-f]{{64}}") as info:
        loader(server, cache).fetch("alpha")
    assert info.value.expected == sha and info.value.actual != sha
    assert not cache.blob(sha).exists() and leftovers(cache) == []


def test_server_down_is_a_network_error_that_says_what_to_do(cache):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(NetworkError, match="Connection refused.*python -m zoo_patterns serve"):
        Loader(zoo=f"http://127.0.0.1:{port}/", cache=cache, progress=False).fetch("alpha")


def _no_build(root):
    raise AssertionError(f"the loader built a zoo at {root} instead of loading from ZOO_PATTERNS_MIRROR")


def test_zoo_patterns_mirror_makes_bare_names_load_from_the_served_zoo(zoo, cache, tmp_path, monkeypatch):
    """A classroom sets ZOO_PATTERNS_MIRROR in every student's kernel (zoo_patterns/classroom.py, hub_settings):
    a Loader handed no zoo resolves a bare name against the mirror's index and fetches every file from it,
    and never builds, nor reads, the zoo folder that ZOO_PATTERNS_ZOO names."""
    from zoo_patterns import settings

    monkeypatch.setattr(settings, "ZOO_BUILDER", "test_loader:_no_build")
    monkeypatch.setenv("ZOO_PATTERNS_ZOO", str(tmp_path / "not-a-zoo"))
    server = ZooServer(zoo)
    with server as url:
        monkeypatch.setenv("ZOO_PATTERNS_MIRROR", url)
        snap = Loader(cache=cache, progress=False).fetch("alpha")
        served = server.requests
    assert snap.manifest.source == url.rstrip("/") + "/" and sorted(snap.downloaded) == ["config.json", "weights.bin"]
    assert served[0].startswith("GET /index.json 200")
    for f in snap.manifest.files:
        assert f.url.startswith(snap.manifest.source)
        assert f"GET /{f.url[len(snap.manifest.source) :]} 200 range=- bytes={f.size}" in served
    monkeypatch.setenv("ZOO_PATTERNS_MIRROR", str(zoo))  # a folder is not a mirror: ZOO_PATTERNS_ZOO is for folders
    with pytest.raises(ValueError, match="is not an http.s. URL"):
        Loader(cache=cache, progress=False).fetch("alpha")


def test_server_down_falls_back_to_the_cached_copy_with_a_warning(zoo, cache):
    with ZooServer(zoo) as url:
        Loader(zoo=url, cache=cache, progress=False).fetch("beta")
    with pytest.warns(UserWarning, match="Using the cached beta 1.0.0"):
        snap = Loader(zoo=url, cache=cache, progress=False).fetch("beta")
    assert snap.from_cache


def test_slow_server_times_out_then_retries(server, cache):
    FaultyHandler.faults, FaultyHandler.delay = {"weights.bin": "slow"}, 1.0
    t0 = time.perf_counter()
    with pytest.raises(NetworkError, match=r"no data for 0\.2 s"):
        loader(server, cache, timeout=0.2, retries=1).fetch("alpha")
    assert time.perf_counter() - t0 < 5 and FaultyHandler.hits["weights.bin"] == 2
    assert leftovers(cache) == []
    assert loader(server, cache, timeout=5).fetch("alpha").downloaded  # patient enough: it works


# -- offline mode -------------------------------------------------------------------------------------
@pytest.fixture
def no_network(monkeypatch):
    """Any socket connection fails the test: offline mode must never try one."""
    attempts = []

    def refuse(self, address, *a, **k):
        attempts.append(address)
        raise AssertionError(f"offline mode opened a connection to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def test_offline_loads_a_cached_model_without_a_socket(server, cache, no_network, monkeypatch):
    monkeypatch.undo()  # fetch online first
    loader(server, cache).fetch("alpha")
    attempts = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: attempts.append(addr))
    snap = loader(server, cache, offline=True).fetch("alpha")
    assert snap.from_cache and attempts == []


def test_offline_env_var_and_an_uncached_model_fail_fast(server, cache, no_network, monkeypatch):
    monkeypatch.setenv("ZOO_PATTERNS_OFFLINE", "1")
    t0 = time.perf_counter()
    with pytest.raises(OfflineError) as info:
        loader(server, cache).fetch("beta")
    message = str(info.value)
    assert "beta" in message and "offline mode is on" in message and "zoo_patterns fetch beta" in message
    assert time.perf_counter() - t0 < 1 and no_network == []


# -- the cache on disk ---------------------------------------------------------------------------------
def test_a_corrupted_blob_is_caught_and_fetched_again(server, cache):
    snap = loader(server, cache).fetch("alpha")
    target = snap.folder / "weights.bin"
    with open(target, "r+b") as f:  # flip one byte in place: same size, new mtime
        f.seek(1000)
        f.write(b"\x00" if f.read(1) != b"\x00" else b"\x01")
    with pytest.warns(UserWarning, match="weights.bin failed verification"):
        again = loader(server, cache).fetch("alpha")
    assert again.repaired == ("weights.bin",) and again.downloaded == ("weights.bin",)
    assert (again.folder / "weights.bin").read_bytes() == blob(300_000, 1)


def test_a_truncated_cache_file_offline_is_an_error_not_a_crash_later(server, cache):
    snap = loader(server, cache).fetch("beta")
    with open(snap.folder / "weights.bin", "r+b") as f:
        f.truncate(1000)
    with pytest.warns(UserWarning), pytest.raises(OfflineError, match="were corrupt and removed"):
        loader(server, cache, offline=True).fetch("beta")


def test_stamp_check_rehashes_when_the_stamp_changes_and_only_then(server, cache, monkeypatch):
    import zoo_patterns.loader.verify as verify

    snap = loader(server, cache).fetch("alpha")
    hashed = []
    real = verify.sha256_file
    monkeypatch.setattr(verify, "sha256_file", lambda p: hashed.append(Path(p).name) or real(p))
    loader(server, cache).fetch("alpha")
    assert hashed == []  # a plain hit: a stat per file, no hashing
    os.utime(snap.folder / "weights.bin", ns=(1, 1))  # touched, same bytes
    assert loader(server, cache).fetch("alpha").from_cache
    assert hashed == ["weights.bin"]
    loader(server, cache, verify="full").fetch("alpha")
    assert sorted(hashed) == ["config.json", "weights.bin", "weights.bin"]


# -- locks and concurrency -------------------------------------------------------------------------------
def test_a_stale_lock_from_a_dead_process_is_taken_over(server, cache):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    sha = hashlib.sha256(blob(300_000, 1)).hexdigest()
    lock = cache.root / "locks" / f"{sha}.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(), "created": time.time()}))
    t0 = time.perf_counter()
    loader(server, cache, lock_timeout=30).fetch("alpha")
    assert time.perf_counter() - t0 < 5 and not lock.exists()


def test_a_live_lock_is_waited_for_then_ignored_because_correctness_does_not_need_it(server, cache):
    sha = hashlib.sha256(blob(300_000, 1)).hexdigest()
    held = FileLock(cache.root / "locks" / f"{sha}.lock")
    assert held.acquire()  # our own pid: alive, so not stale
    t0 = time.perf_counter()
    snap = loader(server, cache, lock_timeout=0.5).fetch("alpha")
    assert 0.5 <= time.perf_counter() - t0 < 5 and (snap.folder / "weights.bin").read_bytes() == blob(300_000, 1)
    held.release()


CONCURRENT = """
import sys
from zoo_patterns.loader import Loader
snap = Loader(zoo=sys.argv[1], cache=sys.argv[2], progress=False, lock_timeout=float(sys.argv[3])).fetch("alpha")
print(snap.folder, (snap.folder / "weights.bin").stat().st_size)
"""


class ThrottledHandler(ZooRequestHandler):
    """Sends bytes in small slices, so concurrent downloads really overlap."""

    def copyfile(self, source, outputfile):
        while block := source.read(16_384):
            outputfile.write(block)
            time.sleep(0.002)


@pytest.mark.parametrize("lock_timeout", [60.0, 0.0], ids=["with-lock", "lock-ignored"])
def test_concurrent_processes_all_get_a_correct_file(zoo, cache, lock_timeout):
    with ZooServer(zoo, handler=ThrottledHandler) as url:
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", CONCURRENT, url, str(cache.root), str(lock_timeout)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            for _ in range(4)
        ]
        outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [o[1][-500:] for o in outs]
    assert len({o[0] for o in outs}) == 1 and outs[0][0].split()[1] == "300000"
    sha = hashlib.sha256(blob(300_000, 1)).hexdigest()
    assert cache.blob(sha).read_bytes() == blob(300_000, 1)
    assert leftovers(cache) == [] and not any((cache.root / "locks").glob("*"))


# -- archives -------------------------------------------------------------------------------------------
def _tar(members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            tf.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return buf.getvalue()


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


@pytest.mark.parametrize(
    "members, why",
    [
        ([(_member("../escape.txt"), b"x")], "outside"),
        ([(_member("ok/../../escape.txt"), b"x")], "outside"),
        ([(_member("/tmp/zoo-patterns-absolute.txt"), b"x")], "absolute path"),
        ([(_member("link", tarfile.SYMTYPE, "/etc"), b""), (_member("link/passwd"), b"x")], "symlink"),
        ([(_member("hard", tarfile.LNKTYPE, "/etc/passwd"), b"")], "hard link"),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "symlink", "hardlink"],
)
def test_tar_members_that_escape_are_refused_before_anything_is_written(tmp_path, members, why):
    archive = tmp_path / "model.tar.gz"
    archive.write_bytes(_tar([(_member("good.txt"), b"fine"), *members]))
    target = tmp_path / "out"
    with pytest.raises(UnsafeArchiveError, match=why):
        safe_extract(archive, target)
    assert not (tmp_path / "escape.txt").exists() and not Path("/tmp/zoo-patterns-absolute.txt").exists()
    assert not (target / "good.txt").exists()  # checked first, written after: all or nothing


def test_zip_traversal_and_symlinks_are_refused(tmp_path):
    for name, attr in (("../escape.txt", 0), ("link", 0o120777 << 16)):
        archive = tmp_path / "model.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            info = zipfile.ZipInfo(name)
            info.external_attr = attr
            zf.writestr(info, "/etc/passwd")
        with pytest.raises(UnsafeArchiveError):
            safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_the_loader_unpacks_a_safe_archive_and_refuses_a_bad_one(tmp_path, cache):
    good = _tar([(_member("saved/model.bin"), b"weights"), (_member("saved/vars.txt"), b"v")])
    bad = _tar([(_member("../../../pwned.txt"), b"x")])
    zoo = make_zoo(tmp_path / "zoo", {"good": {"model.tar.gz": good}, "bad": {"model.tar.gz": bad}}, unpack=("model.tar.gz",))
    with ZooServer(zoo) as url:
        snap = Loader(zoo=url, cache=cache, progress=False).fetch("good")
        assert (snap.folder / "saved" / "model.bin").read_bytes() == b"weights"
        with pytest.raises(UnsafeArchiveError, match="outside"):
            Loader(zoo=url, cache=cache, progress=False).fetch("bad")
    assert not (cache.root / "snapshots" / "bad").exists() and not list(tmp_path.rglob("pwned.txt"))


# -- decode: formats and pickles -----------------------------------------------------------------------
class Exploit:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


def test_a_pickle_is_refused_and_never_run(tmp_path):
    import pickle

    marker = tmp_path / "pwned"
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "model.pkl").write_bytes(pickle.dumps(Exploit(marker)))
    assert detect_format(folder) == "pickle"
    with pytest.raises(UnsafeFormatError, match="never loads one"):
        decode(folder)
    assert not marker.exists()


def test_torch_checkpoints_load_only_as_weights(tmp_path):
    import torch

    marker = tmp_path / "pwned"
    evil, fine = tmp_path / "evil", tmp_path / "fine"
    evil.mkdir(), fine.mkdir()
    torch.save({"w": torch.ones(2), "x": Exploit(marker)}, evil / "model.pt")
    torch.save({"w": torch.ones(2)}, fine / "model.pt")
    with pytest.raises(UnsafeFormatError, match="weights_only=True"):
        decode(evil, "torch-pickle")
    assert not marker.exists()
    assert torch.equal(decode(fine)["w"], torch.ones(2))


def test_decode_knows_safe_formats_and_names_the_unknown(tmp_path):
    import numpy as np
    import torch
    from safetensors.torch import save_file

    save_file({"w": torch.arange(3.0)}, tmp_path / "weights.safetensors")
    assert detect_format(tmp_path) == "safetensors"
    assert np.allclose(decode(tmp_path)["w"].numpy(), [0, 1, 2])
    with pytest.raises(UnknownFormatError, match="known formats: .*hf-directory.*safetensors"):
        decode(tmp_path, "h5-legacy")


def test_a_local_model_folder_is_verified_against_its_card(tmp_path, cache):
    import torch
    from safetensors.torch import save_file

    from zoo_patterns.cards import FileEntry
    from zoo_patterns.loader.verify import sha256_file

    folder = tmp_path / "mine"
    folder.mkdir()
    save_file({"w": torch.ones(3)}, folder / "weights.safetensors")
    path = folder / "weights.safetensors"
    make_card("mine", files=(FileEntry("weights.safetensors", path.stat().st_size, sha256_file(path)),)).save(
        folder / "README.md"
    )
    state = Loader(cache=cache, progress=False).load(str(folder))
    assert torch.equal(state["w"], torch.ones(3))
    path.write_bytes(path.read_bytes()[:-4] + b"\0\0\0\0")
    make_card("mine", version="1.0.1", files=(FileEntry("weights.safetensors", path.stat().st_size, "0" * 64),)).save(
        folder / "README.md"
    )
    with pytest.raises(IntegrityError, match="expected 0{64}"):
        Loader(cache=cache, progress=False).fetch(str(folder))


# -- the server and the CLI contract ---------------------------------------------------------------------
def test_the_server_answers_head_and_byte_ranges(zoo):
    with ZooServer(zoo) as url:
        head = urllib.request.urlopen(urllib.request.Request(url + "beta/weights.bin", method="HEAD"))
        assert head.headers["Content-Length"] == "200000" and head.headers["Accept-Ranges"] == "bytes"
        part = urllib.request.urlopen(urllib.request.Request(url + "beta/weights.bin", headers={"Range": "bytes=10-19"}))
        assert part.status == 206 and part.read() == blob(200_000, 2)[10:20]
        assert part.headers["Content-Range"] == "bytes 10-19/200000"
        tail = urllib.request.urlopen(urllib.request.Request(url + "beta/weights.bin", headers={"Range": "bytes=-5"}))
        assert tail.read() == blob(200_000, 2)[-5:]
        with pytest.raises(urllib.error.HTTPError, match="416"):
            urllib.request.urlopen(urllib.request.Request(url + "beta/weights.bin", headers={"Range": "bytes=900000-"}))


def _serve(zoo: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "zoo_patterns", "serve", "--dir", str(zoo), "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert f"http://127.0.0.1:{port}/" in proc.stdout.readline()
    return proc, f"http://127.0.0.1:{port}"


def test_cli_fetch_prints_sha256sum_lines_and_exit_codes(zoo, tmp_path):
    proc, url = _serve(zoo)
    cache = str(tmp_path / "cli-cache")
    try:
        ok = run_cli("fetch", "alpha", "--zoo", url, "--cache", cache)
        assert ok.returncode == 0, ok.stderr
        lines = ok.stdout.strip().splitlines()
        assert len(lines) == 2 and all(re.fullmatch(r"[0-9a-f]{64}  /\S+", line) for line in lines)
        for line in lines:  # the lines check out with sha256sum's own logic
            sha, path = line.split("  ", 1)
            assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha
        assert run_cli("fetch", "alpha", "--zoo", url, "--cache", cache, "--offline").stdout == ok.stdout
        unknown = run_cli("fetch", "alpah", "--zoo", url, "--cache", cache)
        offline = run_cli("fetch", "beta", "--zoo", url, "--cache", cache, "--offline")
        (zoo / "beta" / "weights.bin").write_bytes(blob(200_000, 3))
        tampered = run_cli("fetch", "beta", "--zoo", url, "--cache", cache)
    finally:
        proc.terminate()
        proc.wait(10)
    down = run_cli("fetch", "beta", "--zoo", url, "--cache", cache)
    for result, code, text in (
        (unknown, 2, "Did you mean: alpha"),
        (offline, 4, "offline mode is on"),
        (tampered, 3, "wrong sha256: expected"),
        (down, 5, "Connection refused"),
    ):
        assert result.returncode == code and text in result.stderr, result.stderr
        assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1


def test_the_one_liner_loads_through_the_layers(zoo, tmp_path):
    import zoo_patterns as zp

    with ZooServer(zoo) as url, pytest.raises(UnknownFormatError, match="'raw'"):
        zp.load("alpha", zoo=url, cache=tmp_path / "c", progress=False)  # fetched and verified; "raw" has no decoder
    assert Cache(tmp_path / "c").load_ref("alpha") is not None


@pytest.mark.parametrize("scheme", ["file", "folder"])
def test_a_zoo_folder_is_fetched_like_a_served_one(zoo, cache, scheme, no_network):
    where = zoo.as_uri() if scheme == "file" else str(zoo)
    snap = Loader(zoo=where, cache=cache, progress=False, offline=True).fetch("alpha")
    assert (snap.folder / "weights.bin").read_bytes() == blob(300_000, 1) and no_network == []


def test_manifest_round_trips_and_keys_by_content():
    files = (RemoteFile("a.bin", 3, "0" * 64, "http://x/a.bin"),)
    m = Manifest("m", "1.0.0", "onnx", "http://x/", files)
    assert Manifest.from_dict(json.loads(json.dumps(m.to_dict()))) == m
    assert Manifest("m", "1.0.1", "onnx", "file:///y/", files).key == m.key


def test_threads_in_one_process_share_the_cache_safely(server, cache):
    errors = []

    def work():
        try:
            loader(server, cache).fetch("beta")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and leftovers(cache) == []
