"""Evaluation beyond accuracy: per-class precision, recall and F1, the confusion matrix, and plots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Report:
    labels: tuple[str, ...]
    confusion: np.ndarray  # rows: true class, columns: predicted class
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / self.confusion.sum())

    @property
    def macro_f1(self) -> float:
        return float(self.f1.mean())

    def table(self) -> str:
        rows = [f"{'class':>10} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}"]
        for i, label in enumerate(self.labels):
            rows.append(
                f"{label:>10} {self.precision[i]:>9.3f} {self.recall[i]:>7.3f} {self.f1[i]:>6.3f} {int(self.confusion[i].sum()):>8}"
            )
        rows.append(f"{'accuracy':>10} {self.accuracy:>25.3f}   macro F1 {self.macro_f1:.3f}")
        return "\n".join(rows)


def evaluate(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[str]) -> Report:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    k = len(labels)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (y_true, y_pred), 1)
    tp = np.diag(confusion).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.nan_to_num(tp / confusion.sum(0))  # of everything predicted as c, how much was c
        recall = np.nan_to_num(tp / confusion.sum(1))  # of everything that was c, how much was found
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    return Report(tuple(labels), confusion, precision, recall, f1)


def plot_confusion(report: Report, ax=None, title: str = ""):
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(4, 4))[1]
    ax.imshow(report.confusion, cmap="Blues")
    ax.set_xticks(range(len(report.labels)), report.labels)
    ax.set_yticks(range(len(report.labels)), report.labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for (i, j), n in np.ndenumerate(report.confusion):
        if n:
            ax.text(
                j, i, str(n), ha="center", va="center", fontsize=7, color="white" if n > report.confusion.max() / 2 else "black"
            )
    ax.set_title(title or f"accuracy {report.accuracy:.3f}")
    return ax


def plot_curves(histories, ax=None, title: str = "test accuracy per epoch"):
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    for h in histories:
        ax.plot(range(1, len(h.test_accuracy) + 1), h.test_accuracy, label=h.label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax
