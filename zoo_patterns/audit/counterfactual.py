"""Counterfactual audit of a text classifier: change who the customer is, keep their problem, watch the label.

Every test message is rewritten once per identity term (``data.words.IDENTITY``) inside a fixed frame
(``data.words.FRAMES``): "Hi, this is Sarah. <message>" and "Hi, this is David. <message>" ask for the same
help, so a router that sends them to different queues treats people differently for who they are.

Two measurements, both per term and per group:

- **flip rate**: the share of messages whose predicted label differs from the prediction for the untouched
  message (a label that moves when only an identity term moved);
- **accuracy by group**, with fairlearn's :class:`~fairlearn.metrics.MetricFrame` and its bootstrap confidence
  intervals. Each group gets one variant per message (its terms taken in turn), so the bootstrap resamples
  independent messages rather than copies of one message. fairlearn resamples the whole table (every group's
  rows together, with replacement, one seed per resample drawn from ``seed``) and takes the 2.5% and 97.5%
  quantiles of each group's accuracy; lesson 11 writes that by hand and checks it equals this.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..data.words import FRAMES, IDENTITY
from .weat import AuditError

CI = (0.025, 0.975)
METHOD = (
    "counterfactual: identity terms swapped into a fixed frame around each test message; effect size = largest accuracy "
    "gap between groups; fairlearn MetricFrame, bootstrap 95% intervals"
)


def accuracy(y_true, y_pred) -> float:
    """Share of correct labels (sklearn's accuracy_score, without its input checks: the bootstrap calls it often)."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def counterfactuals(
    texts: Sequence[str],
    identity: dict[str, dict[str, Sequence[str]]] = IDENTITY,
    frames: dict[str, str] = FRAMES,
):
    """A DataFrame with one row per (message, term): ``message, dimension, group, term, text``."""
    import pandas as pd

    missing = sorted(set(identity) - set(frames))
    if missing:
        raise AuditError(f"no frame for identity dimension(s) {missing}; give frames[dimension] = '... {{term}} ... {{msg}}'.")
    rows = [
        (i, dim, group, term, frames[dim].format(term=term, msg=msg))
        for dim, groups in identity.items()
        for group, terms in groups.items()
        for term in terms
        for i, msg in enumerate(texts)
    ]
    return pd.DataFrame(rows, columns=["message", "dimension", "group", "term", "text"])


@dataclass
class CounterfactualReport:
    variants: object  # DataFrame: the rewritten messages with their predictions (``predicted``, ``flipped``)
    original_accuracy: float
    accuracy: dict  # dimension -> fairlearn MetricFrame (accuracy by group, with bootstrap intervals)
    n_messages: int

    def flip_rates(self, by: str = "term"):
        """Share of messages whose label flipped, per ``term`` or per ``group``, in each dimension."""
        keys = ["dimension", "group", "term"] if by == "term" else ["dimension", "group"]
        return self.variants.groupby(keys, sort=False)["flipped"].mean().rename("flip_rate").reset_index()

    def disagreement(self):
        """Per dimension, the share of messages whose variants do not all get the same label."""
        n_labels = self.variants.groupby(["dimension", "message"], sort=False)["predicted"].nunique()
        return (n_labels > 1).groupby(level="dimension", sort=False).mean().rename("disagreement")

    def records(self, *, date: str | None = None) -> tuple:
        """One audit record per dimension for a card: the largest accuracy gap, and every group's interval."""
        from ..cards import AuditRecord
        from .seat import audit_date

        table, flips = self.accuracy_table(), self.flip_rates("group")
        out = []
        for dim, rows in table.groupby("dimension", sort=False):
            groups = ", ".join(f"{r.group} {r.accuracy:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]" for r in rows.itertuples())
            flip = flips[flips["dimension"] == dim]["flip_rate"]
            note = f"labels flipped for {flip.min():.0%}-{flip.max():.0%} of messages per group; accuracy {groups}"
            gap = float(rows["accuracy"].max() - rows["accuracy"].min())
            out.append(
                AuditRecord(f"counterfactual {dim}", round(gap, 4), None, self.n_messages, METHOD, date or audit_date(), note)
            )
        return tuple(out)

    def accuracy_table(self):
        """Accuracy per group with its bootstrap interval, one row per (dimension, group)."""
        import pandas as pd

        rows = []
        for dim, frame in self.accuracy.items():
            low, high = (ci["accuracy"] for ci in frame.by_group_ci)
            for group, acc in frame.by_group["accuracy"].items():
                rows.append((dim, group, float(acc), float(low[group]), float(high[group]), self.n_messages))
        return pd.DataFrame(rows, columns=["dimension", "group", "accuracy", "ci_low", "ci_high", "n"])


def counterfactual_audit(
    predict: Callable[[list[str]], np.ndarray],
    texts: Sequence[str],
    y: Sequence[int],
    *,
    identity: dict[str, dict[str, Sequence[str]]] = IDENTITY,
    frames: dict[str, str] = FRAMES,
    n_boot: int = 1000,  # fairlearn builds a frame per resample: about 3 s per 1000 and dimension
    seed: int = 0,
) -> CounterfactualReport:
    """Run ``predict`` (texts -> label indices) on every rewritten message and measure flips and group accuracy."""
    from fairlearn.metrics import MetricFrame

    y = np.asarray(y)
    if len(texts) != len(y) or not len(texts):
        raise AuditError(f"got {len(texts)} messages and {len(y)} labels; expected the same number, at least one.")
    variants = counterfactuals(texts, identity, frames)
    original = np.asarray(predict(list(texts)))
    variants["predicted"] = np.asarray(predict(variants["text"].tolist()))
    variants["label"] = y[variants["message"].to_numpy()]
    variants["flipped"] = variants["predicted"].to_numpy() != original[variants["message"].to_numpy()]
    by_group = {}
    for dim, groups in identity.items():
        # one variant per message and group: term k of the group for messages k, k + len(terms), ...
        pick = variants[variants["dimension"] == dim]
        in_turn = [
            term == groups[group][message % len(groups[group])]
            for group, term, message in zip(pick["group"], pick["term"], pick["message"], strict=True)
        ]
        # message by message, the groups in turn: the row order fairlearn's bootstrap draws from (lesson 11's by hand)
        pick = pick[in_turn].sort_values("message", kind="stable")
        by_group[dim] = MetricFrame(
            metrics={"accuracy": accuracy},
            y_true=pick["label"].to_numpy(),
            y_pred=pick["predicted"].to_numpy(),
            sensitive_features=pick["group"].to_numpy(),
            n_boot=n_boot,
            ci_quantiles=list(CI),
            random_state=seed,
        )
    return CounterfactualReport(variants, accuracy(y, original), by_group, len(texts))
