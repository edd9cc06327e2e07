"""The one place that keeps frameworks working together: MXNet 1.9.1, tensorflow_hub 0.16, triton.

MXNet was retired by Apache in 2023; its last release reads numpy names that
numpy 1.24 and 2.0 removed, and importing it pins torch to one thread. Rather
than scatter work-arounds through the lessons, every import of MXNet goes
through :func:`import_mxnet`, which

1. puts the removed numpy names back (only those that are missing),
2. imports mxnet,
3. gives torch its thread count back.

It works on the numpy 1.26 line that ``make`` installs and on numpy 2.x
(Colab's default, where mxnet is installed with ``--no-deps``).

The same goes for two other quirks: :func:`import_tensorflow_hub` (it needs
``pkg_resources``) and :func:`import_triton_before_tensorflow` (CUDA builds of
torch bring triton, which crashes the process when it is imported after
TensorFlow).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
from types import ModuleType

# Builtin aliases numpy 1.24 removed (np.bool, np.int, ...): mxnet reads them.
_BUILTIN_ALIASES = {
    "bool": bool,
    "int": int,
    "float": float,
    "complex": complex,
    "object": object,
    "str": str,
}


def _numpy2_names(np: ModuleType) -> dict[str, object]:
    """Names numpy 2.0 removed that mxnet 1.9.1 still reads (found by importing and running it on 2.2)."""
    return {
        "PZERO": 0.0,
        "NZERO": -0.0,
        "PINF": float("inf"),
        "NINF": float("-inf"),
        "NAN": float("nan"),
        "NaN": float("nan"),
        "Inf": float("inf"),
        "Infinity": float("inf"),
        "infty": float("inf"),
        "alltrue": np.all,
        "sometrue": np.any,
        "in1d": np.isin,
        "trapz": getattr(np, "trapezoid", None),
        "msort": lambda a, axis=0: np.sort(a, axis=axis),
        "round_": np.round,
        "product": np.prod,
        "cumproduct": np.cumprod,
        "row_stack": np.vstack,
        "float_": np.float64,
        "complex_": np.complex128,
        "string_": np.bytes_,
        "unicode_": np.str_,
        # mxnet.numpy.fallback re-exports numpy's financial functions, removed in numpy 1.20
        # (numpy 1.2x still had stubs that raise when called; numpy 2 has nothing).
        **{name: _removed_financial(name) for name in ("fv", "ipmt", "irr", "mirr", "nper", "npv", "pmt", "ppmt", "pv", "rate")},
    }


def _removed_financial(name: str):
    def stub(*args, **kwargs):
        raise AttributeError(f"numpy.{name} was removed in numpy 1.20; use the numpy_financial package instead.")

    stub.__name__ = name
    return stub


def patch_numpy_for_mxnet(np: ModuleType | None = None) -> list[str]:
    """Add the numpy names mxnet needs, where they are missing. Returns the names added.

    Never overwrites a name numpy still has, so the patch is a no-op on old numpy.
    """
    if np is None:
        import numpy as np
    wanted: dict[str, object] = dict(_BUILTIN_ALIASES)
    wanted.update(_numpy2_names(np))
    added = []
    for name, value in wanted.items():
        if value is None:
            continue
        # Look in the module dict: getattr on a removed alias makes numpy 1.2x warn.
        if name not in vars(np):
            setattr(np, name, value)
            added.append(name)
    return added


def import_mxnet() -> ModuleType:
    """Import mxnet safely: patch numpy first, restore torch's threads after."""
    if "mxnet" in sys.modules:
        return sys.modules["mxnet"]
    patch_numpy_for_mxnet()
    torch_threads = _torch_threads()
    try:
        import mxnet
    except ImportError as exc:
        raise ImportError(
            "mxnet is not installed. It is part of the workbook environment: run `make lab` "
            "or `pip install 'zoo-patterns[frameworks]'`; on Colab run the notebook's first cell, "
            "which installs mxnet with --no-deps."
        ) from exc
    restore_torch_threads(torch_threads)
    return mxnet


def _torch_threads() -> int | None:
    torch = sys.modules.get("torch")
    return torch.get_num_threads() if torch is not None else None


def restore_torch_threads(previous: int | None = None) -> None:
    """Importing mxnet sets torch to one thread, whatever the import order: undo that.

    mxnet sets the shared OpenMP runtime to one thread, so a torch imported
    *later* starts with one thread too. When torch is installed but not yet
    imported, it is imported here so that its count can be put back. The count
    goes back to what torch had before (or what torch starts with: ``$OMP_NUM_THREADS``
    when set, else all cores), so torch code after mxnet is not silently several times slower.
    """
    if "torch" not in sys.modules and importlib.util.find_spec("torch") is None:
        return
    import torch

    torch.set_num_threads(previous or default_threads())


def default_threads() -> int:
    """The thread count torch starts with: ``$OMP_NUM_THREADS`` when it is a number, else every core."""
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    return max(1, int(value)) if value.isdigit() else (os.cpu_count() or 1)


# -- tensorflow_hub --------------------------------------------------------------------
def import_tensorflow_hub() -> ModuleType:
    """Import tensorflow_hub 0.16 on today's setuptools.

    tensorflow_hub's ``__init__`` reads ``pkg_resources.parse_version`` for one
    version check, and setuptools 81 removed ``pkg_resources``. When it is
    missing, a stand-in module offering only ``parse_version`` (from
    ``packaging``, which pip and TensorFlow already depend on) is registered.
    The library also imports ``tf_keras`` (Keras 2) at import time, so that
    package must be installed even though the workbook's models are Keras 3.
    """
    if "tensorflow_hub" in sys.modules:
        return sys.modules["tensorflow_hub"]
    if importlib.util.find_spec("pkg_resources") is None and "pkg_resources" not in sys.modules:
        from packaging.version import parse

        shim = ModuleType("pkg_resources")
        shim.__doc__ = "zoo_patterns stand-in: only parse_version, for tensorflow_hub's version check"
        shim.parse_version = parse
        sys.modules["pkg_resources"] = shim
    import tensorflow_hub

    return tensorflow_hub


# -- triton and TensorFlow -------------------------------------------------------------
# torch's CUDA build (Colab, any GPU machine) installs triton, and transformers and
# torch.compile import it. Imported *after* TensorFlow, triton kills the process with a
# segmentation fault (the kernel dies when a lesson loads MiniLM after Keras); imported
# before, both work. So when TensorFlow is about to be imported, triton goes first.
class _TritonBeforeTensorFlow(importlib.abc.MetaPathFinder):
    """A one-shot import hook: on the first ``import tensorflow``, import triton (if installed) first."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        _remove_hook()
        if "triton" not in sys.modules and importlib.util.find_spec("triton") is not None:
            import triton  # noqa: F401  (the import itself is the fix)
        return None  # let the normal finders import tensorflow


def _remove_hook() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _TritonBeforeTensorFlow)]


def import_triton_before_tensorflow() -> None:
    """Make sure triton, when installed, is imported before TensorFlow, whatever is imported first.

    Called by ``import zoo_patterns``; it imports nothing itself. If TensorFlow is
    already imported (the notebook imported it before ``zoo_patterns``) and triton
    is installed but not yet imported, it is too late to fix: a warning says how
    to recover instead of letting the kernel die later without a word.
    """
    if "tensorflow" not in sys.modules:
        if not any(isinstance(f, _TritonBeforeTensorFlow) for f in sys.meta_path):
            sys.meta_path.insert(0, _TritonBeforeTensorFlow())
        return
    if "triton" not in sys.modules and importlib.util.find_spec("triton") is not None:
        import warnings

        warnings.warn(
            "TensorFlow was imported before zoo_patterns, and triton (from torch's CUDA build) is installed: "
            "importing triton now, which transformers does when it loads a model, would crash this process "
            "(segmentation fault, 'kernel died'). Restart the kernel and import zoo_patterns before TensorFlow or Keras.",
            RuntimeWarning,
            stacklevel=3,
        )


# -- mxnet's ONNX exporter and today's onnx -------------------------------------------------------
def patch_onnx_mapping() -> list[str]:
    """Put back ``onnx.mapping``, which onnx 1.15 removed and ``mx.onnx.export_model`` still imports.

    Without it mxnet 1.9.1 hides the ImportError behind "Onnx and protobuf need to be
    installed", although both are. mxnet reads two tables from the module; both are
    rebuilt from ``onnx.helper``. Returns the names added (none when onnx still has it).
    """
    import onnx

    if "onnx.mapping" in sys.modules or hasattr(onnx, "mapping"):
        return []
    import numpy as np
    from onnx import TensorProto, helper

    to_numpy = {}
    for code in TensorProto.DataType.values():
        try:
            to_numpy[code] = np.dtype(helper.tensor_dtype_to_np_dtype(code))
        except (KeyError, TypeError, ValueError):
            continue  # UNDEFINED and types numpy has no dtype for (bfloat16, float8s, ...)
    shim = ModuleType("onnx.mapping")
    shim.__doc__ = "zoo_patterns stand-in for the onnx.mapping module that onnx 1.15 removed (mxnet 1.9.1 reads it)"
    shim.TENSOR_TYPE_TO_NP_TYPE = to_numpy
    shim.NP_TYPE_TO_TENSOR_TYPE = {dtype: code for code, dtype in reversed(list(to_numpy.items()))}
    sys.modules["onnx.mapping"] = shim
    onnx.mapping = shim
    return ["TENSOR_TYPE_TO_NP_TYPE", "NP_TYPE_TO_TENSOR_TYPE"]
