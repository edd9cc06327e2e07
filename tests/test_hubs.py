"""The zoo's server speaks four hubs' protocols, and each hub's own client downloads from it (issue 24, lesson 15).

Clients read their settings (``HF_ENDPOINT``, ``HF_HUB_OFFLINE``, ...) when they
are imported, so each client runs in its own subprocess with its own
environment. One server and one set of caches are shared per module.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import pytest

from zoo_patterns.hub_clients import matrix
from zoo_patterns.hubs import Zoo, huggingface, tfhub, torchhub
from zoo_patterns.loader import ZooServer
from zoo_patterns.zoo import ensure_built_once


@pytest.fixture(scope="module")
def zoo():
    return ensure_built_once()


@pytest.fixture(scope="module")
def server(zoo):
    srv = ZooServer(zoo)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("hub-clients")


def run_client(code: str, url: str, home, **env) -> dict:
    """Run ``code`` in a fresh Python with the hubs' settings; it prints one JSON line last."""
    full_env = {**matrix.client_env(url, home), **env}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=full_env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def get(url: str, method: str = "GET", headers: dict | None = None):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


# --- the Hugging Face protocol, on the wire ---------------------------------------------------


def test_hf_api_tree_and_resolve_headers(server, zoo):
    entry = Zoo(zoo).get("digits-cnn-torch")
    commit = huggingface.commit_id(entry)
    for path in ("api/models/zoo-patterns/digits-cnn-torch", "api/models/zoo-patterns/digits-cnn-torch/revision/main"):
        status, _, body = get(server.url + path)
        info = json.loads(body)
        assert status == 200 and info["id"] == "zoo-patterns/digits-cnn-torch" and info["sha"] == commit
        assert {s["rfilename"] for s in info["siblings"]} == {"README.md", "config.json", "model.safetensors"}
    status, _, body = get(server.url + f"api/models/zoo-patterns/digits-cnn-torch/tree/{commit}?recursive=true")
    tree = {e["path"]: e for e in json.loads(body)}
    weights = entry.file("model.safetensors")
    assert tree["model.safetensors"]["lfs"] == {
        "oid": weights.sha256,
        "size": weights.size,
        "pointerSize": len(huggingface.lfs_pointer(weights)),
    }
    config = entry.file("config.json")
    assert (
        tree["config.json"]["oid"] == huggingface.git_blob_sha1(config.source.read_bytes()) and "lfs" not in tree["config.json"]
    )
    status, headers, body = get(server.url + "zoo-patterns/digits-cnn-torch/resolve/main/model.safetensors", "HEAD")
    assert status == 200 and body == b""
    assert headers["X-Repo-Commit"] == commit and headers["ETag"] == headers["X-Linked-Etag"] == f'"{weights.sha256}"'
    assert int(headers["Content-Length"]) == weights.size
    assert not [h for h in headers if "xet" in h.lower()]  # hf_xet installed or not, plain HTTP
    status, headers, body = get(
        server.url + "zoo-patterns/digits-cnn-torch/resolve/main/config.json", headers={"Range": "bytes=2-9"}
    )
    assert status == 206 and body == config.source.read_bytes()[2:10] and headers["Content-Range"] == f"bytes 2-9/{config.size}"
    # the commit id is derived from the files: another file list, another commit
    assert huggingface.commit_id(Zoo(zoo).get("digits-cnn-torchhub")) != commit


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("zoo-patterns/no-such-model/resolve/main/config.json", "RepoNotFound"),
        ("other-org/digits-cnn-torch/resolve/main/config.json", "RepoNotFound"),
        ("zoo-patterns/digits-cnn-torch/resolve/main/missing.bin", "EntryNotFound"),
        ("zoo-patterns/digits-cnn-torch/resolve/v9.9/config.json", "RevisionNotFound"),
        ("api/models/zoo-patterns/digits-cnn-torch/revision/v9.9", "RevisionNotFound"),
    ],
)
def test_hf_404s_say_why(server, path, code):
    status, headers, _ = get(server.url + path, "HEAD" if "resolve" in path else "GET")
    assert status == 404 and headers["X-Error-Code"] == code
    assert ("X-Repo-Commit" in headers) == (code == "EntryNotFound")


def test_archives_are_deterministic_and_import_no_framework(zoo):
    a, b = Zoo(zoo), Zoo(zoo)
    assert tfhub.archive(a.get("digits-cnn-savedmodel")) == tfhub.archive(b.get("digits-cnn-savedmodel"))
    code = "import sys, zoo_patterns.hubs.huggingface, zoo_patterns.hubs.tfhub, zoo_patterns.hubs.mxnet_store, zoo_patterns.hubs.torchhub, zoo_patterns.loader.serve; print([m for m in ('torch', 'tensorflow', 'mxnet', 'transformers') if m in sys.modules])"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    assert torchhub.hashed_name(a, "digits-cnn-torch") == torchhub.hashed_name(
        b, "digits-cnn-torch"
    )  # torch.save is deterministic


# --- each hub's own client --------------------------------------------------------------------


def test_huggingface_hub_snapshot_download_from_pretrained_and_errors(server, home):
    got = run_client(
        """
        import json, os
        from huggingface_hub import hf_hub_download, snapshot_download, scan_cache_dir
        from huggingface_hub.errors import EntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError
        from transformers import AutoModel
        folder = snapshot_download("zoo-patterns/minilm-l6")
        model = AutoModel.from_pretrained("zoo-patterns/minilm-l6")
        errors = {}
        for repo, name, rev in [("zoo-patterns/nope", "config.json", None), ("zoo-patterns/minilm-l6", "nope.bin", None), ("zoo-patterns/minilm-l6", "config.json", "v9")]:
            try:
                hf_hub_download(repo, name, revision=rev)
            except (EntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError) as exc:
                errors[name + str(rev)] = [c.__name__ for c in type(exc).__mro__]
        repo = next(iter(scan_cache_dir().repos))
        weights = os.path.join(folder, "model.safetensors")
        print(json.dumps({"class": type(model).__name__, "files": sorted(os.listdir(folder)), "link": os.readlink(weights),
                          "repo": repo.repo_id, "refs": sorted(next(iter(repo.revisions)).refs), "errors": errors}))
        """,
        server.url,
        home,
    )
    assert got["class"] == "BertModel" and "model.safetensors" in got["files"] and "tokenizer.json" in got["files"]
    assert got["link"].startswith("../../blobs/") and got["repo"] == "zoo-patterns/minilm-l6" and got["refs"] == ["main"]
    expected = {
        "config.jsonNone": "RepositoryNotFoundError",
        "nope.binNone": "EntryNotFoundError",
        "config.jsonv9": "RevisionNotFoundError",
    }
    assert set(got["errors"]) == set(expected) and all(expected[k] in got["errors"][k] for k in expected), got["errors"]
    # offline, with no server at all: served from the cache with no request
    with ZooServer(ensure_built_once()) as gone:
        pass
    offline = run_client(
        """
        import json
        from transformers import AutoModel
        m = AutoModel.from_pretrained("zoo-patterns/minilm-l6")
        print(json.dumps({"class": type(m).__name__}))
        """,
        gone,
        home,
        HF_HUB_OFFLINE="1",
    )
    assert offline == {"class": "BertModel"}


def test_tensorflow_hub_load(server, home):
    handle = server.url + "tfhub/digits-cnn-savedmodel"
    got = run_client(
        f"""
        import json, os
        from zoo_patterns.compat import import_tensorflow_hub
        hub = import_tensorflow_hub()
        m = hub.load({handle!r})
        print(json.dumps({{"signatures": sorted(m.signatures), "cache": sorted(os.listdir(os.environ["TFHUB_CACHE_DIR"]))}}))
        """,
        server.url,
        home,
    )
    assert "serving_default" in got["signatures"]
    assert tfhub.cache_folder_name(handle) in got["cache"]


def test_mxnet_store_get_model_file(server, home, zoo):
    got = run_client(
        f"""
        import json
        from zoo_patterns.hubs.mxnet_store import add_to_model_store
        rows = add_to_model_store({str(zoo)!r})
        from mxnet.gluon.model_zoo import model_store
        path = model_store.get_model_file("digits-cnn-gluon", root={str(home / "mxnet")!r})
        try:
            model_store.get_model_file("not-in-the-table", root={str(home / "mxnet")!r})
        except ValueError as exc:
            unknown = type(exc).__name__
        print(json.dumps({{"rows": rows, "path": path, "unknown": unknown}}))
        """,
        server.url,
        home,
    )
    sha1 = hashlib.sha1(open(got["path"], "rb").read()).hexdigest()
    assert got["rows"]["digits-cnn-gluon"] == sha1 and got["path"].endswith(f"digits-cnn-gluon-{sha1[:8]}.params")
    assert got["unknown"] == "ValueError"


def test_torch_hub_check_hash(server, home, zoo):
    req = urllib.request.Request(server.url + "torchhub/digits-cnn-torch.pth", method="HEAD")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(req)
    except urllib.error.HTTPError as e:
        status, location = e.code, e.headers["Location"]
    assert status == 302 and location.startswith("/torchhub/digits-cnn-torch-") and location.endswith(".pth")
    got = run_client(
        f"""
        import json, os, torch
        from safetensors.torch import load_file
        sd = torch.hub.load_state_dict_from_url({server.url + location.lstrip("/")!r}, check_hash=True, progress=False)
        ref = load_file({str(zoo / "digits-cnn-torch" / "1.0.0" / "model.safetensors")!r})
        same = set(sd) == set(ref) and all(torch.equal(sd[k], ref[k]) for k in ref)
        print(json.dumps({{"same": same, "cached": os.listdir(os.path.join(os.environ["TORCH_HOME"], "hub", "checkpoints"))}}))
        """,
        server.url,
        home,
    )
    assert got == {"same": True, "cached": [location.rsplit("/", 1)[1]]}
    assert get(server.url + "torchhub/digits-cnn-torch-00000000.pth")[0] == 404
    assert get(server.url + "torchhub/no-such-model.pth")[0] == 404


# --- faults and the request log -----------------------------------------------------------------


def test_faults_per_path(server, zoo):
    url = server.url + "digits-cnn-torch/1.0.0/config.json"
    good = (zoo / "digits-cnn-torch" / "1.0.0" / "config.json").read_bytes()
    fault = server.fault("/digits-cnn-torch/1.0.0/config.json", "corrupt")
    status, headers, body = get(url)
    assert status == 200 and len(body) == len(good) and body != good
    server.remove_fault(fault)
    server.fault("/digits-cnn-torch/1.0.0/config.json", "truncate", times=1)
    assert get(url)[2] == good[: len(good) // 2] and get(url)[2] == good  # times=1: only the first
    server.fault("/digits-cnn-torch/1.0.0/config.json", "slow", times=1, delay=0.3)
    t0 = time.perf_counter()
    assert get(url)[2] == good and time.perf_counter() - t0 >= 0.3
    server.fault("/digits-cnn-torch/1.0.0/config.json", "drop", times=1)
    with pytest.raises(Exception):  # noqa: B017, PT011 (http.client's IncompleteRead, whatever its wrapper)
        get(url)
    assert any(line.startswith("GET /digits-cnn-torch/1.0.0/config.json 200 range=- bytes=") for line in server.requests)


def test_cli_serve_log_and_fault(zoo, tmp_path):
    log = tmp_path / "requests.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zoo_patterns",
            "serve",
            "--dir",
            str(zoo),
            "--port",
            "0",
            "--log",
            str(log),
            "--fault",
            "corrupt:*/config.json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().split(" at ")[1].split()[0]
        good = (zoo / "digits-cnn-torch" / "1.0.0" / "config.json").read_bytes()
        _, _, body = get(url + "zoo-patterns/digits-cnn-torch/resolve/main/config.json", headers={"Range": "bytes=0-"})
        assert len(body) == len(good) and body != good
        assert get(url + "index.json")[0] == 200
        deadline = time.monotonic() + 10  # the server writes a line just after it answers
        while (not log.exists() or len(log.read_text().splitlines()) < 2) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(10)
    lines = log.read_text().splitlines()
    assert lines[0] == f"GET /zoo-patterns/digits-cnn-torch/resolve/main/config.json 206 range=bytes=0- bytes={len(good)}"
    assert lines[1].startswith("GET /index.json 200 range=- bytes=")
    bad = subprocess.run(
        [sys.executable, "-m", "zoo_patterns", "serve", "--dir", str(zoo), "--fault", "melt:*"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "KIND:PATTERN" in bad.stderr


def test_fault_matrix(server, zoo, tmp_path):
    table = matrix.measure(server, zoo, workdir=tmp_path)
    print(matrix.format_table(table))
    for row, cells in table.items():  # the workbook's loader never serves or caches bad bytes
        assert cells["zoo loader"][0] in (matrix.RAISED, matrix.RECOVERED), row
    assert matrix.differences(table) == []


# --- exercise 15's checks refuse plausible wrong answers, without giving the answer away --------


def test_exercise_15_checks(server, monkeypatch, tmp_path):
    from pathlib import Path

    from zoo_patterns.exercises import Incorrect
    from zoo_patterns.exercises.ex15 import q1, q2, q3

    commit = huggingface.commit_id(Zoo(ensure_built_once()).get("digits-cnn-torch"))

    def right(cache, repo, rev, name):
        return Path(cache) / ("models--" + repo.replace("/", "--")) / "snapshots" / rev / name

    wrong_paths = [
        lambda c, r, v, n: Path(c) / ("models--" + r) / "snapshots" / v / n,  # '/' kept
        lambda c, r, v, n: Path(c) / r.replace("/", "--") / "snapshots" / v / n,  # no type prefix
        lambda c, r, v, n: Path(c) / ("models--" + r.replace("/", "--")) / "blobs" / n,  # the blob, not the snapshot
        lambda c, r, v, n: Path(c) / ("models--" + r.replace("/", "--")) / "snapshots" / "main" / n,  # a ref name
        lambda c, r, v, n: Path(c) / ("models--" + r.replace("/", "--")) / "snapshots" / v / n.rsplit("/", 1)[-1],  # flattened
    ]
    for wrong in wrong_paths:
        with pytest.raises(Incorrect) as err:
            q1.check(wrong, commit, server.url)
        assert "models--zoo-patterns--" not in str(err.value)
    with pytest.raises(Incorrect):
        q1.check(right, "main", server.url)
    assert q1.check(right, commit, server.url)
    # q2 is "predict, then run": the first committed prediction is scored. Its measurement (every client in its own
    # process) is test_fault_matrix's row; here the recorded row stands in for it, so that this test stays quick.
    row = matrix.EXPECTED["corrupted file already in the cache"]
    truth = {client: row[client] in (matrix.RAISED, matrix.RECOVERED) for client in matrix.CLIENTS}
    monkeypatch.setattr(q2, "_measure", lambda: dict(truth))
    monkeypatch.setenv("ZOO_PATTERNS_PREDICTIONS", str(tmp_path / "predictions.json"))
    for wrong in ({"zoo loader"}, {**truth, "huggingface_hub": True}, {**truth, "mxnet_store": False}, {**truth, "pip": True}):
        with pytest.raises(Incorrect) as err:
            q2.predict(wrong)
            q2.check()
        assert "mxnet_store" not in str(err.value)
        (tmp_path / "predictions.json").unlink(missing_ok=True)
    with pytest.raises(TypeError, match="takes no answer"):
        q2.check(truth)
    q2.predict(truth)
    assert q2.check()

    def headers(etag_kind="right", quote=True, commit_header=True, length=True):
        def resolve_headers(data, commit, weight_file):
            import hashlib

            tag = hashlib.sha256(data).hexdigest() if weight_file or etag_kind == "sha256" else huggingface.git_blob_sha1(data)
            if etag_kind == "sha1":
                tag = hashlib.sha1(data).hexdigest()
            out = {"ETag": f'"{tag}"' if quote else tag}
            if commit_header:
                out["X-Repo-Commit"] = commit
            if length:
                out["Content-Length"] = str(len(data))
            return out

        return resolve_headers

    for wrong in (headers("sha256"), headers("sha1"), headers(quote=False), headers(commit_header=False), headers(length=False)):
        with pytest.raises(Incorrect):
            q3.check(wrong)
    assert q3.check(headers())
    assert all(len(q._hints) >= 3 for q in (q1, q2, q3))
