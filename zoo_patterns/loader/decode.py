"""Layer 5, decode: bytes on disk -> the framework's own object, chosen by format.

A format registry maps a card's ``format`` to a decoder. Every decoder uses
a format that cannot run code when loaded:

===============  ======================================================
safetensors      torch tensors (plus ``config.json`` for a known architecture)
keras            a Keras 3 ``.keras`` zip, loaded with ``safe_mode=True``
savedmodel       a TensorFlow SavedModel folder (``tf.saved_model.load``)
gluon-params     MXNet's own NDArray format (``.params``), not a pickle
onnx             an ONNX graph, run by ONNX Runtime
torchscript      a TorchScript archive (``torch.jit.load``)
torch-export     a ``torch.export`` program (``.pt2``): graph and weights, no class needed
torch-hub        a PyTorch Hub repository: ``torch.hub.load(dir, entry, source="local")``
gluon-model-zoo  ``gluon.model_zoo.vision.get_model`` + ``load_parameters``
gluon-symbol     an exported HybridBlock (graph JSON + ``.params``)
hf-directory     config + safetensors, ``AutoModel.from_pretrained``
torch-pickle     ``.pt``/``.pth``/``.bin``: ``torch.load(weights_only=True)`` only
pickle           refused, always
===============  ======================================================

A pickle runs arbitrary code while it loads, so a file from a zoo you do not
control is a remote-code-execution hole. transformers refuses pickles by
default; torch made ``weights_only=True`` the default in 2.6. Here no
decoder ever unpickles an arbitrary object.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import UnknownFormatError, UnsafeFormatError

Decoder = Callable[[Path], Any]
DECODERS: dict[str, Decoder] = {}
PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib", ".npy_pickle"}
TORCH_PICKLE_SUFFIXES = {".pt", ".pth", ".bin", ".ckpt"}


def register_decoder(fmt: str, *, replace: bool = False) -> Callable[[Decoder], Decoder]:
    """``@register_decoder("my-format")`` adds a decoder; a duplicate is an error unless ``replace``."""

    def add(fn: Decoder) -> Decoder:
        if fmt in DECODERS and not replace:
            raise ValueError(f"a decoder for {fmt!r} is already registered; pass replace=True to swap it.")
        DECODERS[fmt] = fn
        return fn

    return add


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        raise FileNotFoundError(f"expected exactly one {pattern} in {folder}, found {[p.name for p in found]}.")
    return found[0]


@register_decoder("safetensors")
def _safetensors(folder: Path) -> Any:
    """The zoo's digits CNN when its ``config.json`` is there; otherwise the bare state dict."""
    from safetensors.torch import load_file

    weights = _one(folder, "*.safetensors")
    config = folder / "config.json"
    if config.exists() and {"num_classes", "width", "hidden"} <= set(json.loads(config.read_text())):
        from ..models import torch_digits

        return torch_digits.load(folder)
    return load_file(weights)


@register_decoder("keras")
def _keras(folder: Path) -> Any:
    import keras

    # safe_mode refuses the Python lambdas a .keras file could carry.
    return keras.saving.load_model(_one(folder, "*.keras"), compile=False, safe_mode=True)


@register_decoder("savedmodel")
def _savedmodel(folder: Path) -> Any:
    """Through TF Hub's own API, ``hub.load``, when tensorflow_hub is installed."""
    root = folder if (folder / "saved_model.pb").exists() else _one(folder, "*/saved_model.pb").parent
    try:
        from ..compat import import_tensorflow_hub

        return import_tensorflow_hub().load(str(root))
    except ImportError:
        import tensorflow as tf

        return tf.saved_model.load(str(root))


@register_decoder("torch-export")
def _torch_export(folder: Path) -> Any:
    import torch

    return torch.export.load(str(_one(folder, "*.pt2"))).module()


@register_decoder("torch-hub")
def _torch_hub(folder: Path) -> Any:
    """PyTorch Hub's own API on a local repository: ``torch.hub.load(dir, entrypoint, source="local")``.

    A hub repository is *code* (``hubconf.py``), so loading one runs it. The
    loader only gets here after the file's sha256 matched the zoo's index;
    torch.hub itself asks you to trust a GitHub repository before running it.
    """
    import torch

    config = json.loads((folder / "hub.json").read_text())
    return torch.hub.load(str(folder), config["entrypoint"], source="local", **config.get("kwargs", {})).eval()


@register_decoder("gluon-model-zoo")
def _gluon_model_zoo(folder: Path) -> Any:
    """The Gluon model zoo's own API: ``vision.get_model(name, ...)`` builds the net, ``load_parameters`` fills it.

    ``get_model(name, pretrained=True)`` would instead look the file up in
    MXNet's model store, whose sha1 table knows only Apache's own weights.
    """
    from ..compat import import_mxnet

    mx = import_mxnet()
    from mxnet.gluon.model_zoo import vision

    config = json.loads((folder / "config.json").read_text())
    net = vision.get_model(config["model"], **config.get("kwargs", {}))
    net.load_parameters(str(_one(folder, "*.params")), ctx=mx.cpu())
    return net


@register_decoder("gluon-symbol")
def _gluon_symbol(folder: Path) -> Any:
    """A HybridBlock exported as graph JSON plus weights: no Python class needed."""
    from ..compat import import_mxnet

    mx = import_mxnet()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mx.gluon.SymbolBlock.imports(str(_one(folder, "*-symbol.json")), ["data"], str(_one(folder, "*.params")))


@register_decoder("gluon-params")
def _gluon(folder: Path) -> Any:
    from ..models import gluon_digits

    return gluon_digits.load(folder)


@register_decoder("onnx")
def _onnx(folder: Path) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    # Spinning ORT threads would slow a torch run that follows in the same process.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(_one(folder, "*.onnx")), options, providers=["CPUExecutionProvider"])


class LiteRTModel:
    """A LiteRT interpreter (``ai_edge_litert``) with a numpy ``__call__`` that takes any batch size."""

    def __init__(self, path: str | Path, threads: int = 1):
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(path)
        self.interpreter = Interpreter(model_path=str(path), num_threads=threads)
        self._batch = None

    def __call__(self, x):
        import numpy as np

        it = self.interpreter
        inp, out = it.get_input_details()[0], it.get_output_details()[0]
        if self._batch != len(x):
            it.resize_tensor_input(inp["index"], [len(x), *x.shape[1:]])
            it.allocate_tensors()
            self._batch = len(x)
        it.set_tensor(inp["index"], x.astype(np.float32))
        it.invoke()
        return it.get_tensor(out["index"]).copy()


@register_decoder("litert")
def _litert(folder: Path) -> Any:
    # A LiteRT (TFLite) flatbuffer holds only tensors and ops: nothing in it runs Python on load.
    return LiteRTModel(_one(folder, "*.tflite"))


@register_decoder("torchscript")
def _torchscript(folder: Path) -> Any:
    import torch

    return torch.jit.load(str(_one(folder, "*.jit")), map_location="cpu").eval()


@register_decoder("hf-directory")
def _hf_directory(folder: Path) -> Any:
    from transformers import AutoModel

    if not any(folder.glob("*.safetensors")) and any(folder.glob("*.bin")):
        raise UnsafeFormatError(
            f"{folder} has pytorch_model.bin (a pickle) and no safetensors. Expected model.safetensors; "
            "convert the weights with safetensors.torch.save_file from a trusted machine."
        )
    return AutoModel.from_pretrained(str(folder), use_safetensors=True).eval()


@register_decoder("torch-pickle")
def _torch_pickle(folder: Path) -> Any:
    """A torch checkpoint, only if it holds nothing but tensors and plain containers."""
    import pickle

    import torch

    files = [p for p in sorted(folder.iterdir()) if p.suffix in TORCH_PICKLE_SUFFIXES]
    if len(files) != 1:
        raise FileNotFoundError(f"expected one .pt/.pth/.bin/.ckpt file in {folder}, found {[p.name for p in files]}.")
    try:
        return torch.load(files[0], map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnsafeFormatError(
            f"{files[0].name} holds Python objects other than tensors, so loading it could run code; refused "
            f"(torch.load with weights_only=True said: {first}). Expected a state dict of tensors: "
            "save one with torch.save(model.state_dict(), ...) or, better, safetensors."
        ) from None


@register_decoder("pickle")
def _pickle(folder: Path) -> Any:
    raise UnsafeFormatError(
        f"{folder} holds a pickle. Unpickling runs whatever code the file contains, so zoo-patterns never loads one. "
        "Expected safetensors, .keras, ONNX, a SavedModel, Gluon .params or an HF directory: re-save the model "
        "in one of those on a machine you trust."
    )


def detect_format(folder: str | Path) -> str:
    """Guess a folder's format from its files (used when there is no card)."""
    folder = Path(folder)
    names = {p.name for p in folder.iterdir()}
    suffixes = {p.suffix for p in folder.iterdir()}
    if "saved_model.pb" in names:
        return "savedmodel"
    if "hubconf.py" in names and "hub.json" in names:
        return "torch-hub"
    if any(name.endswith("-symbol.json") for name in names):
        return "gluon-symbol"
    if "config.json" in names and any(s in suffixes for s in (".safetensors", ".bin")) and "tokenizer.json" in names:
        return "hf-directory"
    for fmt, suffix in (
        ("safetensors", ".safetensors"),
        ("keras", ".keras"),
        ("onnx", ".onnx"),
        ("gluon-params", ".params"),
        ("torchscript", ".jit"),
        ("torch-export", ".pt2"),
        ("litert", ".tflite"),
    ):
        if suffix in suffixes:
            return fmt
    if suffixes & PICKLE_SUFFIXES:
        return "pickle"
    if suffixes & TORCH_PICKLE_SUFFIXES:
        return "torch-pickle"
    raise UnknownFormatError(f"cannot tell the format of {folder} from its files {sorted(names)}; pass format= explicitly.")


def decode(folder: str | Path, fmt: str | None = None) -> Any:
    """The framework's own object for a model folder, by ``fmt`` (or a guess from the files)."""
    folder = Path(folder)
    fmt = fmt or detect_format(folder)
    if fmt not in DECODERS:
        raise UnknownFormatError(
            f"no decoder for format {fmt!r}; known formats: {', '.join(sorted(DECODERS))}. "
            "Register one with zoo_patterns.loader.register_decoder."
        )
    return DECODERS[fmt](folder)
