"""The transfer-learning workflow (lessons 06-08): one plan, run in torch, Keras, Gluon and transformers.

- ``plan``      :class:`TransferPlan` and :class:`Regularisation`, framework-neutral
- ``torch``, ``keras``, ``gluon``   ``fit(plan, split)`` on the digits CNN in each framework
- ``text``      MiniLM with a new classification head, encoder frozen or partly unfrozen
- ``evaluate``  accuracy, per-class precision / recall / F1, confusion matrix, plots
- ``history``   what training returns
"""

from __future__ import annotations

import importlib

from .evaluate import Report, evaluate, plot_confusion, plot_curves
from .history import History, mean_history
from .plan import Regularisation, TransferPlan

TRAINERS = {"torch": "torch", "keras": "keras", "gluon": "gluon", "text": "text"}


def fit(framework: str, plan: TransferPlan, split, **kwargs):
    """Run ``plan`` with a trainer ("torch", "keras", "gluon", or "text" for MiniLM); returns ``(model, History)``."""
    if framework not in TRAINERS:
        raise ValueError(f"no trainer for {framework!r}; expected one of {sorted(TRAINERS)}.")
    return importlib.import_module(f".{TRAINERS[framework]}", __name__).fit(plan, split, **kwargs)


__all__ = [
    "History",
    "Regularisation",
    "Report",
    "TransferPlan",
    "evaluate",
    "fit",
    "mean_history",
    "plot_confusion",
    "plot_curves",
]
