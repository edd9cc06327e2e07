"""Publishing into a zoo (issue 14): the contract, a kill mid-publish, a read-only shared zoo, 30 students at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tests.helpers import ROOT, make_card, run_cli
from zoo_patterns.errors import InvalidCardError, UnsafeFormatError
from zoo_patterns.zoo import PublishError, publish, read_index


def model_folder(path, name="tiny-mlp", version="1.0.0", size=64 * 10, **card):
    """A model folder as a learner writes one: safetensors weights and a README.md card."""
    from safetensors.numpy import save_file

    path.mkdir(parents=True)
    rng = np.random.default_rng(0)
    save_file({"weight": rng.normal(size=(size // 64, 64)).astype(np.float32)}, str(path / "model.safetensors"))
    make_card(name, version=version, **card).save(path / "README.md")
    return path


def index_is_complete(zoo) -> None:
    """Every file the index names exists with its size and sha256; nothing half-written is indexed."""
    from zoo_patterns.loader.verify import sha256_file

    for entry in read_index(zoo)["models"]:
        for f in entry["files"]:
            path = zoo / f["path"]
            assert path.is_file() and path.stat().st_size == f["size"] and sha256_file(path) == f["sha256"], f


def test_a_published_folder_is_listed_served_fetched_and_loaded(tmp_path):
    import zoo_patterns as zp
    from zoo_patterns.loader import Loader
    from zoo_patterns.loader.serve import ZooServer

    zoo = tmp_path / "zoo"
    entry = publish(model_folder(tmp_path / "mine"), zoo=zoo)
    assert entry["name"] == "tiny-mlp" and {f["path"] for f in entry["files"]} == {
        "tiny-mlp/1.0.0/README.md",
        "tiny-mlp/1.0.0/model.safetensors",
    }
    index_is_complete(zoo)
    card = zp.ModelCard.load(zoo / "tiny-mlp" / "1.0.0")
    assert [f.path for f in card.files] == ["model.safetensors"] and card.size_bytes == (
        zoo / "tiny-mlp/1.0.0/model.safetensors"
    ).stat().st_size
    listed = run_cli("list", "--zoo", str(zoo))
    assert listed.returncode == 0 and listed.stdout.startswith("tiny-mlp"), listed.stderr
    server = ZooServer(zoo)
    url = server.start()
    try:
        snapshot = Loader(zoo=url, cache=tmp_path / "cache", progress=False).fetch("tiny-mlp")
        assert {p.name for _, p in snapshot.files()} == {"README.md", "model.safetensors"}
    finally:
        server.stop()
    weights = zp.load("zoo://tiny-mlp", zoo=str(zoo), cache=str(tmp_path / "cache2"), progress=False)
    assert weights["weight"].shape == (10, 64)


def test_a_native_model_is_published_in_a_safe_format(tmp_path):
    import torch

    import zoo_patterns as zp
    from zoo_patterns.models.torch_digits import DigitsCNN

    torch.manual_seed(0)
    net = DigitsCNN(5)
    card = zp.card("digits-cnn-torch").replace(name="my-digits", version="0.1.0", files=(), description="")
    entry = publish(net, card, zoo=tmp_path / "zoo")
    assert sorted(f["path"] for f in entry["files"]) == [
        "my-digits/0.1.0/README.md",
        "my-digits/0.1.0/config.json",
        "my-digits/0.1.0/model.safetensors",
    ]
    back = zp.load("zoo://my-digits", zoo=str(tmp_path / "zoo"), cache=str(tmp_path / "cache"), progress=False)
    x = torch.rand(3, 1, 8, 8)
    assert torch.allclose(back(x), net.eval()(x))


def test_publishing_refuses_pickles_duplicates_and_cards_without_a_licence(tmp_path):
    zoo = tmp_path / "zoo"
    publish(model_folder(tmp_path / "a"), zoo=zoo)
    before = (zoo / "index.json").read_bytes()
    pickled = model_folder(tmp_path / "p", name="pickled")
    (pickled / "extra.pt").write_bytes(b"\x80\x04not really")
    with pytest.raises(UnsafeFormatError, match=r"pickled weights \(extra.pt\)"):
        publish(pickled, zoo=zoo)
    with pytest.raises(PublishError, match=r"already in the zoo .* with other bytes.*never change.*1\.0\.1.*next_patch"):
        publish(model_folder(tmp_path / "b", size=64 * 12), zoo=zoo)
    with pytest.raises(InvalidCardError, match="semantic versions"):
        publish(model_folder(tmp_path / "c", version="latest"), zoo=zoo)
    with pytest.raises(InvalidCardError, match="license 'unknown'.*SPDX"):
        publish(model_folder(tmp_path / "d", name="nolicence", license="unknown"), zoo=zoo)
    with pytest.raises(InvalidCardError, match="cannot be published"):
        publish(model_folder(tmp_path / "e", name="My Model"), zoo=zoo)
    with pytest.raises(UnsafeFormatError):
        publish(model_folder(tmp_path / "f", name="pk", format="torch-pickle"), zoo=zoo)
    assert (zoo / "index.json").read_bytes() == before, "a refused publish changes nothing"
    assert not list(zoo.glob(".publishing-*")) and not (zoo / ".zoo.lock").exists()
    publish(model_folder(tmp_path / "g", version="1.1.0", size=64 * 20), zoo=zoo)
    assert [(e["name"], e["version"]) for e in read_index(zoo)["models"]] == [("tiny-mlp", "1.0.0"), ("tiny-mlp", "1.1.0")]
    index_is_complete(zoo)


def test_a_card_missing_a_required_field_is_refused_with_its_name(tmp_path):
    folder = model_folder(tmp_path / "m")
    text = (folder / "README.md").read_text().replace("license: MIT\n", "")
    (folder / "README.md").write_text(text)
    result = run_cli("publish", str(folder), "--zoo", str(tmp_path / "zoo"))
    assert result.returncode == 2 and "license" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_cli_publishes_and_refuses_in_one_line(tmp_path):
    folder = model_folder(tmp_path / "m")
    ok = run_cli("publish", str(folder), "--zoo", str(tmp_path / "zoo"))
    assert ok.returncode == 0 and "published tiny-mlp@1.0.0" in ok.stdout, ok.stderr
    index = (tmp_path / "zoo" / "index.json").read_bytes()
    again = run_cli("publish", str(folder), "--zoo", str(tmp_path / "zoo"))
    assert again.returncode == 0 and "tiny-mlp@1.0.0 is already in" in again.stdout and "nothing to do" in again.stdout
    assert (tmp_path / "zoo" / "index.json").read_bytes() == index, "an identical publish changes nothing"
    other = model_folder(tmp_path / "other", size=64 * 12)
    refused = run_cli("publish", str(other), "--zoo", str(tmp_path / "zoo"))
    assert refused.returncode == 2 and refused.stderr.startswith("error: tiny-mlp@1.0.0 is already in the zoo"), refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    bumped = run_cli("publish", str(other), "--zoo", str(tmp_path / "zoo"), "--next-patch")
    assert bumped.returncode == 0 and "published tiny-mlp@1.0.1" in bumped.stdout, bumped.stderr


PUBLISH_SLOWLY = """
import sys, time
from pathlib import Path
import zoo_patterns.zoo.publishing as pub
real_copy = pub.shutil.copyfile
def slow_copy(a, b):  # a large model: the copy takes a while, so the kill lands mid-publish
    time.sleep(float(sys.argv[3]))
    return real_copy(a, b)
pub.shutil.copyfile = slow_copy
pub.publish(sys.argv[1], zoo=sys.argv[2])
"""


@pytest.mark.parametrize("delay", [0.0, 0.5])
def test_killing_a_publish_never_leaves_a_half_updated_index(tmp_path, delay):
    zoo = tmp_path / "zoo"
    publish(model_folder(tmp_path / "first", name="first"), zoo=zoo)
    before = read_index(zoo)
    proc = subprocess.Popen(
        [sys.executable, "-c", PUBLISH_SLOWLY, str(model_folder(tmp_path / "second", name="second")), str(zoo), "3"],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while not list(zoo.glob(".publishing-second-*")) and time.monotonic() < deadline:
        time.sleep(0.02)  # wait until it is staging, under the lock
    assert list(zoo.glob(".publishing-second-*")) and (zoo / ".zoo.lock").exists()
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert read_index(zoo) == before, "the index is the old, complete one"
    index_is_complete(zoo)
    publish(model_folder(tmp_path / "third", name="third"), zoo=zoo)  # the dead owner's lock is taken over
    assert [e["name"] for e in read_index(zoo)["models"]] == ["first", "third"]
    assert not list(zoo.glob(".publishing-*")), "the next publish cleans up what the killed one left"
    index_is_complete(zoo)


@pytest.mark.parametrize("existing", [False, True])
def test_concurrent_publishers_all_land(tmp_path, existing):
    zoo = tmp_path / "zoo"  # a new zoo (the first publisher creates it while the others start) or an existing one
    if existing:
        publish(model_folder(tmp_path / "base", name="model-base"), zoo=zoo)
    folders = [model_folder(tmp_path / f"m{i}", name=f"model-{i}") for i in range(4)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "zoo_patterns", "publish", str(f), "--zoo", str(zoo)], cwd=ROOT, stdout=subprocess.PIPE
        )
        for f in folders
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0], [p.stdout.read() for p in procs]
    assert sorted(e["name"] for e in read_index(zoo)["models"]) == [f"model-{i}" for i in range(4)] + ["model-base"] * existing
    index_is_complete(zoo)


# -- one server, many students ------------------------------------------------------------------------
NO_WRITES = """
import json, os, sys
zoo = os.path.realpath(sys.argv[1])
writes = []

def hook(event, args):
    path = None
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        mode, flags = (args[1] or "r"), (args[2] or 0)
        if any(c in str(mode) for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            path = args[0]
    elif event in ("os.rename", "os.replace", "os.remove", "os.rmdir", "os.mkdir", "os.link", "os.symlink", "os.chmod", "os.utime"):
        path = args[0]
    if path is not None and os.path.realpath(os.fsdecode(path)).startswith(zoo + os.sep):
        writes.append((event, os.fsdecode(path)))

sys.addaudithook(hook)
import zoo_patterns as zp
for name in sys.argv[3:]:
    zp.load("zoo://" + name, zoo=zoo, cache=sys.argv[2], progress=False)
    zp.load("zoo://" + name, zoo=zoo, cache=sys.argv[2], progress=False, offline=True)
print(json.dumps(writes))
"""


def test_the_loader_never_writes_into_a_shared_zoo(tmp_path):
    """A zoo on a read-only shared path works: every write goes to the student's own cache.

    The tests run as root here, where chmod cannot make a folder read-only, so an audit hook records every
    open-for-writing, rename, remove and mkdir the loader makes, and none may touch the zoo folder.
    """
    from zoo_patterns.zoo import ensure_built_once

    zoo = ensure_built_once()
    before = {p: p.stat().st_mtime_ns for p in zoo.rglob("*")}
    names = ["digits-cnn-torch", "digits-cnn-onnx", "minilm-l6"]
    result = subprocess.run(
        [sys.executable, "-c", NO_WRITES, str(zoo), str(tmp_path / "cache"), *names],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
    assert {p: p.stat().st_mtime_ns for p in zoo.rglob("*")} == before
    assert any((tmp_path / "cache").rglob("*.safetensors")), "the cache got the files"


def test_thirty_students_loading_at_once_download_the_model_once(tmp_path):
    from zoo_patterns.loader.serve import ZooRequestHandler, ZooServer
    from zoo_patterns.zoo import ensure_built_once

    gets: list[str] = []

    class Counting(ZooRequestHandler):
        quiet = True

        def do_GET(self):  # noqa: N802 (http.server's name)
            gets.append(self.path)
            super().do_GET()

    server = ZooServer(ensure_built_once(), handler=Counting)
    url = server.start()
    cache = tmp_path / "shared-cache"
    cmd = [sys.executable, "-m", "zoo_patterns", "fetch", "digits-cnn-torch", "--zoo", url, "--cache", str(cache)]
    try:
        with ThreadPoolExecutor(30) as pool:
            results = list(
                pool.map(lambda _: subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300), range(30))
            )
    finally:
        server.stop()
    assert [r.returncode for r in results] == [0] * 30, [r.stderr for r in results if r.returncode][:1]
    assert len({r.stdout for r in results}) == 1, "every student got the same verified files"
    weights = [p for p in gets if p.endswith("model.safetensors")]
    assert len(weights) == 1, f"{len(weights)} downloads of the weights for 30 loads"
    import zoo_patterns as zp

    net = zp.load("digits-cnn-torch", zoo=url.rstrip("/"), cache=str(cache), offline=True, progress=False)
    assert net.head.out_features == 5
