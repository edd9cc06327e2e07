"""Adapter over PyTorch: ``nn.Module`` and TorchScript, on the CPU or a GPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AdapterError
from .base import ZooModel


def _first_tensor(out: Any):
    if isinstance(out, (tuple, list)):
        return _first_tensor(out[0])
    if isinstance(out, dict):
        return _first_tensor(next(iter(out.values())))
    return out


class TorchModules:
    """What every torch-backed adapter shares: moving between devices and counting parameters."""

    native: object

    def to(self, device: str):
        import torch

        if str(device).startswith("cuda") and not torch.cuda.is_available():
            raise AdapterError(
                f"cannot move to {device!r}: torch sees no GPU here. Expected 'cpu', or run on a machine with CUDA."
            )
        self.native.to(device)
        return self

    @property
    def num_params(self) -> int:
        return int(sum(p.numel() for p in self.native.parameters()))


class TorchModel(TorchModules, ZooModel):
    framework = "torch"

    def __init__(self, native, **kwargs):
        import torch

        self.scripted = isinstance(native, torch.jit.ScriptModule)
        self.native_format = "torchscript" if self.scripted else "safetensors"
        try:
            native.eval()  # inference: dropout off, BatchNorm uses its running statistics
        except NotImplementedError:
            pass  # a torch.export program is captured in eval mode already and refuses eval()
        super().__init__(native, **kwargs)

    def _predict(self, x: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            out = _first_tensor(self.native(torch.from_numpy(x).to(self.device)))
        return out.detach().float().cpu().numpy()

    @property
    def device(self) -> str:
        for tensor in (*self.native.parameters(), *self.native.buffers()):
            return str(tensor.device)
        return "cpu"

    def _save(self, folder: Path) -> list[Path]:
        import torch

        if self.scripted:
            path = folder / "model.jit"
            torch.jit.save(self.native, str(path))
            return [path]
        from ..models import torch_digits

        if isinstance(self.native, torch_digits.DigitsCNN):
            return torch_digits.save(self.native.cpu(), folder)
        # Any other module: torch.export records the graph and the weights, so loading needs no Python class.
        self.native_format = "torch-export"
        example = torch.from_numpy(self.example_input(2))
        batch = torch.export.Dim("batch", min=1, max=1 << 16)
        try:
            program = torch.export.export(self.native.cpu(), (example,), dynamic_shapes=({0: batch},))
        except Exception as exc:
            raise AdapterError(
                f"torch.export could not capture {type(self.native).__name__} ({type(exc).__name__}: {str(exc)[:200]}). "
                "Script it first (torch.jit.script) and adapt the scripted module, or save its state_dict with safetensors."
            ) from exc
        path = folder / "model.pt2"
        torch.export.save(program, str(path))
        return [path]
