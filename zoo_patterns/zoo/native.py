"""Open a published model folder as the framework's own object, by the card's ``format``.

This is the zoo's own minimal decode step: lesson 04's layered loader does the
same job with resolving, caching and verification in front of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _torch_safetensors(folder: Path) -> Any:
    from . import torch_digits

    return torch_digits.load(folder)


def _keras(folder: Path) -> Any:
    from . import keras_digits

    return keras_digits.load(folder)


def _gluon(folder: Path) -> Any:
    from . import gluon_digits

    return gluon_digits.load(folder)


def _onnx(folder: Path) -> Any:
    import onnxruntime as ort

    (path,) = sorted(folder.glob("*.onnx"))
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _torchscript(folder: Path) -> Any:
    import torch

    (path,) = sorted(folder.glob("*.jit"))
    return torch.jit.load(str(path), map_location="cpu").eval()


def _hf_directory(folder: Path) -> Any:
    from transformers import AutoModel

    return AutoModel.from_pretrained(str(folder)).eval()


OPENERS = {
    "safetensors": _torch_safetensors,
    "keras": _keras,
    "gluon-params": _gluon,
    "onnx": _onnx,
    "torchscript": _torchscript,
    "hf-directory": _hf_directory,
}


def open_model(folder: str | Path, fmt: str) -> Any:
    try:
        opener = OPENERS[fmt]
    except KeyError:
        raise ValueError(f"No opener for format {fmt!r}; known formats: {sorted(OPENERS)}.") from None
    return opener(Path(folder))
