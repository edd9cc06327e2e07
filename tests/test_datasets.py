"""The workbook's own data: digits splits without leakage, and the help-desk text set's rules."""

from __future__ import annotations

import collections
import re

import numpy as np

from zoo_patterns.datasets import PRETRAIN_CLASSES, digits_task, helpdesk_task

GENERIC = {"please", "want", "when", "after", "there", "someone", "two", "the", "and", "for", "you", "not", "but", "can"}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def test_helpdesk_has_several_hundred_balanced_unique_messages():
    split = helpdesk_task()
    assert len(split.train_texts) + len(split.test_texts) >= 300
    assert len(split.labels) >= 5
    assert collections.Counter(split.y_train.tolist()) == {c: 40 for c in range(5)}
    assert collections.Counter(split.y_test.tolist()) == {c: 20 for c in range(5)}
    texts = split.train_texts + split.test_texts
    assert len(set(texts)) == len(texts)


def test_helpdesk_test_messages_avoid_their_class_training_keywords():
    """A keyword: in at least 3 training messages of the class, and more often there than in all others together."""
    split = helpdesk_task()
    for c, label in enumerate(split.labels):
        mine = collections.Counter(w for t, y in zip(split.train_texts, split.y_train, strict=True) if y == c for w in _words(t))
        rest = collections.Counter(w for t, y in zip(split.train_texts, split.y_train, strict=True) if y != c for w in _words(t))
        keywords = {w for w, n in mine.items() if n >= 3 and n > rest[w] and len(w) > 2} - GENERIC
        assert len(keywords) >= 5, label
        leaks = [
            (t, sorted(_words(t) & keywords))
            for t, y in zip(split.test_texts, split.y_test, strict=True)
            if y == c and _words(t) & keywords
        ]
        assert leaks == [], f"{label}: test messages reuse training keywords: {leaks}"


def test_helpdesk_few_label_draws_are_seeded_subsets():
    a, b = helpdesk_task(labels_per_class=4, seed=1), helpdesk_task(labels_per_class=4, seed=1)
    assert a.train_texts == b.train_texts and len(a.train_texts) == 20
    assert set(a.train_texts) <= set(helpdesk_task().train_texts)
    assert a.test_texts == helpdesk_task().test_texts


def test_digits_transfer_task_never_tests_on_pretraining_images():
    from zoo_patterns.datasets import digits_transfer_task

    pretrain = digits_task(PRETRAIN_CLASSES, seed=0)
    task = digits_transfer_task(labels_per_class=2, draw=3)
    assert task.classes == tuple(range(10)) and len(task.y_train) == 20
    assert np.bincount(task.y_train).tolist() == [2] * 10
    seen = {x.tobytes() for x in pretrain.x_train}
    assert not any(x.tobytes() in seen for x in task.x_test)  # no test image was a pretraining image
    held_out = {x.tobytes() for x in pretrain.x_test}
    old_test = {x.tobytes() for x, y in zip(task.x_test, task.y_test, strict=True) if y < 5}
    assert old_test == held_out  # classes 0-4 are tested on exactly the pretraining's held-out images


def test_digits_read_without_importing_sklearn_are_sklearns_digits():
    """The direct read of scikit-learn's CSV (a second saved per torchrun process) gives load_digits' data."""
    from sklearn.datasets import load_digits

    from zoo_patterns.datasets import _load_digits

    x, y = _load_digits()
    bunch = load_digits()
    assert np.array_equal(x[:, 0] * 16.0, bunch.images) and np.array_equal(y, bunch.target)
    assert x.dtype == np.float32 and y.dtype == np.int64
