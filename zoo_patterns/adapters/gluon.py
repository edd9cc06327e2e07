"""Adapter over MXNet Gluon blocks (NCHW, like PyTorch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..compat import import_mxnet
from ..errors import AdapterError
from .base import ZooModel


class GluonModel(ZooModel):
    framework = "gluon"
    native_format = "gluon-symbol"

    def _predict(self, x: np.ndarray) -> np.ndarray:
        mx = import_mxnet()
        out = self.native(mx.nd.array(x, dtype=x.dtype))
        out = out[0] if isinstance(out, (list, tuple)) else out
        return out.asnumpy()

    @property
    def num_params(self) -> int:
        return int(sum(p.data().size for p in self.native.collect_params().values()))

    def _save(self, folder: Path) -> list[Path]:
        from ..models import gluon_digits

        if hasattr(self.native, "config") and type(self.native).__name__ == "DigitsCNN":
            self.native_format = "gluon-params"
            return gluon_digits.save(self.native, folder)
        mx = import_mxnet()
        if not isinstance(self.native, mx.gluon.HybridBlock):
            raise AdapterError(
                f"{type(self.native).__name__} is a plain Gluon Block, which cannot be exported without its Python class. "
                "Expected a HybridBlock: subclass HybridBlock and write hybrid_forward."
            )
        # export() writes the graph as JSON and the weights in MXNet's own format: no Python class needed to load.
        self.native.hybridize()
        self.native(mx.nd.array(self.example_input(1)))
        self.native.export(str(folder / "model"), epoch=0)
        return [folder / "model-symbol.json", folder / "model-0000.params"]
