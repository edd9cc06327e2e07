"""The small, real data sets the workbook trains on, all available offline.

``digits_task`` splits scikit-learn's 8x8 handwritten digits (1,797 images,
shipped inside scikit-learn) into a *pretraining* task on some classes and a
*transfer* task on the others, so that a model the zoo pretrained on digits
0-4 can be fine-tuned on digits 5-9 from a handful of labels. Splits are
stratified and seeded, so every run and every framework sees the same images.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
    """scikit-learn's 8x8 digits: images (N, 1, 8, 8) in 0..1 and labels.

    ``sklearn.datasets.load_digits`` reads one small CSV that ships inside scikit-learn, but importing
    ``sklearn.datasets`` first costs about a second, paid by every ``torchrun`` process of lesson 14.
    So the CSV is read directly when it is where scikit-learn keeps it, and through scikit-learn if not.
    """
    import importlib.util

    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    csv = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz" if spec else None
    if csv is not None and csv.is_file():
        data = np.loadtxt(csv, delimiter=",")  # 64 pixel values, then the label, per row
        images, target = data[:, :-1].reshape(-1, 8, 8), data[:, -1]
    else:
        from sklearn.datasets import load_digits

        bunch = load_digits()
        images, target = bunch.images, bunch.target
    x = (images.astype(np.float32) / 16.0)[:, None, :, :]  # pixel values are 0..16
    return x, target.astype(np.int64)


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


ALL_CLASSES = tuple(range(10))


def digits_transfer_task(*, labels_per_class: int = 1, draw: int = 0) -> Split:
    """The transfer task of lessons 01 and 06-08: all ten digits, a few labels each.

    The zoo's digits models were pretrained on classes 0-4 (``digits_task(seed=0)``).
    This task adds the new classes 5-9 and gives only ``labels_per_class``
    labelled images of every class: extending a pretrained model to new
    classes with little data. The test set is never seen in pretraining: for
    classes 0-4 it is exactly the pretraining's held-out split (the seeded
    stream draws classes 0-4 first, in the same order), and ``draw`` only
    changes which training images are labelled.
    """
    full = digits_task(ALL_CLASSES, seed=0)
    rng = np.random.default_rng(1000 + draw)
    picked = []
    for c in ALL_CLASSES:
        pool = np.flatnonzero(full.y_train == c)
        if not 1 <= labels_per_class <= len(pool):
            raise ValueError(f"labels_per_class must be between 1 and {len(pool)}, got {labels_per_class}.")
        picked.append(rng.choice(pool, labels_per_class, replace=False))
    idx = rng.permutation(np.concatenate(picked))
    return Split(full.x_train[idx], full.y_train[idx], full.x_test, full.y_test, ALL_CLASSES)


@dataclass(frozen=True)
class TextSplit:
    """Short texts with integer labels; ``labels`` names them."""

    train_texts: tuple[str, ...]
    y_train: np.ndarray
    test_texts: tuple[str, ...]
    y_test: np.ndarray
    labels: tuple[str, ...]


def helpdesk_task(*, labels_per_class: int | None = None, seed: int = 0) -> TextSplit:
    """Customer help-desk messages in five classes: billing, login, delivery, bug, cancel.

    300 messages, 40 training and 20 test per class, written by hand for this
    workbook (``data/helpdesk.tsv``, Apache-2.0). How they were written:

    1. The training messages come first, in the words customers usually use
       ("charged twice", "password reset", "parcel", "app crashes", "cancel").
    2. The test messages were written afterwards, each meaning one class, but
       *without* that class's training keywords: "two identical amounts were
       taken" for a double charge, "the program quits" for a crash, "discontinue
       the service" for a cancellation.
    3. ``tests/test_datasets.py`` enforces rule 2: no test message contains a
       word that is frequent and distinctive in its class's training messages.

    So a bag-of-words model trained from scratch cannot match words it never
    saw, while a pretrained sentence encoder can recognise the same meaning in
    new wording. Lessons 01 and 07 measure that gap.
    """
    from importlib.resources import files

    rows = [
        line.split("\t")
        for line in files("zoo_patterns.data").joinpath("helpdesk.tsv").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    labels = tuple(dict.fromkeys(label for _, label, _ in rows))
    index = {label: i for i, label in enumerate(labels)}
    train = [(t, index[lab]) for split, lab, t in rows if split == "train"]
    test = [(t, index[lab]) for split, lab, t in rows if split == "test"]
    if labels_per_class is not None:
        rng = np.random.default_rng(seed)
        keep = []
        for c in range(len(labels)):
            members = [row for row in train if row[1] == c]
            if not 1 <= labels_per_class <= len(members):
                raise ValueError(f"labels_per_class must be between 1 and {len(members)}, got {labels_per_class}.")
            keep += [members[i] for i in sorted(rng.permutation(len(members))[:labels_per_class])]
        train = keep
    return TextSplit(
        tuple(t for t, _ in train),
        np.array([y for _, y in train]),
        tuple(t for t, _ in test),
        np.array([y for _, y in test]),
        labels,
    )
