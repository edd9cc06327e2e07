"""What the lessons and docs/hubs.md say about the installed libraries, checked against them (issue 31).

A lesson either measures a library's behaviour in a cell and asserts it, or cites the installed
library's source (module and function) for it. Each cited statement has a test here that reads
that source or calls that function, and fails when a new release makes the statement false. The
docstring of each test names the lesson (or doc) that makes the claim.

Sources are read from the installed packages (`importlib.util.find_spec`), never from a copy, so
a test reads whatever release the environment holds.

Each test here has been seen failing: `python scripts/mutate_claims.py` breaks every claim once
(in the test process only) and checks that the test backing it fails; add a mutation there for a new test.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import re
import textwrap
from pathlib import Path

import pytest
from helpers import run_python


def source_of(module: str) -> str:
    """The text of an installed module, found without importing it or its package (tensorflow_hub cannot be imported bare)."""
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)  # a top-level name: finding it imports nothing
    assert spec is not None and spec.origin, f"{top} is not installed"
    path = Path(spec.origin).parent.joinpath(*rest)
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    assert path.is_file(), f"{module}: no {path}"
    return path.read_text()


def function_source(module_text: str, name: str) -> str:
    """The text of one top-level `def name` (or a method, indented) in a module's source."""
    match = re.search(rf"^(\s*)def {re.escape(name)}\(.*?(?=^\1(?:def |class |@)|\Z)", module_text, flags=re.M | re.S)
    assert match, f"no function {name} in the source"
    return match.group(0)


# --- torch.hub (lessons 05 and 15, docs/hubs.md) -------------------------------------------------


def test_torch_hub_load_state_dict_from_url_checks_no_hash_and_unpickles_fully_by_default():
    """Lesson 05 (integrity column) and lesson 15: `check_hash=False` and `weights_only=False` are the defaults."""
    import torch

    defaults = inspect.signature(torch.hub.load_state_dict_from_url).parameters
    assert defaults["check_hash"].default is False
    assert defaults["weights_only"].default is False


class _Payload:
    """Unpickles as a call to os.getpid: any callable would do, which is the danger."""

    def __reduce__(self):
        import os

        return (os.getpid, ())


def test_load_state_dict_from_url_runs_a_pickled_call_unless_weights_only(tmp_path):
    """Lesson 15: with its defaults the payload runs; `weights_only=True` refuses it; so does torch.load's default."""
    import os
    import pickle

    import torch

    checkpoint = tmp_path / "checkpoint.pth"
    torch.save({"w": torch.zeros(2), "extra": _Payload()}, checkpoint)
    loaded = torch.hub.load_state_dict_from_url(checkpoint.as_uri(), model_dir=str(tmp_path / "a"), progress=False)
    assert loaded["extra"] == os.getpid()  # the call ran while unpickling
    with pytest.raises(pickle.UnpicklingError):
        torch.hub.load_state_dict_from_url(checkpoint.as_uri(), model_dir=str(tmp_path / "b"), progress=False, weights_only=True)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(checkpoint)  # torch.load's own default is weights_only=True


def test_torch_hub_takes_its_expected_hash_from_the_file_name():
    """docs/hubs.md and lesson 15: `torch/hub.py`, `HASH_REGEX`, used by `load_state_dict_from_url`."""
    import torch.hub

    assert torch.hub.HASH_REGEX.pattern == r"-([a-f0-9]*)\."
    assert "HASH_REGEX.search(filename)" in inspect.getsource(torch.hub.load_state_dict_from_url)
    assert torch.hub.HASH_REGEX.search("digits-cnn-torch.pth") is None  # no hex run before the dot: nothing to check


def test_torch_hub_list_and_help_are_github_only_and_load_imports_hubconf():
    """Lesson 05: `list`/`help` take a GitHub repo and no `source`; `load` has `source="local"`, which imports hubconf.py."""
    import torch.hub

    for fn in (torch.hub.list, torch.hub.help):
        params = inspect.signature(fn).parameters
        assert next(iter(params)) == "github" and "source" not in params
    assert inspect.signature(torch.hub.load).parameters["source"].default == "github"
    assert 'source not in ("github", "local")' in inspect.getsource(torch.hub.load)
    local = inspect.getsource(torch.hub._load_local)
    assert "MODULE_HUBCONF" in local and "_import_module" in local
    assert "_check_repo_is_trusted(" in inspect.getsource(torch.hub._get_cache_or_reload)


# --- tensorflow_hub (lessons 05 and 15, docs/hubs.md) ----------------------------------------------


def test_tensorflow_hub_needs_pkg_resources_which_setuptools_no_longer_ships():
    """Lesson 05: `tensorflow_hub/__init__.py`, `_ensure_tf_install`, imports pkg_resources; it is not installed."""
    init = source_of("tensorflow_hub")
    assert "from pkg_resources import parse_version" in function_source(init, "_ensure_tf_install")
    # on sys.path, not in sys.modules: zoo_patterns.compat may have put a stand-in there (its __spec__ is None)
    assert importlib.machinery.PathFinder.find_spec("pkg_resources") is None


def test_tensorflow_hub_requires_tf_keras_under_keras_3_and_its_layer_is_keras_2():
    """Lesson 05: `_ensure_keras_2_importable` imports tf_keras; `keras_layer.py` builds on it."""
    init = source_of("tensorflow_hub")
    ensure = function_source(init, "_ensure_keras_2_importable")
    assert 'startswith("3.")' in ensure
    assert re.search(r"^\s*import tf_keras\b", ensure, flags=re.M)  # a statement, not the error message that names it
    assert re.search(r"^\s*import tf_keras as keras", source_of("tensorflow_hub.keras_layer"), flags=re.M)


def test_tensorflow_hub_fetches_a_compressed_handle_into_a_sha1_folder_without_hashing_it():
    """Lesson 15 and docs/hubs.md: `compressed_module_resolver.py` (`_module_dir`, `HttpCompressedFileResolver`), `resolver.py`."""
    resolver = source_of("tensorflow_hub.compressed_module_resolver")
    assert '_COMPRESSED_FORMAT_QUERY = ("tf-hub-format", "compressed")' in resolver
    assert 'hashlib.sha1(handle.encode("utf8")).hexdigest()' in function_source(resolver, "_module_dir")
    assert resolver.count("hashlib.") == 1  # the folder name is the only hash it computes
    base = source_of("tensorflow_hub.resolver")
    assert "hashlib" not in base  # neither the download nor the cache hit hashes anything
    hit = function_source(base, "atomic_download")
    assert "gfile.Exists(module_dir)" in hit and "ListDirectory(module_dir)" in hit  # a cache hit: a non-empty folder


# --- the MXNet model store (lesson 05, lesson 15, docs/hubs.md) -------------------------------------


def test_mxnet_model_store_rehashes_a_cache_hit_and_downloads_again_on_a_mismatch(tmp_path, monkeypatch):
    """Lesson 05: `mxnet/gluon/model_zoo/model_store.py`, `get_model_file`, checks the library's sha1 table on every use."""
    import hashlib

    import requests

    from zoo_patterns.compat import import_mxnet

    import_mxnet()
    from mxnet.gluon.model_zoo import model_store

    data = b"pretend weights"
    sha1 = hashlib.sha1(data).hexdigest()
    monkeypatch.setitem(model_store._model_sha1, "planted-model", sha1)
    monkeypatch.setenv("MXNET_GLUON_REPO", "http://127.0.0.1:9/")  # nothing listens: any download fails at once
    cached = tmp_path / f"planted-model-{sha1[:8]}.params"
    cached.write_bytes(data)
    assert model_store.get_model_file("planted-model", root=str(tmp_path)) == str(cached)  # hit, hash matches: no network
    cached.write_bytes(b"pretend weightz")  # same length, one byte changed
    with pytest.raises(requests.exceptions.RequestException):
        model_store.get_model_file("planted-model", root=str(tmp_path))  # the hit was re-hashed, so it tried to download
    assert "MXNET_GLUON_REPO" in inspect.getsource(model_store.get_model_file)  # read on every call


def test_mxnet_onnx_export_imports_onnx_mapping_which_the_installed_onnx_lacks():
    """Lesson 09: `mxnet/onnx/mx2onnx/_export_onnx.py` does `from onnx import mapping`; onnx has no such module."""
    assert "from onnx import mapping" in source_of("mxnet.onnx.mx2onnx._export_onnx")
    onnx_dir = Path(importlib.util.find_spec("onnx").origin).parent
    assert not (onnx_dir / "mapping.py").exists() and not (onnx_dir / "mapping").is_dir()
    assert "Onnx and protobuf need to be installed" in source_of("mxnet.onnx.mx2onnx._export_model")


def test_gluon_trainer_makes_a_dist_sync_kvstore_that_updates_on_the_servers(monkeypatch):
    """Lesson 14's table: `gluon.Trainer(..., kvstore="dist_sync")`, gradients pushed to parameter servers.

    `mxnet/gluon/trainer.py`, `Trainer._init_kvstore`, passes the string to `mxnet/model.py`, `_create_kvstore`,
    which makes a kvstore for a `dist` type even on one device, and updates on it (the servers apply the step).
    The real `kvstore.create("dist_sync")` would wait for a scheduler, so it is replaced by a recorder here.
    """
    from zoo_patterns.compat import import_mxnet

    import_mxnet()
    from mxnet import model

    created = []

    class Recorder:
        def is_capable(self, capability):
            return True

    monkeypatch.setattr(model.kvs, "create", lambda name: created.append(name) or Recorder())
    monkeypatch.delenv("MXNET_UPDATE_ON_KVSTORE", raising=False)
    kv, update_on_kvstore = model._create_kvstore("dist_sync", 1, {})
    assert created == ["dist_sync"] and isinstance(kv, Recorder) and update_on_kvstore is True
    assert model._create_kvstore("local", 1, {}) == (None, False)  # one device, not distributed: no kvstore at all
    init = function_source(source_of("mxnet.gluon.trainer"), "_init_kvstore")
    assert "_create_kvstore(config['kvstore']" in init and "'dist' in kvstore.type" in init


# --- Keras 3 (lessons 09 and 14) ------------------------------------------------------------------


def test_keras_onnx_export_uses_tf2onnx_and_refuses_a_model_never_called():
    """Lesson 09: `keras/src/export/onnx.py`, `export_onnx`."""
    text = function_source(source_of("keras.src.export.onnx"), "export_onnx")
    assert 'backend.backend() == "tensorflow"' in text and "tf2onnx" in text
    assert "not model._called" in text and "has never called" in text


def test_keras_data_parallel_is_complete_on_jax_and_a_prototype_on_tensorflow():
    """Lesson 14's table: `keras.distribution.DataParallel` (JAX backend); TF has `tf.distribute` strategies."""
    assert "class DataParallel(" in source_of("keras.src.distribution.distribution_lib")
    assert source_of("keras.src.backend.tensorflow.distribution_lib").lstrip('"').startswith("!!!DO NOT USE!!!")
    assert "def distribute_data_input(" in source_of("keras.src.backend.jax.distribution_lib")
    strategies = source_of("tensorflow.python.distribute.mirrored_strategy") + source_of(
        "tensorflow.python.distribute.collective_all_reduce_strategy"
    )
    assert "class MirroredStrategy(" in strategies and "class CollectiveAllReduceStrategy(" in strategies
    assert '"distribute.MultiWorkerMirroredStrategy"' in strategies  # exported under that name


# --- huggingface_hub and transformers (lessons 02, 05, 15, docs/hubs.md) ----------------------------


def test_huggingface_hub_checks_only_the_size_of_a_download():
    """Lesson 15 and docs/hubs.md: `huggingface_hub/file_download.py`, `http_get`."""
    from huggingface_hub import HfApi, file_download

    text = inspect.getsource(file_download.http_get)
    assert "Consistency check failed: file should be of size" in text
    # file_download.py imports a hash helper (sha_fileobj, for local_dir downloads): none is called here
    assert [h for h in ("hashlib", "sha256", "sha_fileobj", "sha1(", "md5") if h in text] == []
    assert callable(HfApi.verify_repo_checksums)


def test_huggingface_hub_reads_its_settings_when_imported():
    """docs/hubs.md and lesson 15: `huggingface_hub/constants.py` reads HF_ENDPOINT and HF_HUB_OFFLINE at module level."""
    text = source_of("huggingface_hub.constants")
    assert re.search(r'^ENDPOINT = os\.getenv\("HF_ENDPOINT"', text, flags=re.M)
    assert re.search(r'^HF_HUB_OFFLINE = .*os\.environ\.get\("HF_HUB_OFFLINE"\)', text, flags=re.M)


def test_transformers_refuses_remote_code_unless_trusted():
    """Lesson 05: `transformers/dynamic_module_utils.py`, `resolve_trust_remote_code`."""
    from transformers.dynamic_module_utils import resolve_trust_remote_code

    with pytest.raises(ValueError, match="trust_remote_code"):
        resolve_trust_remote_code(False, "org/model", has_local_code=False, has_remote_code=True)
    assert resolve_trust_remote_code(True, "org/model", has_local_code=False, has_remote_code=True) is True


# --- torch training (lessons 07 and 14) -----------------------------------------------------------


def test_adamw_without_weight_decay_takes_adams_steps():
    """Lesson 07: `torch/optim/adamw.py`, `AdamW`, with weight_decay=0.0 is Adam."""
    import torch

    torch.manual_seed(0)
    start = torch.randn(5, 3)
    target = torch.randn(5, 3)
    weights = {}
    for name, cls in (("adam", torch.optim.Adam), ("adamw", torch.optim.AdamW)):
        w = start.clone().requires_grad_(True)
        optimizer = cls([w], lr=1e-2, weight_decay=0.0)
        for _ in range(20):
            optimizer.zero_grad()
            ((w - target) ** 2).sum().backward()
            optimizer.step()
        weights[name] = w.detach()
    assert torch.equal(weights["adam"], weights["adamw"])
    assert torch.optim.AdamW.__module__ == "torch.optim.adamw"  # where the lesson says it is


def test_batchnorm_in_train_mode_updates_running_statistics_without_gradients():
    """Lesson 07: `torch/nn/modules/batchnorm.py`, `_BatchNorm.forward`, whatever requires_grad says."""
    import torch

    assert torch.nn.BatchNorm2d.forward is torch.nn.modules.batchnorm._BatchNorm.forward  # the function the lesson cites
    bn = torch.nn.BatchNorm2d(3).requires_grad_(False)
    before = bn.running_mean.clone()
    with torch.no_grad():
        bn.train()(torch.randn(8, 3, 4, 4) + 5)
    assert not torch.equal(bn.running_mean, before)
    moved = bn.running_mean.clone()
    with torch.no_grad():
        bn.eval()(torch.randn(8, 3, 4, 4) + 5)
    assert torch.equal(bn.running_mean, moved)  # eval(): the statistics stay


def test_distributed_sampler_shuffles_with_seed_plus_epoch_and_deals_every_nth():
    """Lesson 14: `torch/utils/data/distributed.py`, `DistributedSampler.__iter__`."""
    import torch
    from torch.utils.data.distributed import DistributedSampler

    assert "__iter__" in vars(DistributedSampler) and DistributedSampler.__module__ == "torch.utils.data.distributed"
    n, world, seed = 20, 2, 7
    for epoch in (0, 3):
        shuffled = torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch)).tolist()
        for rank in range(world):
            sampler = DistributedSampler(range(n), num_replicas=world, rank=rank, shuffle=True, seed=seed)
            sampler.set_epoch(epoch)
            assert list(sampler) == shuffled[rank::world]


def test_ddp_syncs_buffers_from_rank_0_by_default_and_sync_batchnorm_refuses_cpu():
    """Lesson 14: `DistributedDataParallel` (`forward_sync_buffers`, `_sync_buffers`) and `SyncBatchNorm.forward`."""
    code = textwrap.dedent(
        """
        import inspect, json, warnings
        import torch, torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel
        dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
        net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
        ddp = DistributedDataParallel(net)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            DistributedDataParallel(net, broadcast_buffers=True)
        sync_bn = torch.nn.SyncBatchNorm(2).train()
        try:
            sync_bn(torch.randn(4, 2, 3, 3))
            refused = ""
        except ValueError as err:
            refused = str(err)
        print(json.dumps({
            "default": ddp.forward_sync_buffers,
            "warning": [str(w.message) for w in caught if issubclass(w.category, FutureWarning)],
            "rank0": "authoritative_rank = 0" in inspect.getsource(DistributedDataParallel._sync_buffers),
            "refused": refused,
        }))
        dist.destroy_process_group()
        """
    )
    done = run_python(code, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    import json

    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["default"] is True and found["rank0"]
    assert any("`broadcast_buffers` is deprecated" in w for w in found["warning"])
    assert found["refused"].startswith("SyncBatchNorm expected input tensor to be on GPU")
