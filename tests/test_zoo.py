"""The workbook zoo: complete cards, hashes that match, the CLI contract, a reproducible build."""

import json
import os

import pytest
from helpers import run_cli

import zoo_patterns as zp
from zoo_patterns.cards import ModelCard
from zoo_patterns.hashing import sha256_file
from zoo_patterns.zoo import ensure_built, read_index, registry_from_zoo


@pytest.fixture(scope="module")
def zoo():
    return ensure_built(progress=False)


def test_every_card_validates_and_every_hash_matches(zoo):
    index = read_index(zoo)
    assert len(index["models"]) >= 7
    for entry in index["models"]:
        card = ModelCard.load(zoo / entry["card"])  # validates required fields
        assert card.name == entry["name"] and card.files, card.name
        assert card.num_params and card.num_params > 0 and card.size_bytes == sum(f.size for f in card.files)
        for f in card.files:
            path = zoo / entry["folder"] / f.path
            assert path.stat().st_size == f.size and sha256_file(path) == f.sha256, f"{card.name}/{f.path}"
        for f in entry["files"]:
            assert sha256_file(zoo / f["path"]) == f["sha256"], f["path"]


def test_only_safe_formats_are_published(zoo):
    """No pickles: only formats that load without running code, plus the one hub repository that is code on purpose."""
    allowed = {".safetensors", ".keras", ".params", ".onnx", ".json", ".md", ".txt", ".jit", ".pb", ".index"}
    files = [p for p in zoo.rglob("*") if p.is_file()]
    unsafe = [
        str(p.relative_to(zoo))
        for p in files
        if p.suffix not in allowed
        and not p.name.startswith("variables.data-")  # SavedModel tensors (TensorBundle format)
        and str(p.relative_to(zoo)) != "digits-cnn-torchhub/1.0.0/hubconf.py"  # PyTorch Hub's entry points: code, hash-checked
    ]
    assert not unsafe, f"unsafe or unexpected files published: {unsafe}"
    assert not [p for p in files if p.suffix in {".pkl", ".pickle", ".pt", ".pth", ".bin", ".h5"}]


def test_pretrained_digits_models_are_accurate(zoo):
    reg = registry_from_zoo(zoo)
    for name in ("digits-cnn-torch", "digits-cnn-keras", "digits-cnn-gluon", "digits-cnn-onnx"):
        assert reg.get(name).card.metric("accuracy") > 0.95, name


def test_public_api(zoo, monkeypatch):
    monkeypatch.setenv("ZOO_PATTERNS_ZOO", str(zoo))
    assert "minilm-l6" in zp.list_models()
    assert zp.list_models("digits-*", framework="keras") == ["digits-cnn-keras"]
    assert zp.card("silero-vad").framework == "torchscript"


def test_cli_list_shows_five_runtimes_and_json_contract(zoo):
    result = run_cli("list", "--zoo", str(zoo))
    assert result.returncode == 0, result.stderr
    runtimes = {"torch", "keras", "gluon", "transformers", "onnx"}
    assert all(r in result.stdout for r in runtimes)
    rows = json.loads(run_cli("list", "--zoo", str(zoo), "--json").stdout)
    assert {r["framework"] for r in rows} >= runtimes
    for row in rows:
        assert {"name", "framework", "task", "license", "files"} <= set(row)
        assert all(len(f["sha256"]) == 64 for f in row["files"])
    one = json.loads(run_cli("list", "digits-cnn-*", "--framework", "gluon", "--zoo", str(zoo), "--json").stdout)
    assert [r["name"] for r in one] == ["digits-cnn-gluon"]


def test_cli_show_and_unknown_name(zoo):
    shown = run_cli("show", "minilm-l6", "--zoo", str(zoo))
    assert shown.returncode == 0 and shown.stdout.startswith("---") and "license: Apache-2.0" in shown.stdout
    bad = run_cli("show", "minilm", "--zoo", str(zoo))
    assert bad.returncode != 0 and "minilm-l6" in bad.stderr and "Did you mean" in bad.stderr


def test_build_refuses_a_folder_that_is_not_a_zoo(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = run_cli("build", "--out", str(tmp_path), "--quiet")
    assert result.returncode != 0 and "is not a zoo" in result.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_build_is_reproducible(zoo, tmp_path):
    """A second build, in another process, gives the index of the zoo this suite runs on: same files, sizes and sha256.

    The slow ResNet step is left out of the second build, and the TF SavedModel entry is compared by
    its file list only: TF names traced functions with per-process ids. The bias audit in MiniLM's
    card records the day it ran, so the second build gets the first one's day through
    SOURCE_DATE_EPOCH, as reproducible builds do.
    """
    import datetime as dt

    from zoo_patterns.zoo.recipes import NOT_BYTE_REPRODUCIBLE, STEPS

    steps = [s for s in STEPS if "ResNet" not in s]
    first = read_index(zoo)
    day = ModelCard.load(zoo / "minilm-l6" / "1.0.0").audits[0].date
    epoch = int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc).timestamp())
    out = tmp_path / "again"
    args = [a for s in steps for a in ("--step", s)]
    result = run_cli("build", "--out", str(out), "--quiet", *args, env=dict(os.environ, SOURCE_DATE_EPOCH=str(epoch)))
    assert result.returncode == 0, result.stderr[-2000:]
    assert not list(tmp_path.glob(".*building*")), "the staging folder must not survive a build"
    again = read_index(out)
    for index in (first, again):
        for entry in index["models"]:
            if entry["name"] in NOT_BYTE_REPRODUCIBLE:
                entry["files"] = [f["path"] for f in entry["files"]]
                entry["content_id"] = "not byte-reproducible"
    rebuilt = {m["name"] for m in again["models"]}
    assert rebuilt >= {"digits-cnn-torch", "digits-cnn-savedmodel", "minilm-l6"}
    assert [m for m in first["models"] if m["name"] in rebuilt] == again["models"]
    assert {k: v for k, v in first.items() if k != "models"} == {k: v for k, v in again.items() if k != "models"}
