"""The zoo's digits CNN in MXNet Gluon (same architecture and NCHW layout as ``torch_digits``).

Gluon freezes a parameter with ``grad_req = "null"`` where torch uses
``requires_grad = False`` and Keras ``trainable = False`` (lesson 08).
Parameters are saved with ``save_parameters``: MXNet's own binary format,
not a pickle.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..compat import import_mxnet
from ..datasets import Split

CONFIG = "config.json"
WEIGHTS = "model.params"


def build_net(num_classes: int = 5, width: int = 16, hidden: int = 64, dropout: float = 0.2):
    mx = import_mxnet()
    nn = mx.gluon.nn

    class DigitsCNN(mx.gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.config = {"num_classes": num_classes, "width": width, "hidden": hidden, "dropout": dropout}
            with self.name_scope():
                self.backbone = nn.HybridSequential(prefix="backbone_")
                with self.backbone.name_scope():
                    self.backbone.add(
                        nn.Conv2D(width, 3, padding=1, in_channels=1),
                        nn.BatchNorm(momentum=0.9, epsilon=1e-5, in_channels=width),
                        nn.Activation("relu"),
                        nn.Conv2D(2 * width, 3, padding=1, in_channels=width),
                        nn.BatchNorm(momentum=0.9, epsilon=1e-5, in_channels=2 * width),
                        nn.Activation("relu"),
                        nn.MaxPool2D(2),
                        nn.Flatten(),
                        nn.Dense(hidden, activation="relu", in_units=2 * width * 16),
                        nn.Dropout(dropout),
                    )
                self.head = nn.Dense(num_classes, in_units=hidden, prefix="head_")

        def hybrid_forward(self, F, x):
            return self.head(self.backbone(x))

    net = DigitsCNN()
    net.initialize(mx.init.Xavier())
    return net


def seed_everything(seed: int) -> None:
    mx = import_mxnet()
    mx.random.seed(seed)
    np.random.seed(seed)


def train(net, split: Split, *, epochs: int = 30, lr: float = 3e-3, batch_size: int = 64, seed: int = 0, progress: bool = False):
    mx = import_mxnet()
    from mxnet import autograd, gluon

    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": lr})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    rng = np.random.default_rng(seed)
    history: dict[str, list[float]] = {"loss": [], "test_accuracy": []}
    for _ in range(epochs):
        order = rng.permutation(len(split.x_train))
        total = 0.0
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            x, y = mx.nd.array(split.x_train[idx]), mx.nd.array(split.y_train[idx])
            with autograd.record():
                loss = loss_fn(net(x), y)
            loss.backward()
            trainer.step(len(idx))
            total += float(loss.sum().asscalar())
        history["loss"].append(total / len(order))
        history["test_accuracy"].append(accuracy(net, split.x_test, split.y_test))
    return history


def predict(net, x: np.ndarray) -> np.ndarray:
    mx = import_mxnet()
    return net(mx.nd.array(np.ascontiguousarray(x, dtype=np.float32))).asnumpy()


def accuracy(net, x: np.ndarray, y: np.ndarray) -> float:
    return float((predict(net, x).argmax(1) == y).mean())


def num_params(net) -> int:
    return int(sum(p.data().size for p in net.collect_params().values()))


def save(net, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    net.save_parameters(str(folder / WEIGHTS))
    (folder / CONFIG).write_text(json.dumps(net.config, indent=2, sort_keys=True) + "\n")
    return [folder / CONFIG, folder / WEIGHTS]


def load(folder: str | Path):
    folder = Path(folder)
    net = build_net(**json.loads((folder / CONFIG).read_text()))
    net.load_parameters(str(folder / WEIGHTS))
    return net
