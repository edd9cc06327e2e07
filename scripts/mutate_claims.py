"""Mutation check of the claims tests: break each claim, see its test fail (issue 31).

``tests/test_claims.py``, ``tests/test_claims_04_08.py`` and ``tests/test_claims_10_12.py`` stand
behind what the lessons say about the installed libraries. A test that never fails proves nothing,
so this script breaks every claim once and checks that the test backing it fails:

    python scripts/mutate_claims.py            # every mutation; exit 1 if one survives
    python scripts/mutate_claims.py -k adamw   # only the tests whose id matches (pytest -k)

It runs pytest once, with this file as a plugin. Every claims test is run once as it is (``original``,
which must pass) and once per mutation below (which must fail). A mutation changes the library only
inside the test process, and only for that one test, so nothing installed is ever touched:

- ``edit`` rewrites a line of an installed source file *as the test reads it*: ``Path.read_text``
  and ``linecache`` (which ``inspect.getsource`` reads) return the edited text for that file;
- ``redefine`` then compiles the edited function and puts it in place of the live one (monkeypatch),
  so a test that calls the function sees the new behaviour too;
- ``shadow`` (for a test that runs Python in a subprocess) puts the edited file in a temporary tree
  of symlinks to the installed package, first on ``PYTHONPATH``;
- anything else is a plain ``monkeypatch`` of the behaviour a test calls.

A test of the three files with no mutation here is reported, and fails the run.
"""

from __future__ import annotations
import __future__

import ast
import importlib
import importlib.util
import json
import linecache
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = ("tests/test_claims.py", "tests/test_claims_04_08.py", "tests/test_claims_10_12.py")


# -- the ways to break a claim -------------------------------------------------------------------------


def installed(relfile: str) -> Path:
    """The installed file ``top/sub/file.py``, found without importing ``top``."""
    top, *rest = relfile.split("/")
    spec = importlib.util.find_spec(top)
    assert spec is not None and spec.submodule_search_locations, f"{top} is not installed"
    return Path(spec.submodule_search_locations[0], *rest).resolve()


class Broken:
    """The files a mutation has edited, as the test process will read them."""

    def __init__(self, mp: pytest.MonkeyPatch, tmp: Path):
        self.mp, self.tmp, self.texts = mp, tmp, {}
        read_text, getlines = Path.read_text, linecache.getlines
        texts = self.texts

        def read_text_edited(path, *args, **kwargs):
            edited = texts.get(os.path.realpath(path))
            return edited if edited is not None else read_text(path, *args, **kwargs)

        def getlines_edited(filename, module_globals=None):
            edited = texts.get(os.path.realpath(filename)) if filename else None
            return edited.splitlines(keepends=True) if edited is not None else getlines(filename, module_globals)

        mp.setattr(Path, "read_text", read_text_edited)
        mp.setattr(linecache, "getlines", getlines_edited)

    def edit(self, relfile: str, old: str, new: str, count: int = -1) -> Broken:
        """Replace ``old`` by ``new`` in the installed ``relfile`` as the test reads it (``old`` must be there)."""
        path = installed(relfile)
        text = self.texts.get(str(path)) or path.read_text(encoding="utf-8")
        assert old in text, f"the mutation does not apply: {relfile} has no {old!r}"
        self.texts[str(path)] = text.replace(old, new, count)
        return self

    def redefine(self, module: str, qualname: str, *also) -> Broken:
        """Compile ``qualname`` from the edited text of ``module`` and put it in place of the live one."""
        mod = importlib.import_module(module)
        path = os.path.realpath(mod.__file__)
        text = self.texts[path]
        scope, node, owner = ast.parse(text).body, None, mod
        for part in qualname.split("."):
            if node is not None:
                owner = getattr(owner, node.name)
            node = next(n for n in scope if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == part)
            scope = node.body
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        source = textwrap.dedent("\n".join(text.splitlines()[first - 1 : node.end_lineno]))
        assert "super()" not in source, f"{qualname} uses super() without arguments: patch its behaviour instead"
        flags = __future__.annotations.compiler_flag if "from __future__ import annotations" in text else 0
        namespace = dict(vars(mod))
        exec(compile("\n" * (first - 1) + source, path, "exec", flags=flags, dont_inherit=True), namespace)
        for target in (owner, *also):
            self.mp.setattr(target, node.name, namespace[node.name])
        return self

    def shadow(self) -> Broken:
        """For subprocesses: a tree of symlinks to each edited package, with the edited files, first on PYTHONPATH."""
        root = self.tmp / "shadow"
        assert len(self.texts) == 1, "shadow() takes one edited file"
        for path, text in self.texts.items():
            top = next(p for p in sys.path if p and path.startswith(os.path.realpath(p) + os.sep))
            parts = Path(path).relative_to(os.path.realpath(top)).parts
            real, fake = Path(os.path.realpath(top)), root
            for i, part in enumerate(parts[:-1]):
                real, fake = real / part, fake / part
                fake.mkdir(parents=True)
                for entry in real.iterdir():  # __pycache__ stays out: nothing is written next to the installed files
                    if entry.name not in ("__pycache__", parts[i + 1]):
                        (fake / entry.name).symlink_to(entry)
            (fake / parts[-1]).write_text(text)
        self.mp.setenv("PYTHONPATH", os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
        self.mp.setenv("PYTHONDONTWRITEBYTECODE", "1")
        return self


@dataclass(frozen=True)
class Mutation:
    test: str  # the test function's name (every parameter of it is run)
    name: str  # short id, shown in the test id
    breaks: str  # what the mutation makes false
    apply: Callable[[Broken], object]


def mxnet():
    from zoo_patterns.compat import import_mxnet

    return import_mxnet()


def _raise_deprecation_too(fn, message="another deprecation"):
    def wrapper(*args, **kwargs):
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        return fn(*args, **kwargs)

    return wrapper


def _onnx_dynamic(per_channel=None, warn=False):
    def apply(b: Broken):
        import onnxruntime.quantization as q

        original = q.quantize_dynamic

        def changed(*args, **kwargs):
            if per_channel is not None:
                kwargs["per_channel"] = per_channel
            if warn:
                warnings.warn("quantize_dynamic is deprecated", DeprecationWarning, stacklevel=2)
            return original(*args, **kwargs)

        b.mp.setattr(q, "quantize_dynamic", changed)

    return apply


def _static_format(fmt: str):
    def apply(b: Broken):
        import onnxruntime.quantization as q

        original = q.quantize_static
        b.mp.setattr(q, "quantize_static", lambda *a, **k: original(*a, **(k | {"quant_format": getattr(q.QuantFormat, fmt)})))

    return apply


def _static_reads(n: int):
    def apply(b: Broken):
        import onnxruntime.quantization as q

        original = q.quantize_static

        def changed(model_input, model_output, reader, **kwargs):
            class Capped(q.CalibrationDataReader):  # stops asking after n batches, None never seen
                def __init__(self):
                    self.left = n

                def get_next(self):
                    self.left -= 1
                    return reader.get_next() if self.left >= 0 else None

            return original(model_input, model_output, Capped(), **kwargs)

        b.mp.setattr(q, "quantize_static", changed)

    return apply


def _sort_ascending_keep(b: Broken):
    import numpy as np

    from zoo_patterns.optimize import prune

    def keep_smallest(weight, ratio):
        n = weight.shape[0]
        return np.sort(np.argsort(np.abs(weight).reshape(n, -1).sum(axis=1))[: max(1, int(round(n * (1 - ratio))))])

    b.mp.setattr(prune, "_keep", keep_smallest)


def _keep_by_l2(b: Broken):
    import numpy as np

    from zoo_patterns.optimize import prune

    def keep_l2(weight, ratio):
        n = weight.shape[0]
        return np.sort(np.argsort(-(weight.reshape(n, -1) ** 2).sum(axis=1))[: max(1, int(round(n * (1 - ratio))))])

    b.mp.setattr(prune, "_keep", keep_l2)


def _random_unstructured(b: Broken):
    import torch.nn.utils.prune as tprune

    b.mp.setattr(tprune, "l1_unstructured", lambda module, name, amount: tprune.random_unstructured(module, name, amount))


def _weat_p(old: str, new: str):
    return lambda b: b.edit("zoo_patterns/audit/weat.py", old, new).redefine(
        "zoo_patterns.audit.weat", "weat", importlib.import_module("zoo_patterns.audit")
    )


def _fairlearn_seeds(b: Broken):
    import pandas as pd

    original = pd.DataFrame.sample
    b.mp.setattr(
        pd.DataFrame,
        "sample",
        lambda self, *a, random_state=None, **k: original(
            self, *a, random_state=None if random_state is None else int(random_state) + 1, **k
        ),
    )


def _counterfactual(old: str, new: str):
    return lambda b: b.edit("zoo_patterns/audit/counterfactual.py", old, new).redefine(
        "zoo_patterns.audit.counterfactual", "counterfactual_audit", importlib.import_module("zoo_patterns.audit")
    )


def _widget_handle_msg_ignores_update(b: Broken):
    import ipywidgets as widgets

    original = widgets.Widget._handle_msg
    b.mp.setattr(
        widgets.Widget,
        "_handle_msg",
        lambda self, msg: None if msg["content"]["data"]["method"] == "update" else original(self, msg),
    )


def _trait_default(module: str, cls: str, trait: str, value):
    def apply(b: Broken):
        klass = getattr(importlib.import_module(module), cls)
        b.mp.setattr(klass.class_traits()[trait], "default_value", value)

    return apply


def _onnx_gains_mapping(b: Broken):
    onnx_dir = Path(importlib.util.find_spec("onnx").origin).parent
    real_exists = Path.exists
    b.mp.setattr(Path, "exists", lambda self: True if self == onnx_dir / "mapping.py" else real_exists(self))


def _pkg_resources_back(b: Broken):
    (b.tmp / "site").mkdir()
    (b.tmp / "site" / "pkg_resources.py").write_text("def parse_version(v): ...\n")
    b.mp.syspath_prepend(str(b.tmp / "site"))


def _create_kvstore_drops_dist(b: Broken):
    b.edit("mxnet/model.py", "if num_device == 1 and 'dist' not in kvstore:", "if num_device == 1:")
    mxnet()
    b.redefine("mxnet.model", "_create_kvstore")
    import mxnet.gluon.trainer as trainer

    b.mp.setattr(trainer, "_create_kvstore", importlib.import_module("mxnet.model")._create_kvstore)


def _adamw_ignores_zero_decay(b: Broken):
    import torch

    original = torch.optim.AdamW.__init__
    b.mp.setattr(
        torch.optim.AdamW,
        "__init__",
        lambda self, params, lr=1e-3, weight_decay=1e-2, **k: original(
            self, params, lr=lr, weight_decay=weight_decay or 1e-2, **k
        ),
    )


def _default(module: str, qualname: str, old, new):
    """A function's positional default ``old`` becomes ``new`` (what a release changing a default does)."""

    def apply(b: Broken):
        owner, *path = qualname.split(".")
        fn = getattr(importlib.import_module(module), owner)
        for part in path:
            fn = getattr(fn, part)
        assert old in fn.__defaults__, f"the mutation does not apply: {qualname} has no default {old!r}"
        b.mp.setattr(fn, "__defaults__", tuple(new if d == old else d for d in fn.__defaults__))

    return apply


def _helper_keeps_docstring(b: Broken):
    test_module = sys.modules["test_claims_04_08"]
    b.mp.setattr(
        test_module,
        "function_source",
        lambda path, qualname: ast.get_source_segment(
            path.read_text(),
            next(n for n in ast.walk(ast.parse(path.read_text())) if getattr(n, "name", None) == qualname.split(".")[-1]),
        ),
    )


def _not_installed(top: str):
    def apply(b: Broken):
        find_spec = importlib.util.find_spec
        b.mp.setattr(importlib.util, "find_spec", lambda name, *a: None if name == top else find_spec(name, *a))

    return apply


def _register_adamw(b: Broken):
    mx = mxnet()
    b.mp.setitem(mx.optimizer.Optimizer.opt_registry, "adamw", mx.optimizer.Adam)


HUB = "torch/hub.py"
TFH_INIT, TFH_RESOLVER, TFH_COMPRESSED = (
    "tensorflow_hub/__init__.py",
    "tensorflow_hub/resolver.py",
    "tensorflow_hub/compressed_module_resolver.py",
)
HF_DOWNLOAD = "huggingface_hub/file_download.py"
STORE = "mxnet/gluon/model_zoo/model_store.py"
E = Mutation  # a short name for the table below

MUTATIONS = [
    # -- tests/test_claims.py --------------------------------------------------------------------------
    E(
        "test_torch_hub_load_state_dict_from_url_checks_no_hash_and_unpickles_fully_by_default",
        "check_hash-on",
        "check_hash defaults to True",
        lambda b: b.edit(HUB, "check_hash: bool = False", "check_hash: bool = True").redefine(
            "torch.hub", "load_state_dict_from_url"
        ),
    ),
    E(
        "test_torch_hub_load_state_dict_from_url_checks_no_hash_and_unpickles_fully_by_default",
        "weights_only-on",
        "weights_only defaults to True",
        lambda b: b.edit(HUB, "weights_only: bool = False,\n) -> dict", "weights_only: bool = True,\n) -> dict").redefine(
            "torch.hub", "load_state_dict_from_url"
        ),
    ),
    E(
        "test_load_state_dict_from_url_runs_a_pickled_call_unless_weights_only",
        "hub-weights_only-on",
        "load_state_dict_from_url unpickles only tensors by default",
        lambda b: b.edit(HUB, "weights_only: bool = False,\n) -> dict", "weights_only: bool = True,\n) -> dict").redefine(
            "torch.hub", "load_state_dict_from_url"
        ),
    ),
    E(
        "test_load_state_dict_from_url_runs_a_pickled_call_unless_weights_only",
        "torch.load-unsafe",
        "torch.load's default unpickles in full (TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1)",
        lambda b: b.mp.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1"),
    ),
    E(
        "test_load_state_dict_from_url_runs_a_pickled_call_unless_weights_only",
        "hub-ignores-weights_only",
        "weights_only=True is not passed on to torch.load",
        lambda b: b.edit(HUB, "weights_only=weights_only", "weights_only=False").redefine(
            "torch.hub", "load_state_dict_from_url"
        ),
    ),
    E(
        "test_torch_hub_takes_its_expected_hash_from_the_file_name",
        "regex",
        "HASH_REGEX takes any run of 8+ hex digits",
        lambda b: b.edit(
            HUB, r'HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")', r'HASH_REGEX = re.compile(r"([a-f0-9]{8,})")'
        ).mp.setattr("torch.hub.HASH_REGEX", re.compile(r"([a-f0-9]{8,})")),
    ),
    E(
        "test_torch_hub_takes_its_expected_hash_from_the_file_name",
        "hash-from-url",
        "the hash prefix is taken from the URL, not the file name",
        lambda b: b.edit(HUB, "HASH_REGEX.search(filename)", "HASH_REGEX.search(url)"),
    ),
    E(
        "test_torch_hub_list_and_help_are_github_only_and_load_imports_hubconf",
        "list-source",
        "torch.hub.list gains source=",
        lambda b: b.edit(HUB, "def list(\n    github,", 'def list(\n    github,\n    source="github",').redefine(
            "torch.hub", "list"
        ),
    ),
    E(
        "test_torch_hub_list_and_help_are_github_only_and_load_imports_hubconf",
        "load-source-default",
        "torch.hub.load defaults to source='local'",
        lambda b: b.edit(HUB, 'source="github",\n    trust_repo="check"', 'source="local",\n    trust_repo="check"').redefine(
            "torch.hub", "load"
        ),
    ),
    E(
        "test_torch_hub_list_and_help_are_github_only_and_load_imports_hubconf",
        "no-trust-check",
        "a GitHub repo is no longer checked for trust",
        lambda b: b.edit(HUB, "    _check_repo_is_trusted(\n", "    (\n"),
    ),
    E(
        "test_tensorflow_hub_needs_pkg_resources_which_setuptools_no_longer_ships",
        "packaging",
        "tensorflow_hub imports packaging instead",
        lambda b: b.edit(
            TFH_INIT, "from pkg_resources import parse_version", "from packaging.version import parse as parse_version"
        ),
    ),
    E(
        "test_tensorflow_hub_needs_pkg_resources_which_setuptools_no_longer_ships",
        "pkg_resources-back",
        "pkg_resources is importable again",
        _pkg_resources_back,
    ),
    E(
        "test_tensorflow_hub_requires_tf_keras_under_keras_3_and_its_layer_is_keras_2",
        "no-tf_keras",
        "_ensure_keras_2_importable accepts Keras 3",
        lambda b: b.edit(TFH_INIT, "import tf_keras as keras", "import keras"),
    ),
    E(
        "test_tensorflow_hub_requires_tf_keras_under_keras_3_and_its_layer_is_keras_2",
        "layer-keras3",
        "keras_layer.py builds on Keras 3",
        lambda b: b.edit("tensorflow_hub/keras_layer.py", "import tf_keras as keras", "import keras"),
    ),
    E(
        "test_tensorflow_hub_fetches_a_compressed_handle_into_a_sha1_folder_without_hashing_it",
        "sha256-folder",
        "the cache folder is sha256(handle)",
        lambda b: b.edit(TFH_COMPRESSED, "hashlib.sha1(handle", "hashlib.sha256(handle"),
    ),
    E(
        "test_tensorflow_hub_fetches_a_compressed_handle_into_a_sha1_folder_without_hashing_it",
        "hash-download",
        "resolver.py hashes what it downloads",
        lambda b: b.edit(
            TFH_RESOLVER,
            "      tf.compat.v1.gfile.Rename(tmp_dir, module_dir)",
            "      hashlib.sha256(b''); tf.compat.v1.gfile.Rename(tmp_dir, module_dir)",
        ),
    ),
    E(
        "test_tensorflow_hub_fetches_a_compressed_handle_into_a_sha1_folder_without_hashing_it",
        "hit-is-exists",
        "a cache hit is any existing folder, empty or not",
        lambda b: b.edit(TFH_RESOLVER, "gfile.\n      ListDirectory(module_dir))", "gfile.\n      IsDirectory(module_dir))"),
    ),
    E(
        "test_mxnet_model_store_rehashes_a_cache_hit_and_downloads_again_on_a_mismatch",
        "trust-hit",
        "get_model_file returns a cache hit without re-hashing it",
        lambda b: (
            mxnet(),
            b.edit(STORE, "        if check_sha1(file_path, sha1_hash):", "        if True:", 1).redefine(
                "mxnet.gluon.model_zoo.model_store", "get_model_file"
            ),
        ),
    ),
    E(
        "test_mxnet_onnx_export_imports_onnx_mapping_which_the_installed_onnx_lacks",
        "no-mapping-import",
        "MXNet's exporter no longer imports onnx.mapping",
        lambda b: b.edit("mxnet/onnx/mx2onnx/_export_onnx.py", "from onnx import mapping", "from onnx import helper"),
    ),
    E(
        "test_mxnet_onnx_export_imports_onnx_mapping_which_the_installed_onnx_lacks",
        "onnx-has-mapping",
        "the installed onnx has onnx/mapping.py",
        _onnx_gains_mapping,
    ),
    E(
        "test_gluon_trainer_makes_a_dist_sync_kvstore_that_updates_on_the_servers",
        "dist-dropped",
        "_create_kvstore makes no kvstore for 'dist_sync' on one device",
        _create_kvstore_drops_dist,
    ),
    E(
        "test_gluon_trainer_makes_a_dist_sync_kvstore_that_updates_on_the_servers",
        "local-on-servers",
        "the Trainer no longer creates its kvstore from the string it was given",
        lambda b: b.edit("mxnet/gluon/trainer.py", "_create_kvstore(config['kvstore']", "_create_kvstore('local'"),
    ),
    E(
        "test_keras_onnx_export_uses_tf2onnx_and_refuses_a_model_never_called",
        "no-tf2onnx",
        "Keras exports ONNX from TF without tf2onnx",
        lambda b: b.edit("keras/src/export/onnx.py", "tf2onnx", "onnxconverter"),
    ),
    E(
        "test_keras_onnx_export_uses_tf2onnx_and_refuses_a_model_never_called",
        "uncalled-ok",
        "an uncalled model is exported",
        lambda b: b.edit("keras/src/export/onnx.py", "not model._called", "False"),
    ),
    E(
        "test_keras_data_parallel_is_complete_on_jax_and_a_prototype_on_tensorflow",
        "tf-complete",
        "the TF backend's distribution_lib is no longer a prototype",
        lambda b: b.edit("keras/src/backend/tensorflow/distribution_lib.py", "!!!DO NOT USE!!!", "Distribution on TensorFlow."),
    ),
    E(
        "test_keras_data_parallel_is_complete_on_jax_and_a_prototype_on_tensorflow",
        "no-mwms",
        "tf.distribute.MultiWorkerMirroredStrategy is gone",
        lambda b: b.edit(
            "tensorflow/python/distribute/collective_all_reduce_strategy.py",
            '"distribute.MultiWorkerMirroredStrategy"',
            '"distribute.CollectiveStrategy"',
        ),
    ),
    E(
        "test_huggingface_hub_checks_only_the_size_of_a_download",
        "sha256-in-http_get",
        "http_get hashes what it downloads (with the sha helper file_download.py already imports)",
        lambda b: b.edit(
            HF_DOWNLOAD,
            "    if expected_size is not None and expected_size != new_resume_size:",
            "    sha_fileobj(temp_file)\n    if expected_size is not None and expected_size != new_resume_size:",
        ),
    ),
    E(
        "test_huggingface_hub_checks_only_the_size_of_a_download",
        "no-size-check",
        "http_get no longer checks the size",
        lambda b: b.edit(HF_DOWNLOAD, "Consistency check failed: file should be of size", "Download finished: file is of size"),
    ),
    E(
        "test_huggingface_hub_checks_only_the_size_of_a_download",
        "no-verify",
        "HfApi.verify_repo_checksums is gone",
        lambda b: b.mp.delattr("huggingface_hub.HfApi.verify_repo_checksums"),
    ),
    E(
        "test_huggingface_hub_reads_its_settings_when_imported",
        "endpoint-lazy",
        "HF_ENDPOINT is read in a function, not at import",
        lambda b: b.edit(
            "huggingface_hub/constants.py",
            'ENDPOINT = os.getenv("HF_ENDPOINT"',
            'def _endpoint(): return os.getenv("HF_ENDPOINT"',
        ),
    ),
    E(
        "test_huggingface_hub_reads_its_settings_when_imported",
        "offline-lazy",
        "HF_HUB_OFFLINE is read in a function, not at import",
        lambda b: b.edit("huggingface_hub/constants.py", "HF_HUB_OFFLINE = _is_true(", "def hf_hub_offline(): return _is_true("),
    ),
    E(
        "test_transformers_refuses_remote_code_unless_trusted",
        "trusts",
        "remote code runs without trust_remote_code=True",
        lambda b: b.edit(
            "transformers/dynamic_module_utils.py",
            "if has_remote_code and not has_local_code and not trust_remote_code:",
            "if False:",
        ).redefine("transformers.dynamic_module_utils", "resolve_trust_remote_code"),
    ),
    E(
        "test_adamw_without_weight_decay_takes_adams_steps",
        "default-decay",
        "AdamW decays with its default 1e-2 even when told 0.0",
        _adamw_ignores_zero_decay,
    ),
    E(
        "test_batchnorm_in_train_mode_updates_running_statistics_without_gradients",
        "stats-need-grad",
        "running statistics update only when grad is enabled",
        lambda b: b.edit(
            "torch/nn/modules/batchnorm.py",
            "if not self.training or self.track_running_stats",
            "if not self.training or (self.track_running_stats and torch.is_grad_enabled())",
        ).redefine("torch.nn.modules.batchnorm", "_BatchNorm.forward"),
    ),
    E(
        "test_batchnorm_in_train_mode_updates_running_statistics_without_gradients",
        "eval-updates",
        "eval() keeps updating the running statistics",
        lambda b: b.edit(
            "torch/nn/modules/batchnorm.py",
            "            bn_training = (self.running_mean is None) and (self.running_var is None)",
            "            bn_training = True",
            1,
        ).redefine("torch.nn.modules.batchnorm", "_BatchNorm.forward"),
    ),
    E(
        "test_distributed_sampler_shuffles_with_seed_plus_epoch_and_deals_every_nth",
        "seed-only",
        "the shuffle ignores the epoch",
        lambda b: b.edit(
            "torch/utils/data/distributed.py", "g.manual_seed(self.seed + self.epoch)", "g.manual_seed(self.seed)"
        ).redefine("torch.utils.data.distributed", "DistributedSampler.__iter__"),
    ),
    E(
        "test_distributed_sampler_shuffles_with_seed_plus_epoch_and_deals_every_nth",
        "chunks",
        "each rank gets a contiguous chunk, not every nth",
        lambda b: b.edit(
            "torch/utils/data/distributed.py",
            "indices = indices[self.rank : self.total_size : self.num_replicas]",
            "indices = indices[self.rank * self.num_samples : (self.rank + 1) * self.num_samples]",
        ).redefine("torch.utils.data.distributed", "DistributedSampler.__iter__"),
    ),
    E(
        "test_ddp_syncs_buffers_from_rank_0_by_default_and_sync_batchnorm_refuses_cpu",
        "rank-1",
        "buffers are synced from the last rank (a subprocess: shadowed torch)",
        lambda b: b.edit(
            "torch/nn/parallel/distributed.py", "authoritative_rank = 0\n", "authoritative_rank = self._distributed_rank\n"
        ).shadow(),
    ),
    E(
        "test_ddp_syncs_buffers_from_rank_0_by_default_and_sync_batchnorm_refuses_cpu",
        "sync-bn-cpu",
        "SyncBatchNorm runs on CPU (a subprocess: shadowed torch)",
        lambda b: b.edit(
            "torch/nn/modules/batchnorm.py", "if input.device.type not in [", "if False and input.device.type not in ["
        ).shadow(),
    ),
    # -- tests/test_claims_04_08.py --------------------------------------------------------------------
    E(
        "test_function_source_finds_a_method_and_fails_on_a_missing_one",
        "finds-nothing",
        'the helper keeps a function\'s docstring (so `"x" not in body` would read the docs)',
        _helper_keeps_docstring,
    ),
    E(
        "test_torch_hub_loads_a_cached_file_without_checking_it_and_hashes_only_with_check_hash",
        "hash-hits",
        "a cached file is hashed on every load",
        lambda b: b.edit(
            HUB,
            "    if not os.path.exists(cached_file):",
            "    _ = hashlib.sha256(open(cached_file, 'rb').read()) if os.path.exists(cached_file) else None\n    if not os.path.exists(cached_file):",
        ),
    ),
    E(
        "test_torch_hub_loads_a_cached_file_without_checking_it_and_hashes_only_with_check_hash",
        "always-hash",
        "the hash is checked whatever check_hash says",
        lambda b: b.edit(HUB, "        if check_hash:", "        if True:"),
    ),
    E(
        "test_torch_hub_downloads_to_a_unique_partial_file_then_moves_it",
        "locks",
        "download_url_to_file takes a file lock",
        lambda b: b.edit(
            HUB,
            '        tmp_dst = dst + "." + uuid.uuid4().hex + ".partial"',
            '        lock = FileLock(dst + ".lock")\n        tmp_dst = dst + "." + uuid.uuid4().hex + ".partial"',
        ),
    ),
    E(
        "test_torch_hub_downloads_to_a_unique_partial_file_then_moves_it",
        "fixed-name",
        "the partial file has a fixed name",
        lambda b: b.edit(HUB, 'uuid.uuid4().hex + ".partial"', '".partial"'),
    ),
    E(
        "test_torch_hub_unpickles_in_full_by_default_while_torch_load_does_not",
        "torch.load-unsafe",
        "torch.load's default unpickles in full",
        lambda b: b.mp.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1"),
    ),
    E(
        "test_torch_hub_unpickles_in_full_by_default_while_torch_load_does_not",
        "hub-safe",
        "load_state_dict_from_url defaults to weights_only=True",
        lambda b: b.edit(HUB, "weights_only: bool = False,\n) -> dict", "weights_only: bool = True,\n) -> dict").redefine(
            "torch.hub", "load_state_dict_from_url"
        ),
    ),
    E(
        "test_tensorflow_hub_uses_a_folder_that_exists_and_downloads_into_a_tmp_folder_under_a_lock",
        "not-installed",
        "tensorflow_hub is not installed (the test must fail, not skip)",
        _not_installed("tensorflow_hub"),
    ),
    E(
        "test_tensorflow_hub_uses_a_folder_that_exists_and_downloads_into_a_tmp_folder_under_a_lock",
        "no-lock-timeout",
        "the lock never times out",
        lambda b: b.edit(TFH_RESOLVER, "lock_file_timeout_sec=10 * 60", "lock_file_timeout_sec=None"),
    ),
    E(
        "test_tensorflow_hub_uses_a_folder_that_exists_and_downloads_into_a_tmp_folder_under_a_lock",
        "sha-check",
        "atomic_download checks a sha256",
        lambda b: b.edit(
            TFH_RESOLVER,
            "      tf.compat.v1.gfile.Rename(tmp_dir, module_dir)",
            "      check_sha256(tmp_dir); tf.compat.v1.gfile.Rename(tmp_dir, module_dir)",
        ),
    ),
    E(
        "test_tensorflow_hub_uses_a_folder_that_exists_and_downloads_into_a_tmp_folder_under_a_lock",
        "stale-lock-kept",
        "a stale lock is never taken over",
        lambda b: b.edit(TFH_RESOLVER, "Deleting lock file", "Waiting for lock file"),
    ),
    E(
        "test_huggingface_hub_checks_the_size_only_and_uses_an_existing_blob",
        "hash-blob",
        "a cache hit is re-hashed (with the sha helper file_download.py already imports)",
        lambda b: b.edit(
            HF_DOWNLOAD,
            "if not force_download and os.path.exists(blob_path):",
            "if not force_download and os.path.exists(blob_path) and sha_fileobj(open(blob_path, 'rb')).hex() == etag:",
        ),
    ),
    E(
        "test_huggingface_hub_checks_the_size_only_and_uses_an_existing_blob",
        "no-lock",
        "no lock around the download",
        lambda b: b.edit(HF_DOWNLOAD, "WeakFileLock(lock_path)", "contextlib.nullcontext()"),
    ),
    E(
        "test_huggingface_hub_downloads_to_a_unique_incomplete_file_then_moves_it",
        "fixed-incomplete",
        "the .incomplete file has a fixed name",
        lambda b: b.edit(HF_DOWNLOAD, "uuid.uuid4().hex[:8]}.incomplete", "incomplete}"),
    ),
    E(
        "test_the_gluon_model_store_rehashes_every_hit_and_downloads_to_a_unique_file",
        "trust-hit",
        "a cache hit is returned without re-hashing",
        lambda b: b.edit(STORE, "        if check_sha1(file_path, sha1_hash):", "        if True:", 1),
    ),
    E(
        "test_the_gluon_model_store_rehashes_every_hit_and_downloads_to_a_unique_file",
        "locks",
        "the store takes a lock",
        lambda b: b.edit(
            STORE, "    random_uuid = str(uuid.uuid4())", "    lock = FileLock(root)\n    random_uuid = str(uuid.uuid4())"
        ),
    ),
    E(
        "test_keras_batchnorm_uses_batch_statistics_only_when_training_and_trainable",
        "frozen-trains",
        "trainable=False still uses batch statistics",
        lambda b: b.edit(
            "keras/src/layers/normalization/batch_normalization.py", "if training and self.trainable:", "if training:"
        ),
    ),
    E(
        "test_keras_batchnorm_uses_batch_statistics_only_when_training_and_trainable",
        "momentum-flipped",
        "momentum weighs the new batch",
        lambda b: b.edit(
            "keras/src/layers/normalization/batch_normalization.py",
            "moving_mean * self.momentum + mean * (1.0 - self.momentum)",
            "moving_mean * (1.0 - self.momentum) + mean * self.momentum",
        ),
    ),
    E(
        "test_batchnorm_defaults_the_lessons_quote",
        "keras-momentum",
        "Keras BatchNormalization momentum defaults to 0.9",
        _default("keras.layers", "BatchNormalization.__init__", 0.99, 0.9),
    ),
    E(
        "test_batchnorm_defaults_the_lessons_quote",
        "torch-eps",
        "torch BatchNorm2d eps defaults to 1e-3",
        _default("torch.nn", "BatchNorm2d.__init__", 1e-5, 1e-3),
    ),
    E(
        "test_batchnorm_defaults_the_lessons_quote",
        "gluon-momentum",
        "Gluon BatchNorm momentum defaults to 0.99",
        lambda b: b.edit(
            "mxnet/gluon/nn/basic_layers.py",
            "def __init__(self, axis=1, momentum=0.9, epsilon=1e-5",
            "def __init__(self, axis=1, momentum=0.99, epsilon=1e-5",
        ),
    ),
    E(
        "test_torch_linear_draws_kaiming_uniform",
        "normal",
        "Linear draws from a normal",
        lambda b: b.edit(
            "torch/nn/modules/linear.py",
            "init.kaiming_uniform_(self.weight, a=math.sqrt(5))",
            "init.kaiming_normal_(self.weight)",
        ),
    ),
    E(
        "test_mxnet_has_no_adamw_so_the_gluon_trainer_decays_weights_itself",
        "adamw-exists",
        "MXNet registers an 'adamw' optimizer",
        _register_adamw,
    ),
    E(
        "test_mxnet_has_no_adamw_so_the_gluon_trainer_decays_weights_itself",
        "no-decay",
        "fit('gluon') no longer decays the weights",
        lambda b: b.edit("zoo_patterns/transfer/gluon.py", "if reg.weight_decay:", "if False:").redefine(
            "zoo_patterns.transfer.gluon", "fit"
        ),
    ),
    E(
        "test_mxnet_has_no_adamw_so_the_gluon_trainer_decays_weights_itself",
        "decays-frozen",
        "fit('gluon') decays the frozen backbone too",
        lambda b: b.edit(
            "zoo_patterns/transfer/gluon.py",
            'for p in params[g].values():\n                            if p.grad_req != "null":',
            "for p in net.collect_params().values():\n                            if True:",
        ).redefine("zoo_patterns.transfer.gluon", "fit"),
    ),
    # -- tests/test_claims_10_12.py --------------------------------------------------------------------
    E(
        "test_lesson10_channel_pruning_by_hand_equals_prune_digits_cnn",
        "keep-smallest",
        "the package keeps the smallest L1 norms",
        _sort_ascending_keep,
    ),
    E(
        "test_lesson10_channel_pruning_by_hand_equals_prune_digits_cnn",
        "keep-l2",
        "the package ranks filters by L2 norm",
        _keep_by_l2,
    ),
    E(
        "test_lesson10_torch_prune_zeroes_the_smallest_weights_and_keeps_shapes",
        "random",
        "torch's l1_unstructured zeroes random weights",
        _random_unstructured,
    ),
    E(
        "test_lesson10_quantize_dynamic_is_deprecated_and_names_torchao",
        "not-deprecated",
        "quantize_dynamic no longer warns",
        lambda b: b.edit(
            "torch/ao/quantization/quantize.py",
            "@typing_extensions.deprecated(DEPRECATION_WARNING)\ndef quantize_dynamic(",
            "def quantize_dynamic(",
        ).redefine("torch.ao.quantization.quantize", "quantize_dynamic", importlib.import_module("torch.ao.quantization")),
    ),
    E(
        "test_lesson10_the_package_silences_the_deprecation_and_still_quantises",
        "another-deprecation",
        "quantize_dynamic warns a second, different deprecation",
        lambda b: b.mp.setattr(
            "torch.ao.quantization.quantize_dynamic",
            _raise_deprecation_too(importlib.import_module("torch.ao.quantization").quantize_dynamic),
        ),
    ),
    E(
        "test_lesson10_the_package_silences_the_deprecation_and_still_quantises",
        "float",
        "quantize_dynamic leaves the Linear in float",
        lambda b: b.mp.setattr("torch.ao.quantization.quantize_dynamic", lambda module, *a, **k: module),
    ),
    E(
        "test_lesson10_onnxruntime_dynamic_int8_does_not_warn_and_keeps_one_scale_per_column",
        "per-tensor",
        "quantize_dynamic ignores per_channel",
        _onnx_dynamic(per_channel=False),
    ),
    E(
        "test_lesson10_onnxruntime_dynamic_int8_does_not_warn_and_keeps_one_scale_per_column",
        "warns",
        "onnxruntime's quantize_dynamic warns",
        _onnx_dynamic(warn=True),
    ),
    E(
        "test_lesson10_calibration_reader_and_qdq_and_fusion",
        "qoperator",
        "quantize_static writes QOperator, not QDQ",
        _static_format("QOperator"),
    ),
    E(
        "test_lesson10_calibration_reader_and_qdq_and_fusion",
        "two-batches",
        "quantize_static stops reading after two batches",
        _static_reads(2),
    ),
    E(
        "test_lesson11_exact_p_value_counts_the_observed_split",
        "strict",
        "the exact p-value counts only splits strictly more extreme",
        _weat_p("int(np.sum(2 * sums - total >= statistic - 1e-12))", "int(np.sum(2 * sums - total > statistic + 1e-12))"),
    ),
    E(
        "test_lesson11_sampled_p_value_is_one_plus_count_over_one_plus_samples",
        "plain-ratio",
        "the sampled p-value is count / samples",
        _weat_p("(1 + as_extreme) / (1 + tried)", "as_extreme / tried"),
    ),
    E(
        "test_lesson11_pandas_sample_with_replacement_is_randomstate_choice",
        "other-draws",
        "DataFrame.sample draws from another stream",
        _fairlearn_seeds,
    ),
    E(
        "test_lesson11_pandas_sample_with_replacement_is_randomstate_choice",
        "fairlearn-half",
        "fairlearn resamples half the rows",
        lambda b: b.edit("fairlearn/metrics/_bootstrap.py", "frac=1, replace=True", "frac=0.5, replace=True"),
    ),
    E(
        "test_lesson11_flip_rate_and_bootstrap_by_hand_equal_counterfactual_audit",
        "unsorted",
        "the package's rows are not in message order",
        _counterfactual('pick = pick[in_turn].sort_values("message", kind="stable")', "pick = pick[in_turn]"),
    ),
    E(
        "test_lesson11_flip_rate_and_bootstrap_by_hand_equal_counterfactual_audit",
        "seed+1",
        "the package's bootstrap uses another seed",
        _counterfactual("random_state=seed,", "random_state=seed + 1,"),
    ),
    E(
        "test_lesson12_value_and_click_run_the_handlers_a_browser_message_runs",
        "click-silent",
        "Button.click() runs no handler",
        lambda b: b.mp.setattr("ipywidgets.Button.click", lambda self: None),
    ),
    E(
        "test_lesson12_value_and_click_run_the_handlers_a_browser_message_runs",
        "update-ignored",
        "a browser 'update' message sets nothing",
        _widget_handle_msg_ignores_update,
    ),
    E(
        "test_lesson12_a_widget_is_a_kernel_model_with_a_browser_view",
        "no-comm",
        "a widget opens no comm",
        lambda b: b.mp.setattr("ipywidgets.Widget.open", lambda self: None),
    ),
    E(
        "test_lesson12_a_widget_is_a_kernel_model_with_a_browser_view",
        "value-not-synced",
        "value is not part of the synced state",
        lambda b: b.mp.setattr("ipywidgets.Widget.get_state", lambda self, key=None, drop_defaults=False: {}),
    ),
    E(
        "test_lesson12_voila_shows_outputs_without_code_by_default",
        "shows-code",
        "Voila shows the code by default",
        _trait_default("voila.configuration", "VoilaConfiguration", "strip_sources", False),
    ),
    E(
        "test_lesson12_voila_shows_outputs_without_code_by_default",
        "port",
        "Voila's default port changes",
        _trait_default("voila.app", "Voila", "port", 8888),
    ),
]


# -- the pytest plugin ---------------------------------------------------------------------------------

_BY_TEST: dict[str, list[Mutation]] = {}
for _m in MUTATIONS:
    _BY_TEST.setdefault(_m.test, []).append(_m)
RESULTS: list[dict] = []


def pytest_generate_tests(metafunc):
    if Path(metafunc.definition.fspath).relative_to(ROOT).as_posix() not in FILES:
        return
    mutations = _BY_TEST.get(metafunc.function.__name__, [])
    metafunc.parametrize("_mutation", [None, *mutations], ids=["original", *(m.name for m in mutations)], indirect=True)


@pytest.fixture(autouse=True)
def _mutation(request, tmp_path_factory):
    """Applies the test's mutation (its parameter) before any other function fixture, and undoes it after."""
    mutation = getattr(request, "param", None)
    with pytest.MonkeyPatch.context() as mp:
        if mutation is not None:
            mutation.apply(Broken(mp, tmp_path_factory.mktemp("mutation")))
        yield mutation
    linecache.clearcache()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    callspec = getattr(item, "callspec", None)
    if callspec is None or "_mutation" not in callspec.params:
        return
    mutation = callspec.params["_mutation"]
    if report.when == "setup" and report.failed or report.when == "call":
        message = (
            report.longrepr.reprcrash.message
            if report.failed and hasattr(report.longrepr, "reprcrash")
            else str(report.longrepr or "")
        )
        RESULTS.append({
            "test": item.nodeid.split("[")[0], "id": item.nodeid, "mutation": mutation.name if mutation else "original",
            "breaks": mutation.breaks if mutation else "", "when": report.when, "failed": report.failed, "skipped": report.skipped,
            "message": " ".join(message.split())[:220],
        })  # fmt: skip


def pytest_sessionfinish(session):
    out = os.environ.get("MUTATE_CLAIMS_OUT")
    if out:
        Path(out).write_text(json.dumps(RESULTS, indent=1))


# -- the command -----------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.json"
        env = os.environ | {
            "MUTATE_CLAIMS_OUT": str(out),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "scripts"), str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "mutate_claims",
            "-p",
            "no:cacheprovider",
            "-q",
            "--no-header",
            "-rN",
            "--tb=no",
            "--disable-warnings",
            *FILES,
            *argv,
        ]
        subprocess.run(command, cwd=ROOT, env=env, check=False)
        results = json.loads(out.read_text()) if out.exists() else []
    bad = []
    for r in results:
        ok = (not r["failed"] and not r["skipped"]) if r["mutation"] == "original" else (r["failed"] and r["when"] == "call")
        mark = "ok " if ok else "BAD"
        if not ok:
            bad.append(r)
        if r["mutation"] != "original":
            print(f"{mark} {r['id']}\n      broke: {r['breaks']}\n      {'failed: ' + r['message'] if r['failed'] else 'PASSED'}")
        elif not ok:
            print(f"{mark} {r['id']} (unmutated) {'skipped' if r['skipped'] else 'failed'}: {r['message']}")
    seen = {r["test"] for r in results}
    uncovered = sorted(
        {r["test"] for r in results if r["mutation"] == "original"} - {r["test"] for r in results if r["mutation"] != "original"}
    )
    for test in uncovered:
        print(f"BAD {test}: no mutation breaks its claim")
    print(f"\n{len([r for r in results if r['mutation'] != 'original'])} mutations over {len(seen)} tests; "
          f"{len(bad)} bad (a mutated test that passed, or an unmutated one that did not); {len(uncovered)} tests without a mutation")  # fmt: skip
    return 1 if bad or uncovered or not results else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
