"""The facts lessons 04 and 08 cite from the installed libraries' source, each checked where it is written.

Lesson 04's table of how torch.hub, TF Hub, huggingface_hub and the Gluon model store download,
check and cache (section 13) and lesson 08's BatchNorm and optimizer facts name a module and a
function for every claim that the lessons do not measure in a cell. Each test here reads that
function's source (or calls it) and fails when a release changes the behaviour, so the lesson's
sentence is corrected rather than left wrong. Sources are read with ``ast`` from the installed
files, without importing TensorFlow or MXNet where that is not needed.

Each test here has been seen failing: `python scripts/mutate_claims.py` breaks every claim once
(in the test process only) and checks that the test backing it fails; add a mutation there for a new test.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def task():
    from zoo_patterns.datasets import digits_transfer_task

    return digits_transfer_task(labels_per_class=1, draw=0)


def module_file(package: str, *parts: str) -> Path:
    """The installed file of ``package/parts...`` (``find_spec`` of a top-level name imports nothing)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:  # a failure, not a skip: `make install` installs them all
        pytest.fail(f"{package} is not installed, so the lesson's claim about it cannot be checked; pip install -e '.[all]'")
    return Path(spec.submodule_search_locations[0], *parts)


def function_source(path: Path, qualname: str) -> str:
    """The source text of ``qualname`` (``func`` or ``Class.method``) in the file ``path``."""
    text = path.read_text(encoding="utf-8")
    scope: list = ast.parse(text).body
    node = None
    for name in qualname.split("."):
        node = next(
            (n for n in scope if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef) and n.name == name),
            None,
        )
        assert node is not None, f"{path} has no {qualname}: the lesson's citation names a function that is gone"
        scope = node.body
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and len(body) > 1:
        lines = text.splitlines()
        return "\n".join(lines[node.lineno - 1 : body[0].lineno - 1] + lines[body[1].lineno - 1 : node.end_lineno])
    return ast.get_source_segment(text, node)


def test_function_source_finds_a_method_and_fails_on_a_missing_one(tmp_path):
    source = tmp_path / "m.py"
    source.write_text('class A:\n    def f(self):\n        """Returns 2."""\n        return 1\n')
    assert "return 1" in function_source(source, "A.f") and "Returns 2" not in function_source(source, "A.f")
    with pytest.raises(AssertionError, match="has no A.g"):
        function_source(source, "A.g")


# -- lesson 04, section 13: torch.hub ----------------------------------------------------------------
def test_torch_hub_loads_a_cached_file_without_checking_it_and_hashes_only_with_check_hash():
    body = function_source(module_file("torch", "hub.py"), "load_state_dict_from_url")
    assert "if not os.path.exists(cached_file):" in body  # download only when the file is missing
    assert "if check_hash:" in body and "HASH_REGEX.search(filename)" in body  # the prefix comes from the name
    assert "download_url_to_file(url, cached_file, hash_prefix" in body
    assert body.count("hash_prefix") >= 2 and "sha256" not in body  # no hash of a file already cached


def test_torch_hub_downloads_to_a_unique_partial_file_then_moves_it():
    body = function_source(module_file("torch", "hub.py"), "download_url_to_file")
    assert 'uuid.uuid4().hex + ".partial"' in body and "shutil.move(f.name, dst)" in body
    assert "lock" not in body.lower()  # no lock between processes


def test_torch_hub_unpickles_in_full_by_default_while_torch_load_does_not(tmp_path):
    import pickle

    import torch

    assert inspect.signature(torch.hub.load_state_dict_from_url).parameters["weights_only"].default is False
    assert "weights_only=weights_only" in function_source(module_file("torch", "hub.py"), "load_state_dict_from_url")

    class Payload:
        def __reduce__(self):
            return (print, ("ran",))

    torch.save({"p": Payload()}, tmp_path / "p.pth")
    with pytest.raises(pickle.UnpicklingError, match="weights_only"):
        torch.load(tmp_path / "p.pth")  # torch.load's own default (None) means weights_only=True


# -- TF Hub ------------------------------------------------------------------------------------------
def test_tensorflow_hub_uses_a_folder_that_exists_and_downloads_into_a_tmp_folder_under_a_lock():
    resolver = module_file("tensorflow_hub", "resolver.py")
    body = function_source(resolver, "atomic_download")
    assert "if check_module_exists():\n    return module_dir" in body  # a cache hit: the folder exists, not empty
    assert "ListDirectory(module_dir)" in body
    assert "tf.compat.v1.gfile.Rename(tmp_dir, module_dir)" in body and "lock_file_timeout_sec=10 * 60" in body
    assert '"{}.{}.tmp".format' in function_source(resolver, "_temp_download_dir")
    assert "socket.gethostname(), os.getpid(), task_uid" in function_source(resolver, "_lock_file_contents")
    assert "Deleting lock file" in function_source(resolver, "_wait_for_lock_to_disappear")  # a stale lock is taken over
    assert "hashlib" not in body and "sha" not in body  # no content hash on download


# -- huggingface_hub ---------------------------------------------------------------------------------
def test_huggingface_hub_checks_the_size_only_and_uses_an_existing_blob():
    path = module_file("huggingface_hub", "file_download.py")
    body = function_source(path, "_hf_hub_download_to_cache_dir")
    for name in ("http_get", "_download_to_tmp_and_move", "_hf_hub_download_to_cache_dir"):
        # no hash computed on the way into the cache (the module does import sha_fileobj, for local_dir downloads)
        text = function_source(path, name)
        assert [h for h in ("hashlib", "sha256(", "sha_fileobj", "sha1(", "md5") if h in text] == [], name
    assert "Consistency check failed: file should be of size" in function_source(path, "http_get")
    assert "if not force_download and os.path.exists(blob_path):" in body and "WeakFileLock(lock_path)" in body


def test_huggingface_hub_downloads_to_a_unique_incomplete_file_then_moves_it():
    body = function_source(module_file("huggingface_hub", "file_download.py"), "_download_to_tmp_and_move")
    assert "uuid.uuid4().hex[:8]}.incomplete" in body and "_chmod_and_move(tmp_path, destination_path)" in body


# -- the Gluon model store ---------------------------------------------------------------------------
def test_the_gluon_model_store_rehashes_every_hit_and_downloads_to_a_unique_file():
    body = function_source(module_file("mxnet", "gluon", "model_zoo", "model_store.py"), "get_model_file")
    assert "sha1_hash = _model_sha1[name]" in body  # the trust anchor is a table in the library
    hit = re.search(r"if os\.path\.exists\(file_path\):\s+if check_sha1\(file_path, sha1_hash\):\s+return file_path", body)
    assert hit and "Downloading again" in body  # every hit is re-hashed (a second check_sha1 follows the download)
    assert "uuid.uuid4()" in body and "replace_file(temp_file_path, file_path)" in body
    assert "lock" not in body.lower()


# -- lesson 08: BatchNorm and optimizers -------------------------------------------------------------
def test_keras_batchnorm_uses_batch_statistics_only_when_training_and_trainable():
    body = function_source(
        module_file("keras", "src", "layers", "normalization", "batch_normalization.py"), "BatchNormalization.call"
    )
    assert "if training and self.trainable:" in body  # trainable=False means inference mode
    assert "moving_mean * self.momentum + mean * (1.0 - self.momentum)" in body  # weight of the old average


def test_batchnorm_defaults_the_lessons_quote():
    import keras
    import torch

    keras_bn = inspect.signature(keras.layers.BatchNormalization).parameters
    torch_bn = inspect.signature(torch.nn.BatchNorm2d).parameters
    assert (keras_bn["momentum"].default, keras_bn["epsilon"].default) == (0.99, 1e-3)
    assert (torch_bn["momentum"].default, torch_bn["eps"].default) == (0.1, 1e-5)
    gluon = function_source(module_file("mxnet", "gluon", "nn", "basic_layers.py"), "BatchNorm.__init__")
    assert gluon.startswith("def __init__(self, axis=1, momentum=0.9, epsilon=1e-5") and "use_global_stats=False" in gluon


def test_torch_linear_draws_kaiming_uniform():
    body = function_source(module_file("torch", "nn", "modules", "linear.py"), "Linear.reset_parameters")
    assert "init.kaiming_uniform_(self.weight, a=math.sqrt(5))" in body


def test_mxnet_has_no_adamw_so_the_gluon_trainer_decays_weights_itself(task):
    """MXNet 1.9 registers no 'adamw' optimizer; ``fit("gluon")`` with weight decay used to ask for one and crash."""
    import numpy as np

    from zoo_patterns.compat import import_mxnet
    from zoo_patterns.transfer import Regularisation, TransferPlan, fit

    mx = import_mxnet()
    assert "adamw" not in mx.optimizer.Optimizer.opt_registry
    plan = TransferPlan.frozen("digits-cnn-torch", 10, head="extend", epochs=2, regularisation=Regularisation(dropout=0.0))
    plain, _ = fit("gluon", plan, task, progress=False)
    decayed, _ = fit("gluon", plan.replace(regularisation=Regularisation(dropout=0.0, weight_decay=0.5)), task, progress=False)
    head = [
        (a.data().asnumpy(), b.data().asnumpy())
        for a, b in zip(plain.head.collect_params().values(), decayed.head.collect_params().values(), strict=True)
    ]
    assert all(np.abs(d).sum() < np.abs(p).sum() for p, d in head)  # decay pulled the trained weights towards 0
    frozen = zip(plain.backbone.collect_params().values(), decayed.backbone.collect_params().values(), strict=True)
    assert all(np.array_equal(a.data().asnumpy(), b.data().asnumpy()) for a, b in frozen)  # frozen weights are not decayed
