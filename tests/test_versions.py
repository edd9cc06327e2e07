"""Versions (issue 23): every published version kept and immutable, semver resolution, pins, yanks, old zoos.

A reader must never see a half-changed zoo: readers load in a loop while versions are published, and
publishes are killed at each point where a reader could otherwise catch a mix.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import pytest

from tests.helpers import ROOT, run_cli
from tests.helpers import version_folder as folder
from zoo_patterns.errors import ModelNotFoundError, PublishError, VersionNotFoundError
from zoo_patterns.index import content_id, read_index, select, version_key
from zoo_patterns.loader import Loader
from zoo_patterns.loader.serve import ZooServer
from zoo_patterns.zoo import publish
from zoo_patterns.zoo.publishing import yank


def index_is_complete(zoo) -> None:
    from zoo_patterns.loader.verify import sha256_file

    for entry in read_index(zoo)["models"]:
        for f in entry["files"]:
            path = zoo / f["path"]
            assert path.is_file() and path.stat().st_size == f["size"] and sha256_file(path) == f["sha256"], f


def load(ref, zoo, cache):
    return Loader(zoo=str(zoo), cache=cache, progress=False).load(ref)["weight"]


# -- resolution -----------------------------------------------------------------------------------------
def test_versions_order_by_semver_not_by_string():
    versions = ["1.9.0", "1.10.0", "1.0.0", "1.0.0-rc.2", "1.0.0-rc.10", "0.10.1", "2.0.0-beta"]
    assert sorted(versions, key=version_key) == ["0.10.1", "1.0.0-rc.2", "1.0.0-rc.10", "1.0.0", "1.9.0", "1.10.0", "2.0.0-beta"]
    assert sorted(versions) != sorted(versions, key=version_key), "string order would pick 1.9.0 over 1.10.0"


def entries(*specs):
    out = []
    for version, yanked in specs:
        e = {"name": "m", "version": version, "content_id": content_id([("w", version * 4)])}
        out.append({**e, "yanked": yanked} if yanked else e)
    return {"models": out}


def test_a_bare_name_means_the_newest_release_not_yanked():
    index = entries(("1.9.0", None), ("1.10.0", None), ("2.0.0-rc.1", None))
    assert select(index, "m")["version"] == "1.10.0", "a pre-release is not the newest unless only pre-releases exist"
    assert select(entries(("1.9.0", None), ("1.10.0", "bad labels")), "m")["version"] == "1.9.0"
    assert select(entries(("2.0.0-rc.1", None)), "m")["version"] == "2.0.0-rc.1"
    with pytest.raises(VersionNotFoundError, match=r"every version of m .* is yanked \(1\.0\.0 \(yanked\)\)"):
        select(entries(("1.0.0", "oops")), "m")


def test_a_pin_means_one_version_or_one_content():
    index = entries(("1.0.0", None), ("1.1.0", "oops"))
    assert select(index, "m", "1.1.0")["version"] == "1.1.0", "an exact pin loads a yanked version"
    cid = index["models"][0]["content_id"]
    assert select(index, "m", cid)["version"] == "1.0.0" and select(index, "m", cid[:7])["version"] == "1.0.0"
    with pytest.raises(VersionNotFoundError) as err:
        select(index, "m", "1.2.0", where="the zoo at Z")
    line = str(err.value)
    assert "\n" not in line and "the versions there: 1.0.0, 1.1.0 (yanked)" in line and err.value.exit_code == 2
    assert isinstance(err.value, ModelNotFoundError) and isinstance(err.value, KeyError)


# -- publish, load, pin -----------------------------------------------------------------------------------
@pytest.fixture
def two_versions(tmp_path):
    zoo = tmp_path / "zoo"
    first = publish(folder(tmp_path / "a", "1.0.0"), zoo=zoo)
    second = publish(folder(tmp_path / "b", "1.1.0"), zoo=zoo)
    return zoo, first, second


def test_a_new_version_is_added_beside_the_old_and_both_load(two_versions, tmp_path):
    import zoo_patterns as zp

    zoo, first, second = two_versions
    assert [(e["name"], e["version"]) for e in read_index(zoo)["models"]] == [("tiny-mlp", "1.0.0"), ("tiny-mlp", "1.1.0")]
    assert (zoo / "tiny-mlp/1.0.0/model.safetensors").is_file() and (zoo / "tiny-mlp/1.1.0/model.safetensors").is_file()
    index_is_complete(zoo)
    cache = tmp_path / "cache"
    assert load("tiny-mlp", zoo, cache)[0, 0] == 1.0, "a bare name is the newest"
    assert load("tiny-mlp@1.0.0", zoo, cache)[0, 0] == 0.0
    assert load(f"tiny-mlp@{first['content_id']}", zoo, cache)[0, 0] == 0.0
    assert load(f"tiny-mlp@{second['content_id'][:10]}", zoo, cache)[0, 0] == 1.0
    registry = zp.registry_from_zoo(zoo)
    assert registry.get("tiny-mlp").version == "1.1.0" and registry.get("tiny-mlp@1.0.0").version == "1.0.0"
    assert registry.get(f"tiny-mlp@{first['content_id'][:8]}").version == "1.0.0"
    assert [e.version for e in registry.all_versions()] == ["1.0.0", "1.1.0"] and registry.list() == ["tiny-mlp"]
    with pytest.raises(VersionNotFoundError, match="the versions there: 1.0.0, 1.1.0"):
        registry.get("tiny-mlp@3.0.0")


def test_two_versions_that_share_a_file_share_its_blob(tmp_path):
    zoo, cache = tmp_path / "zoo", tmp_path / "cache"
    publish(folder(tmp_path / "a", "1.0.0", value=7.0), zoo=zoo)
    publish(folder(tmp_path / "b", "1.0.1", value=7.0), zoo=zoo)  # the same weights, a new card
    for ref in ("tiny-mlp@1.0.0", "tiny-mlp@1.0.1"):
        Loader(zoo=str(zoo), cache=cache, progress=False).fetch(ref)
    weights = {f["sha256"] for e in read_index(zoo)["models"] for f in e["files"] if f["path"].endswith(".safetensors")}
    assert len(weights) == 1 and len(list((cache / "blobs").iterdir())) == 3, "one weights blob and two cards"


def test_the_cli_fetches_a_pinned_version_after_a_newer_one_is_published(tmp_path):
    zoo, cache = tmp_path / "zoo", tmp_path / "cache"
    publish(folder(tmp_path / "a", "1.0.0"), zoo=zoo)
    before = run_cli("fetch", "tiny-mlp@1.0.0", "--zoo", str(zoo), "--cache", str(cache))
    publish(folder(tmp_path / "b", "1.1.0"), zoo=zoo)
    after = run_cli("fetch", "tiny-mlp@1.0.0", "--zoo", str(zoo), "--cache", str(tmp_path / "fresh"))
    newest = run_cli("fetch", "tiny-mlp", "--zoo", str(zoo), "--cache", str(cache))
    assert before.returncode == after.returncode == newest.returncode == 0, after.stderr
    hashes = lambda r: sorted(line.split()[0] for line in r.stdout.splitlines())  # noqa: E731
    old = {f["sha256"] for f in select(read_index(zoo), "tiny-mlp", "1.0.0")["files"]}
    assert hashes(before) == hashes(after) == sorted(old) and hashes(newest) != hashes(after)
    listed = run_cli("list", "--zoo", str(zoo), "--all-versions")
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and "1.0.0" in lines[0] and "1.1.0" in lines[1], listed.stdout
    assert len(run_cli("list", "--zoo", str(zoo)).stdout.splitlines()) == 1
    shown = run_cli("show", "tiny-mlp@1.0.0", "--zoo", str(zoo))
    assert shown.returncode == 0 and "version: 1.0.0" in shown.stdout, shown.stderr
    unknown = run_cli("fetch", "tiny-mlp@1.2.0", "--zoo", str(zoo), "--cache", str(cache))
    assert unknown.returncode == 2 and len(unknown.stderr.strip().splitlines()) == 1
    assert "the versions there: 1.0.0, 1.1.0" in unknown.stderr, unknown.stderr
    offline = run_cli("fetch", "tiny-mlp@1.0.0", "--zoo", "http://127.0.0.1:9/", "--cache", str(cache), "--offline")
    assert offline.returncode == 0 and hashes(offline) == sorted(old), offline.stderr


def test_an_identical_publish_is_a_no_op_and_a_different_one_is_refused(two_versions, tmp_path):
    zoo, first, _ = two_versions
    index = (zoo / "index.json").read_bytes()
    again = publish(folder(tmp_path / "same", "1.0.0"), zoo=zoo)
    assert again["unchanged"] and again["content_id"] == first["content_id"]
    with pytest.raises(PublishError, match=r"tiny-mlp@1\.0\.0 is already in the zoo .* other bytes.*1\.1\.1"):
        publish(folder(tmp_path / "other", "1.0.0", value=5.0), zoo=zoo)
    assert (zoo / "index.json").read_bytes() == index, "neither changed the index"
    bumped = publish(folder(tmp_path / "next", "1.0.0", value=5.0), zoo=zoo, next_patch=True)
    assert bumped["version"] == "1.1.1" and (zoo / "tiny-mlp/1.1.1/README.md").is_file()


def test_a_yanked_version_is_skipped_by_the_name_and_still_loads_by_its_pin(two_versions, tmp_path):
    zoo, first, second = two_versions
    with pytest.raises(PublishError, match="one exact version"):
        yank("tiny-mlp", zoo=zoo)
    yank("tiny-mlp@1.1.0", zoo=zoo, reason="trained on the wrong labels; use 1.0.0")
    entry = select(read_index(zoo), "tiny-mlp", "1.1.0")
    assert entry["yanked"] == "trained on the wrong labels; use 1.0.0", "the yank is in the index"
    cache = tmp_path / "cache"
    assert load("tiny-mlp", zoo, cache)[0, 0] == 0.0, "the name skips the yanked 1.1.0"
    with pytest.warns(UserWarning, match=r"tiny-mlp@1\.1\.0 is yanked \(trained on the wrong labels"):
        assert load("tiny-mlp@1.1.0", zoo, cache)[0, 0] == 1.0
    with warnings.catch_warnings(record=True):
        assert load(f"tiny-mlp@{second['content_id']}", zoo, cache)[0, 0] == 1.0
    listed = run_cli("list", "--zoo", str(zoo), "--all-versions")
    assert "yanked: trained on the wrong labels" in listed.stdout.splitlines()[1], listed.stdout
    cli = run_cli("yank", "tiny-mlp@1.0.0", "--zoo", str(zoo), "--reason", "superseded")
    assert cli.returncode == 0, cli.stderr
    refused = run_cli("fetch", "tiny-mlp", "--zoo", str(zoo), "--cache", str(cache))
    assert refused.returncode == 2 and "every version of tiny-mlp" in refused.stderr
    yank("tiny-mlp@1.1.0", zoo=zoo, undo=True)
    assert "yanked" not in select(read_index(zoo), "tiny-mlp", "1.1.0") and load("tiny-mlp", zoo, cache)[0, 0] == 1.0
    index_is_complete(zoo)


# -- an old-format zoo --------------------------------------------------------------------------------------
def format_one_zoo(tmp_path):
    """A zoo as format 1 wrote it: NAME/ holds the one version, the index has no content ids."""
    from zoo_patterns.cards import FileEntry

    zoo = tmp_path / "old"
    model = folder(zoo / "tiny-mlp", "1.0.0")
    files = [FileEntry.of(model / n, model) for n in ("README.md", "model.safetensors")]
    entry = {
        "name": "tiny-mlp",
        "version": "1.0.0",
        "format": "safetensors",
        "card": "tiny-mlp/README.md",
        "files": [{"path": f"tiny-mlp/{f.path}", "size": f.size, "sha256": f.sha256} for f in files],
    }
    (zoo / "index.json").write_text(json.dumps({"zoo": "old", "format_version": 1, "models": [entry]}))
    return zoo


def test_an_old_format_zoo_is_read_as_one_version_per_name_and_upgraded_by_the_first_publish(tmp_path):
    import zoo_patterns as zp

    zoo = format_one_zoo(tmp_path)
    old_index = (zoo / "index.json").read_text()
    assert read_index(zoo)["format_version"] == 1
    assert load("tiny-mlp@1.0.0", zoo, tmp_path / "c1")[0, 0] == 0.0
    assert zp.registry_from_zoo(zoo).get("tiny-mlp").version == "1.0.0"
    publish(folder(tmp_path / "new", "1.1.0"), zoo=zoo)
    index = read_index(zoo)
    assert index["format_version"] == 2 and [e["version"] for e in index["models"]] == ["1.0.0", "1.1.0"]
    assert all(f["path"].startswith(f"tiny-mlp/{e['version']}/") for e in index["models"] for f in e["files"])
    index_is_complete(zoo)
    assert load("tiny-mlp@1.0.0", zoo, tmp_path / "c2")[0, 0] == 0.0 and load("tiny-mlp", zoo, tmp_path / "c2")[0, 0] == 1.0
    # a reader that read the old index just before the upgrade still finds every file it names
    stale = tmp_path / "stale"
    shutil.copytree(zoo, stale)
    (stale / "index.json").write_text(old_index)
    assert load("tiny-mlp", stale, tmp_path / "c3")[0, 0] == 0.0


# -- readers during publishes, and publishes killed -----------------------------------------------------------
READER = """
import json, sys, time, warnings
from zoo_patterns.loader import Loader
zoo, cache, stop = sys.argv[1], sys.argv[2], sys.argv[3]
seen, errors = {}, []
loader = Loader(zoo=zoo, cache=cache, progress=False)
import os
while not os.path.exists(stop) or not seen:
    try:
        snap = loader.fetch("tiny-mlp")
        from safetensors.numpy import load_file
        w = load_file(str(snap.folder / "model.safetensors"))["weight"]
        minor = int(snap.manifest.version.split(".")[1])
        if not (w == minor).all():  # the weights of another version under this version's name: a mix
            errors.append(f"{snap.manifest.version} has weights {w[0, 0]}")
        seen[snap.manifest.version] = seen.get(snap.manifest.version, 0) + 1
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({"seen": seen, "errors": errors[:5], "n_errors": len(errors)}))
"""


def test_readers_see_one_complete_version_while_versions_are_published(tmp_path):
    zoo = tmp_path / "zoo"
    publish(folder(tmp_path / "v0", "1.0.0"), zoo=zoo)
    stop = tmp_path / "stop"
    server = ZooServer(zoo)
    url = server.start()
    try:
        sources = [str(zoo), str(zoo), url]  # two readers of the folder, one over HTTP; each its own fresh cache
        readers = [
            subprocess.Popen(
                [sys.executable, "-c", READER, src, str(tmp_path / f"cache{i}"), str(stop)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            for i, src in enumerate(sources)
        ]
        time.sleep(2.0)  # the readers are loading 1.0.0 in a loop
        for minor in range(1, 6):
            publish(folder(tmp_path / f"v{minor}", f"1.{minor}.0", rows=2000), zoo=zoo)  # 512 kB: a copy takes a moment
            time.sleep(0.3)
        stop.touch()
        results = [json.loads(r.communicate(timeout=120)[0].strip().splitlines()[-1]) for r in readers]
    finally:
        server.stop()
    for got in results:
        assert got["n_errors"] == 0, got["errors"]
    seen = {v for got in results for v in got["seen"]}
    assert "1.5.0" in seen and len(seen) >= 2, f"the readers saw {seen}: the publishes happened while they read"
    index_is_complete(zoo)


KILLED_AT = """
import os, sys, time
import zoo_patterns.zoo.publishing as pub
point, marker = sys.argv[3], sys.argv[4]
real_replace = os.replace

class Slow:  # os, except that the replace at the chosen point waits to be killed
    def __getattr__(self, name):
        return getattr(os, name)

    def replace(self, src, dst):
        at = "index" if str(dst).endswith("index.json") else "folder"
        if at == point:
            open(marker, "w").close()
            time.sleep(60)
        return real_replace(src, dst)

pub.os = Slow()
pub.publish(sys.argv[1], zoo=sys.argv[2])
"""


@pytest.mark.parametrize("point", ["folder", "index"])
def test_a_publish_killed_before_its_folder_or_its_index_is_in_place_leaves_every_version_intact(tmp_path, point):
    """Killed just before the version folder is moved in, or just before the index swap (the folder in place)."""
    zoo = tmp_path / "zoo"
    publish(folder(tmp_path / "a", "1.0.0"), zoo=zoo)
    before = read_index(zoo)
    marker = tmp_path / "at-the-point"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_AT, str(folder(tmp_path / "b", "1.1.0")), str(zoo), point, str(marker)], cwd=ROOT
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), "the publish reached the point"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert read_index(zoo) == before, "the index is the old, complete one"
    assert (zoo / "tiny-mlp/1.1.0").exists() == (point == "index"), "the folder moves in before the index names it"
    index_is_complete(zoo)
    assert load("tiny-mlp", zoo, tmp_path / "cache")[0, 0] == 0.0
    publish(folder(tmp_path / "c", "1.1.0"), zoo=zoo)  # the dead lock is taken over, the unindexed folder replaced
    assert [e["version"] for e in read_index(zoo)["models"]] == ["1.0.0", "1.1.0"]
    assert not list(zoo.glob(".publishing-*")) and not list(zoo.glob(".index.json.tmp-*"))
    index_is_complete(zoo)
    assert load("tiny-mlp", zoo, tmp_path / "cache")[0, 0] == 1.0


def test_the_hugging_face_protocol_serves_each_version_as_a_revision(two_versions, tmp_path):
    from zoo_patterns.hub_clients import matrix

    zoo, first, second = two_versions
    code = textwrap.dedent(
        """
        import json
        from huggingface_hub import HfApi, hf_hub_download
        from safetensors.numpy import load_file
        api = HfApi()
        got = {rev: float(load_file(hf_hub_download("zoo-patterns/tiny-mlp", "model.safetensors", revision=rev))["weight"][0, 0])
               for rev in ("main", "1.0.0", "%s")}
        print(json.dumps({"values": got, "main": api.model_info("zoo-patterns/tiny-mlp").sha,
                          "old": api.model_info("zoo-patterns/tiny-mlp", revision="1.0.0").sha}))
        """
        % first["content_id"]
    )
    with ZooServer(zoo) as url:
        proc = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=matrix.client_env(url, tmp_path / "home"),
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["values"] == {"main": 1.0, "1.0.0": 0.0, first["content_id"]: 0.0}
    assert got["main"] == second["content_id"] and got["old"] == first["content_id"], "the commit is the content id"
