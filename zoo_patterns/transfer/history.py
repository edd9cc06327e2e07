"""What a training run returns: per-epoch loss and metrics, and the questions lessons ask of them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class History:
    """``loss`` (training), ``test_accuracy`` and, when a validation split was given, ``val_accuracy``, per epoch."""

    label: str = ""
    loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    stopped_early: int | None = None  # the epoch training stopped at, if early stopping fired
    seconds: float = 0.0

    @property
    def final(self) -> float:
        return self.test_accuracy[-1]

    def epochs_to_reach(self, accuracy: float) -> int | None:
        """The first epoch (1-based) whose test accuracy is at least ``accuracy``; None if never."""
        for epoch, acc in enumerate(self.test_accuracy, start=1):
            if acc >= accuracy - 1e-12:
                return epoch
        return None


def mean_history(histories: list[History], label: str = "") -> History:
    """The epoch-by-epoch mean of several runs (several label draws), padded with each run's last value."""
    n = max(len(h.test_accuracy) for h in histories)

    def pad(values: list[float]) -> list[float]:
        return values + [values[-1]] * (n - len(values)) if values else []

    def avg(name: str) -> list[float]:
        rows = [pad(getattr(h, name)) for h in histories if getattr(h, name)]
        return [sum(col) / len(col) for col in zip(*rows, strict=True)] if rows else []

    return History(
        label or histories[0].label,
        avg("loss"),
        avg("test_accuracy"),
        avg("val_accuracy"),
        seconds=sum(h.seconds for h in histories) / len(histories),
    )


class EarlyStopping:
    """Stop when the monitored score has not improved for ``patience`` epochs, and keep the best weights.

    The score is the validation accuracy when there is a validation split,
    otherwise minus the training loss. ``save`` snapshots the weights; the
    trainer restores ``best_state`` when :meth:`step` says stop.
    """

    def __init__(self, patience: int | None):
        self.patience, self.best, self.best_state, self.waited = patience, float("-inf"), None, 0

    def step(self, history: History, save) -> bool:
        if not self.patience:
            return False
        score = history.val_accuracy[-1] if history.val_accuracy else -history.loss[-1]
        if score > self.best:
            self.best, self.best_state, self.waited = score, save(), 0
            return False
        self.waited += 1
        if self.waited >= self.patience:
            history.stopped_early = len(history.loss)
            return True
        return False
