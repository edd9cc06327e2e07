"""The small, real data sets the workbook trains on, all available offline.

``digits_task`` splits scikit-learn's 8x8 handwritten digits (1,797 images,
shipped inside scikit-learn) into a *pretraining* task on some classes and a
*transfer* task on the others, so that a model the zoo pretrained on digits
0-4 can be fine-tuned on digits 5-9 from a handful of labels. Splits are
stratified and seeded, so every run and every framework sees the same images.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PRETRAIN_CLASSES = (0, 1, 2, 3, 4)
TRANSFER_CLASSES = (5, 6, 7, 8, 9)


@dataclass(frozen=True)
class Split:
    """Images as float32 NCHW in [0, 1], labels re-indexed to 0..len(classes)-1."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[int, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.classes)

    def nhwc(self) -> Split:
        """The same data channels-last, the layout Keras and TensorFlow expect."""
        t = (0, 2, 3, 1)
        return Split(self.x_train.transpose(t), self.y_train, self.x_test.transpose(t), self.y_test, self.classes)


def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.images.astype(np.float32) / 16.0)[:, None, :, :]  # pixel values are 0..16
    return x, bunch.target.astype(np.int64)


def digits_task(
    classes: tuple[int, ...] = PRETRAIN_CLASSES,
    *,
    labels_per_class: int | None = None,
    test_fraction: float = 0.3,
    seed: int = 0,
) -> Split:
    """A seeded, stratified train/test split of the digits in ``classes``.

    ``labels_per_class`` keeps only that many training images per class: the
    few-label regime in which pretraining pays off. The test set is the same
    whatever ``labels_per_class`` is, so results are comparable.
    """
    x, y = _load_digits()
    rng = np.random.default_rng(seed)
    train_idx, test_idx = [], []
    for c in classes:
        idx = rng.permutation(np.flatnonzero(y == c))
        n_test = int(round(len(idx) * test_fraction))
        test_idx.append(idx[:n_test])
        train = idx[n_test:]
        if labels_per_class is not None:
            if not 1 <= labels_per_class <= len(train):
                raise ValueError(f"labels_per_class must be between 1 and {len(train)} for class {c}, got {labels_per_class}.")
            train = train[:labels_per_class]
        train_idx.append(train)
    tr = rng.permutation(np.concatenate(train_idx))
    te = np.sort(np.concatenate(test_idx))
    remap = np.full(10, -1, dtype=np.int64)
    remap[list(classes)] = np.arange(len(classes))
    return Split(x[tr], remap[y[tr]], x[te], remap[y[te]], tuple(classes))
