"""Adapter over Keras 3 models (channels-last images, like every Keras default)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..cards import TensorSpec
from .base import ZooModel


class KerasModel(ZooModel):
    framework = "keras"
    native_format = "keras"

    def _infer_input_spec(self) -> TensorSpec | None:
        # Keras knows its input: keras.Input(shape=...) is recorded in the model.
        inputs = getattr(self.native, "inputs", None)
        if not inputs:
            return None
        tensor = inputs[0]
        shape = tuple(None if d is None else int(d) for d in tensor.shape)
        dims = {4: ("batch", "height", "width", "channel"), 2: ("batch", "features")}.get(len(shape))
        dims = dims or ("batch",) + tuple(f"d{i}" for i in range(1, len(shape)))
        return TensorSpec(
            getattr(tensor, "name", "input") or "input",
            dims,
            shape,
            str(np.dtype(tensor.dtype)),
            "NHWC" if len(shape) == 4 else "",
        )

    def _predict(self, x: np.ndarray) -> np.ndarray:
        import keras

        return np.asarray(keras.ops.convert_to_numpy(self.native(x, training=False)))

    @property
    def num_params(self) -> int:
        return int(self.native.count_params())

    def _save(self, folder: Path) -> list[Path]:
        path = folder / "model.keras"
        self.native.save(str(path))
        return [path]
