"""The zoo's digits CNN in Keras 3 (same architecture as ``torch_digits``), channels-last.

Two Keras habits differ from torch and matter later (lesson 08): images are
NHWC, and BatchNormalization's ``momentum`` is the weight of the *old* running
average (0.9 here = torch's momentum 0.1) with epsilon 1e-3 by default; we set
1e-5 to match torch.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from ..datasets import Split

WEIGHTS = "model.keras"


def build_net(num_classes: int = 5, width: int = 16, hidden: int = 64, dropout: float = 0.2):
    import keras
    from keras import layers

    inputs = keras.Input(shape=(8, 8, 1), name="image")
    x = inputs
    for i, filters in enumerate((width, 2 * width)):
        x = layers.Conv2D(filters, 3, padding="same", name=f"conv{i + 1}")(x)
        x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=f"bn{i + 1}")(x)
        x = layers.ReLU(name=f"relu{i + 1}")(x)
    x = layers.MaxPooling2D(2, name="pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(hidden, activation="relu", name="fc")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(num_classes, name="head")(x)
    return keras.Model(inputs, outputs, name="digits_cnn")


def seed_everything(seed: int) -> None:
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def train(net, split: Split, *, epochs: int = 30, lr: float = 3e-3, batch_size: int = 64, seed: int = 0, progress: bool = False):
    """Adam on cross-entropy; ``split`` is NCHW and is moved to NHWC here."""
    import keras

    data = split.nhwc()
    net.compile(optimizer=keras.optimizers.Adam(lr), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history: dict[str, list[float]] = {"loss": [], "test_accuracy": []}
    rng = np.random.default_rng(seed)
    for _ in range(epochs):  # one fit() per epoch so the shuffle is ours and seeded
        order = rng.permutation(len(data.x_train))
        h = net.fit(data.x_train[order], data.y_train[order], batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        history["loss"].append(float(h.history["loss"][-1]))
        history["test_accuracy"].append(accuracy(net, split.x_test, split.y_test))
    return history


def predict(net, x_nchw: np.ndarray) -> np.ndarray:
    return np.asarray(net(np.ascontiguousarray(x_nchw.transpose(0, 2, 3, 1)), training=False))


def accuracy(net, x_nchw: np.ndarray, y: np.ndarray) -> float:
    return float((predict(net, x_nchw).argmax(1) == y).mean())


def num_params(net) -> int:
    return int(net.count_params())


def save(net, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / WEIGHTS
    # Publish weights only: a fresh, uncompiled copy carries no optimizer state or auto-numbered names.
    clean = build_net(**_config_of(net))
    clean.set_weights(net.get_weights())
    clean.save(path)
    _make_reproducible(path)
    return [path]


def _config_of(net) -> dict:
    convs = [layer for layer in net.layers if layer.name.startswith("conv")]
    return {
        "num_classes": net.get_layer("head").units,
        "width": convs[0].filters,
        "hidden": net.get_layer("fc").units,
        "dropout": net.get_layer("dropout").rate,
    }


def _make_reproducible(path: Path) -> None:
    """A .keras file is a zip holding a save date, entry timestamps and Python ``id()``s: fix all three.

    Without this, two identical models give two different sha256s, and a zoo
    could not publish a reproducible index.
    """
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name, data in sorted(entries):
            if name == "metadata.json":
                meta = json.loads(data)
                meta["date_saved"] = "1980-01-01@00:00:00"
                data = json.dumps(meta, sort_keys=True).encode()
            elif name == "config.json":
                data = json.dumps(_renumber_shared_ids(json.loads(data), {})).encode()
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)
    path.write_bytes(buffer.getvalue())


def _renumber_shared_ids(node, seen: dict):
    """Keras writes ``shared_object_id = id(obj)``, a memory address; number them 1, 2, ... in order instead."""
    if isinstance(node, dict):
        return {
            k: seen.setdefault(v, len(seen) + 1) if k == "shared_object_id" else _renumber_shared_ids(v, seen)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_renumber_shared_ids(v, seen) for v in node]
    return node
