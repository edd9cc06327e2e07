"""A framework-neutral transfer-learning plan: what to start from, what to train, and how.

The practices the article lists, as fields of one frozen dataclass:

- *choose a pretrained model*: ``base`` (a zoo name, or ``None`` for training from scratch);
- *reconfigure the output layer*: ``num_classes`` and ``head`` ("new" starts a fresh
  head; "extend" keeps the pretrained head's rows for the classes it already knows);
- *freeze and unfreeze layers*: ``trainable`` (groups trained from epoch 1) and
  ``unfreeze`` (``(epoch, group)`` pairs);
- *regularise*: :class:`Regularisation` (dropout, weight decay, L1, early stopping);
- per-group learning rates: ``lr`` (lower for pretrained layers, higher for the new head).

Groups are named by role, not by framework: for the digits CNN they are
``convs``, ``fc`` and ``head``; for the text encoder ``embeddings``, ``layer.0`` ...
``layer.5`` and ``head`` (see ``transfer.text.text_plan``). Each trainer maps them
to its own layers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

DIGITS_GROUPS = ("convs", "fc", "head")


@dataclass(frozen=True)
class Regularisation:
    dropout: float | None = None  # None keeps the architecture's own rate
    weight_decay: float = 0.0  # decoupled (AdamW-style) in every framework
    l1: float = 0.0  # added to the loss: l1 * sum(|w|) over trainable weights
    early_stopping: int | None = None  # patience in epochs, on the validation split when one is given

    def describe(self) -> str:
        parts = [
            f"dropout {self.dropout}" if self.dropout is not None else "",
            f"weight decay {self.weight_decay:g}" if self.weight_decay else "",
            f"L1 {self.l1:g}" if self.l1 else "",
            f"early stopping (patience {self.early_stopping})" if self.early_stopping else "",
        ]
        return ", ".join(p for p in parts if p) or "none"


@dataclass(frozen=True)
class TransferPlan:
    base: str | None
    num_classes: int
    head: str = "new"
    trainable: tuple[str, ...] = DIGITS_GROUPS
    unfreeze: tuple[tuple[int, str], ...] = ()
    lr: tuple[tuple[str, float], ...] = (("head", 3e-3), ("fc", 3e-3), ("convs", 3e-3))
    regularisation: Regularisation = Regularisation()
    epochs: int = 30
    batch_size: int = 64
    seed: int = 0

    def __post_init__(self) -> None:
        if self.head not in ("new", "extend"):
            raise ValueError(
                f"head={self.head!r}: expected 'new' (a fresh output layer) or 'extend' (keep the known classes' rows)."
            )
        if self.base is None and (self.head == "extend" or set(self.trainable) != set(self.groups)):
            raise ValueError(
                "a plan from scratch (base=None) trains every group with a new head; freezing random weights helps nobody."
            )
        unknown = {*self.trainable, *(g for _, g in self.unfreeze)} - set(self.groups)
        if unknown:
            raise ValueError(f"unknown group(s) {sorted(unknown)}; this plan's groups are {list(self.groups)}.")

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(g for g, _ in self.lr)

    def lr_for(self, group: str) -> float:
        return dict(self.lr)[group]

    def trainable_at(self, epoch: int) -> set[str]:
        """Groups that train during ``epoch`` (1-based): the initial ones plus every group unfrozen so far."""
        return set(self.trainable) | {g for e, g in self.unfreeze if e <= epoch}

    def replace(self, **changes) -> TransferPlan:
        return dataclasses.replace(self, **changes)

    def describe(self) -> str:
        frozen = [g for g in self.groups if g not in self.trainable]
        schedule = ", ".join(f"{g} from epoch {e}" for e, g in self.unfreeze)
        return (
            f"{'from scratch' if self.base is None else 'from ' + self.base}; head {self.head} ({self.num_classes} classes); "
            f"frozen: {', '.join(frozen) or 'nothing'}{'; unfreeze ' + schedule if schedule else ''}; "
            f"regularisation: {self.regularisation.describe()}; {self.epochs} epochs"
        )

    # -- the presets lessons compare -----------------------------------------------------------
    @classmethod
    def scratch(cls, num_classes: int, **kw) -> TransferPlan:
        return cls(None, num_classes, **kw)

    @classmethod
    def frozen(cls, base: str, num_classes: int, **kw) -> TransferPlan:
        """Only the head trains: the pretrained network is a fixed feature extractor."""
        return cls(base, num_classes, trainable=("head",), **kw)

    @classmethod
    def partial(cls, base: str, num_classes: int, **kw) -> TransferPlan:
        """The last hidden layer and the head train; the convolutions stay as pretrained."""
        return cls(base, num_classes, trainable=("fc", "head"), **kw)

    @classmethod
    def full(cls, base: str, num_classes: int, **kw) -> TransferPlan:
        """Every layer trains (pass ``lr=`` to train the pretrained ones more gently)."""
        return cls(base, num_classes, **kw)
