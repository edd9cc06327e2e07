"""Checks for exercise 15: inside the hubs' clients."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from . import PredictionQuestion, Question, expect


def _check_snapshot_path(snapshot_path, commit, zoo_url) -> None:
    import json
    import urllib.request

    expect(
        callable(snapshot_path),
        f"expected a function snapshot_path(cache, repo_id, revision, filename), got {type(snapshot_path).__name__}.",
    )
    served = json.loads(urllib.request.urlopen(zoo_url + "api/models/zoo-patterns/digits-cnn-torch/revision/main").read())["sha"]
    expect(isinstance(commit, str) and len(commit) == 40, "commit should be the 40-hex id that main points to, as a string.")
    expect(commit == served, "that is not the commit main points to on the server: ask the API, or derive it as the lesson did.")
    cases = [
        ("/c", "zoo-patterns/digits-cnn-torch", commit, "model.safetensors"),
        ("/home/me/.cache/huggingface/hub", "zoo-patterns/minilm-l6", "0" * 40, "1_Pooling/config.json"),
        ("rel", "my-org/my-model", "a" * 40, "config.json"),
    ]
    for cache, repo, rev, name in cases:
        want = Path(cache) / f"models--{repo.replace('/', '--')}" / "snapshots" / rev / name
        got = snapshot_path(cache, repo, rev, name)
        expect(isinstance(got, (str, Path)), f"return a path (str or Path), got {type(got).__name__}.")
        got = Path(got)
        expect(
            got.parts[: len(Path(cache).parts)] == Path(cache).parts, "the path should start at the cache folder you were given."
        )
        rest = got.parts[len(Path(cache).parts) :]
        expect(bool(rest) and rest[0].startswith("models--"), "the repo's folder name starts with its type, 'models--'.")
        expect(
            rest[0] == want.parts[len(Path(cache).parts)],
            f"the repo folder for {repo!r} is not right: how does the cache spell the '/' of a repo id?",
        )
        expect(
            "snapshots" in rest and "blobs" not in rest,
            "files are read from the snapshots folder; blobs are what the snapshots point to.",
        )
        expect(
            got == want,
            f"the path for {name!r} at revision {rev[:8]}… is not right: check the revision folder and the file's own sub-folders.",
        )


q1 = Question(
    "q1",
    _check_snapshot_path,
    hints=[
        "The Hugging Face cache keeps one folder per repo, and in it one folder per commit under snapshots/; a file keeps its path inside the repo.",
        "Lesson 15, section '1. The Hugging Face Hub', prints the tree the client wrote: refs/main, "
        "snapshots/<commit>/... (symlinks), and blobs/ named by their ETag.",
        "Path(cache) / ('models--' + repo_id.replace('/', '--')) / 'snapshots' / revision / filename; the commit is json.loads(urlopen(MIRROR + 'api/models/<id>/revision/main').read())['sha'].",
    ],
    solution="""def snapshot_path(cache, repo_id, revision, filename):
    return Path(cache) / ("models--" + repo_id.replace("/", "--")) / "snapshots" / revision / filename

commit = json.loads(urllib.request.urlopen(MIRROR + "api/models/zoo-patterns/digits-cnn-torch/revision/main").read())["sha"]""",
)


CORRUPT_ROW = "corrupted file already in the cache"


@functools.lru_cache(maxsize=1)
def _who_notices() -> dict:
    """Question 2, measured: every client against a cached file with 16 bytes flipped, each in its own process."""
    import shutil
    import tempfile

    import zoo_patterns as zp

    from ..hub_clients import matrix
    from ..loader import ZooServer

    server = ZooServer(zp.zoo_dir())
    server.start()
    scratch = Path(tempfile.mkdtemp(prefix="exercise-15-", dir=zp.cache_dir()))  # its own caches, removed after
    try:
        table = matrix.measure(server, zp.zoo_dir(), faults=(CORRUPT_ROW,), workdir=scratch, parallel=len(matrix.CLIENTS))
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return {client: cell[0] in (matrix.RAISED, matrix.RECOVERED) for client, cell in table[CORRUPT_ROW].items()}


def _client_names() -> list[str]:
    from ..hub_clients import matrix

    return list(matrix.CLIENTS)


q2 = PredictionQuestion(
    "q2",
    "ex15",
    _client_names(),
    _who_notices,
    shape="client name: True if it notices, False if it serves the corrupted file",
    keys_are="clients in matrix.CLIENTS",
    value_ok=lambda v: isinstance(v, bool),
    value_rule="each prediction is True (the client notices: it raises, or downloads again) or False.",
    ask="On a cache hit, which clients hash the file again, and against a hash they got from where?",
    hints=[
        "A client notices a corrupted cached file only if it hashes the file again on a cache hit; checking that the "
        "file exists is not enough.",
        "Lesson 15, section '5. The fault matrix, measured', says which clients re-check a cache hit; section '3. The "
        "MXNet model store' shows where its trust anchor lives, and section '4. torch.hub' what check_hash checks.",
        "Two do: the one whose sha1 table lives in the library (mxnet_store), and the workbook's loader. check_hash in "
        "torch.hub applies only to a download.",
    ],
    solution=(
        "predicted = {'huggingface_hub': False, 'tensorflow_hub': False, 'mxnet_store': True, 'torch.hub': False,\n"
        "             'torch.hub check_hash': False, 'zoo loader': True}"
    ),
)


def _check_headers(resolve_headers) -> None:
    from ..hubs.huggingface import git_blob_sha1

    expect(
        callable(resolve_headers),
        f"expected a function resolve_headers(data, commit, weight_file), got {type(resolve_headers).__name__}.",
    )
    commit = "c" * 40
    small = b'{"model_type": "bert"}\n'
    weights = bytes(range(256)) * 64
    for data, weight in ((small, False), (weights, True)):
        got = resolve_headers(data, commit, weight)
        expect(isinstance(got, dict), f"return a dict of header names to strings, got {type(got).__name__}.")
        got = {k.lower(): str(v) for k, v in got.items()}
        expect("x-repo-commit" in got, "without the commit header the client raises a metadata error on every file.")
        expect(got["x-repo-commit"] == commit, "the commit header should carry the repo's commit id, as given.")
        tag = got.get("x-linked-etag", got.get("etag"))
        expect(tag is not None, "the client needs an ETag (or X-Linked-Etag): it names the blob in its cache.")
        expect(tag.startswith('"') and tag.endswith('"'), "an ETag is a quoted string.")
        want = hashlib.sha256(data).hexdigest() if weight else git_blob_sha1(data)
        kind = "a weight (LFS) file" if weight else "an ordinary file"
        expect(tag.strip('"') == want, f"the ETag for {kind} is not the hash the Hub's convention uses for it.")
        expect(
            got.get("content-length") == str(len(data)),
            "the client's only integrity check compares the download with Content-Length: send the exact size.",
        )
        expect(not any("xet" in k for k in got), "a xet header sends the client to a xet server this mirror does not have.")


q3 = Question(
    "q3",
    _check_headers,
    hints=[
        "huggingface_hub's HEAD needs three things from a mirror: which commit it is reading, a name for the exact bytes, and their size.",
        "Lesson 15, section '1. The Hugging Face Hub', prints the HEAD answer's headers (X-Repo-Commit, ETag, "
        "Content-Length) and says which hash the ETag of a weight (LFS) file and of a small file is.",
        "X-Repo-Commit: commit; ETag: '\"' + (sha256 of the bytes if weight_file else sha1(b'blob %d\\\\0' % len(data) + data)) + '\"'; Content-Length: str(len(data)).",
    ],
    solution="""def resolve_headers(data, commit, weight_file):
    if weight_file:
        tag = hashlib.sha256(data).hexdigest()
    else:
        tag = hashlib.sha1(b"blob %d\\0" % len(data) + data).hexdigest()
    return {"X-Repo-Commit": commit, "ETag": f'"{tag}"', "Content-Length": str(len(data))}""",
)
