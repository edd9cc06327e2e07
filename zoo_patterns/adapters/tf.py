"""Adapter over a TensorFlow SavedModel, as ``tensorflow_hub.load`` or ``tf.saved_model.load`` returns it.

A SavedModel is a graph plus variables, called through a *signature* (a
``tf.function`` with a fixed input signature). Keras 3's ``model.export``
names it ``serve``; older exports use ``signatures["serving_default"]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..cards import TensorSpec
from ..errors import AdapterError
from .base import ZooModel


class SavedModelModel(ZooModel):
    framework = "tensorflow"
    native_format = "savedmodel"

    def _endpoint(self):
        serve = getattr(self.native, "serve", None)
        if serve is not None:
            return serve
        signatures = getattr(self.native, "signatures", {})
        if "serving_default" in signatures:
            return signatures["serving_default"]
        raise AdapterError("this SavedModel has neither a `serve` function nor a `serving_default` signature to call.")

    def _infer_input_spec(self) -> TensorSpec | None:
        fn = self._endpoint()
        specs = getattr(fn, "input_signature", None) or [s for s in fn.structured_input_signature[1].values()]
        spec = specs[0]
        shape = tuple(None if d is None else int(d) for d in spec.shape)
        dims = (
            ("batch", "height", "width", "channel")
            if len(shape) == 4
            else ("batch",) + tuple(f"d{i}" for i in range(1, len(shape)))
        )
        return TensorSpec(spec.name or "input", dims, shape, spec.dtype.name, "NHWC" if len(shape) == 4 else "")

    def _predict(self, x: np.ndarray) -> np.ndarray:
        out = self._endpoint()(x)
        if isinstance(out, dict):
            out = next(iter(out.values()))
        return np.asarray(out)

    @property
    def num_params(self) -> int:
        return int(sum(int(np.prod(v.shape)) for v in self.native.variables))

    def _save(self, folder: Path) -> list[Path]:
        import tensorflow as tf

        tf.saved_model.save(self.native, str(folder))
        return [p for p in folder.rglob("*") if p.is_file() and p.name != "README.md"]
