"""Adapter over ONNX Runtime inference sessions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..cards import TensorSpec
from ..errors import AdapterError
from .base import ZooModel

_ORT_TYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(float16)": "float16",
    "tensor(uint8)": "uint8",
    "tensor(bool)": "bool",
}


def _model_proto(session):
    """The session's model as an ONNX proto, weights included even if they sat in a side file (``.onnx.data``)."""
    import onnx

    path = getattr(session, "_model_path", None)
    if path:
        return onnx.load(path)  # also reads external data next to it
    data = getattr(session, "_model_bytes", None)
    if data:
        return onnx.load_from_string(bytes(data))
    raise AdapterError("this InferenceSession does not say where its model came from; create it from a file path or bytes.")


def onnx_num_params(graph) -> int:
    """Weights in an ONNX graph: initializers and Constant nodes, subgraphs (If/Loop bodies) included."""
    total = sum(math.prod(t.dims) for t in graph.initializer)
    for node in graph.node:
        for attr in node.attribute:
            if node.op_type == "Constant" and attr.HasField("t"):
                total += math.prod(attr.t.dims)
            if attr.HasField("g"):
                total += onnx_num_params(attr.g)
            for sub in attr.graphs:
                total += onnx_num_params(sub)
    return total


class OnnxModel(ZooModel):
    framework = "onnx"
    native_format = "onnx"

    def _infer_input_spec(self) -> TensorSpec | None:
        # ONNX records names, dtypes and shapes (symbolic axes as strings), but not a channel layout.
        first = self.native.get_inputs()[0]
        shape = tuple(d if isinstance(d, int) else None for d in first.shape)
        dims = tuple(d if isinstance(d, str) else f"d{i}" for i, d in enumerate(first.shape))
        return TensorSpec(first.name, dims, shape, _ORT_TYPES.get(first.type, "float32"))

    def _predict(self, x: np.ndarray) -> np.ndarray:
        return self.native.run(None, {self.native.get_inputs()[0].name: x})[0]

    @property
    def device(self) -> str:
        return "cuda" if "CUDAExecutionProvider" in self.native.get_providers() else "cpu"

    def to(self, device: str) -> OnnxModel:
        if str(device).startswith("cuda"):
            import onnxruntime as ort

            if "CUDAExecutionProvider" not in ort.get_available_providers():
                raise AdapterError(f"cannot move to {device!r}: this onnxruntime has no CUDA provider. Install onnxruntime-gpu.")
            self.native.set_providers(["CUDAExecutionProvider", "CPUExecutionProvider"])
        else:
            self.native.set_providers(["CPUExecutionProvider"])
        return self

    @property
    def num_params(self) -> int:
        return onnx_num_params(_model_proto(self.native).graph)

    def _save(self, folder: Path) -> list[Path]:
        import onnx

        # One self-contained file: a model whose weights sit in a side file breaks when copied alone.
        path = folder / "model.onnx"
        onnx.save(_model_proto(self.native), str(path), save_as_external_data=False)
        return [path]
