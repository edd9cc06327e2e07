"""The zoo's small digits CNN in PyTorch: architecture, seeded training, safe save and load.

The same architecture exists in ``keras_digits`` and ``gluon_digits``:

    conv3x3(16)-BN-ReLU -> conv3x3(32)-BN-ReLU -> maxpool2 -> flatten -> dense(64)-ReLU -> dropout -> dense(classes)

Everything up to the 64-unit layer is the *backbone*; the last dense layer is
the *head* that transfer learning replaces. Weights are saved as safetensors,
never as a pickle.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..datasets import Split

CONFIG = "config.json"
WEIGHTS = "model.safetensors"


class DigitsCNN(nn.Module):
    def __init__(self, num_classes: int = 5, width: int = 16, hidden: int = 64, dropout: float = 0.2):
        super().__init__()
        self.config = {"num_classes": num_classes, "width": width, "hidden": hidden, "dropout": dropout}
        self.backbone = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(2 * width * 4 * 4, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
        )
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)


def train(
    net: nn.Module,
    split: Split,
    *,
    epochs: int = 30,
    lr: float = 3e-3,
    batch_size: int = 64,
    weight_decay: float = 0.0,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, list[float]]:
    """Adam on cross-entropy; returns per-epoch train loss and test accuracy."""
    from tqdm.auto import trange

    gen = torch.Generator().manual_seed(seed)
    x, y = torch.from_numpy(split.x_train), torch.from_numpy(split.y_train)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    history: dict[str, list[float]] = {"loss": [], "test_accuracy": []}
    for _ in trange(epochs, desc="train", disable=not progress, leave=False):
        net.train()
        order = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), batch_size):
            idx = order[i : i + batch_size]
            opt.zero_grad()
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        history["loss"].append(total / len(x))
        history["test_accuracy"].append(accuracy(net, split.x_test, split.y_test))
    return history


@torch.no_grad()
def predict(net: nn.Module, x: np.ndarray) -> np.ndarray:
    net.eval()
    return net(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))).numpy()


def accuracy(net: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    return float((predict(net, x).argmax(1) == y).mean())


def num_params(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def save(net: DigitsCNN, folder: Path) -> list[Path]:
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in net.state_dict().items()}
    save_file(state, folder / WEIGHTS)
    (folder / CONFIG).write_text(json.dumps(net.config, indent=2, sort_keys=True) + "\n")
    return [folder / CONFIG, folder / WEIGHTS]


def load(folder: str | Path) -> DigitsCNN:
    from safetensors.torch import load_file

    folder = Path(folder)
    net = DigitsCNN(**json.loads((folder / CONFIG).read_text()))
    net.load_state_dict(load_file(folder / WEIGHTS))
    return net.eval()


def export_onnx(net: nn.Module, path: Path) -> Path:
    """ONNX with a dynamic batch axis, through torch's default (dynamo) exporter."""
    import logging

    # The exporter warns once per torchvision op it cannot register; torchvision is not installed on purpose.
    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)
    net.eval()
    example = torch.zeros(2, 1, 8, 8)
    batch = torch.export.Dim("batch", min=1, max=4096)
    program = torch.onnx.export(
        net, (example,), dynamic_shapes=({0: batch},), input_names=["image"], output_names=["logits"], dynamo=True, verbose=False
    )
    program.save(str(path))
    return path
