"""The model layer of the zoo browser: what the app can do, with no idea how it is shown.

Both front ends of lesson 12 (the MVC one in ``mvc.py`` and the MVVM one in
``viewmodel.py``) call this same class, so any difference between them is in
how they connect a view to it, never in what they can do.

It sits on the layers below it and nothing else: the registry and cards
(search and describe), the layered loader (load, with download progress) and
the adapters (one ``predict`` for every framework). It imports no widget
library and holds no UI state: every method takes what it needs and returns
a value or raises a :class:`~zoo_patterns.ZooError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import PredictionError
from ..model_registry import Registry

ANY = ""  # the value of a filter that filters nothing


@dataclass(frozen=True)
class Loaded:
    """A model the browser loaded: the adapted model, where it came from, and what it cost."""

    name: str
    model: Any  # a ZooModel
    seconds: float
    downloaded: tuple[str, ...]

    def describe(self) -> str:
        fetched = f"downloaded {len(self.downloaded)} file(s)" if self.downloaded else "from the cache"
        return f"loaded {self.name}: {type(self.model).__name__}, {self.model.num_params:,} parameters, {fetched}, {self.seconds:.2f} s"


@dataclass(frozen=True)
class Prediction:
    """What ``predict`` shows: the input in words, and (label, score) rows, best first."""

    sample: str
    kind: str  # "class probabilities" or "nearest help-desk messages (cosine)"
    rows: tuple[tuple[str, float], ...]


class ZooBrowserModel:
    """Search, describe, load and predict over a zoo: the app's logic, shared by MVC and MVVM.

    ``registry`` defaults to the workbook zoo's; ``loader`` to a
    :class:`~zoo_patterns.loader.Loader` on the same zoo and the user's cache.
    """

    def __init__(self, registry: Registry | None = None, loader=None):
        if registry is None:
            from .. import registry as workbook_registry

            registry = workbook_registry()
        self.registry = registry
        self._loader = loader
        self._neighbours: dict[str, tuple[np.ndarray, tuple[str, ...]]] = {}

    @property
    def loader(self):
        if self._loader is None:
            from ..loader import Loader

            self._loader = Loader(progress=False)
        return self._loader

    # -- catalogue ---------------------------------------------------------------------
    def search(self, query: str = "", framework: str = ANY, task: str = ANY) -> list[str]:
        """Names containing ``query`` (or matching it, if it has ``*`` or ``?``), filtered by framework and task."""
        query = query.strip().lower()
        pattern = query if any(c in query for c in "*?[") else f"*{query}*"
        return self.registry.list(pattern, framework=framework or None, task=task or None)

    def choices(self) -> tuple[list[str], list[str]]:
        """The frameworks and the tasks in the catalogue, for the filter menus."""
        cards = self.registry.cards()
        return sorted({c.framework for c in cards}), sorted({c.task for c in cards})

    def versions(self, name: str) -> list[str]:
        """The versions of ``name``, oldest first (one, for a registry entry without versions)."""
        entry = self.registry.get(name)
        return [v.version + (" (yanked)" if v.yanked else "") for v in entry.versions or (entry,)]

    def describe(self, name: str) -> str:
        """The card of ``name`` (or ``name@VERSION``) as markdown: a summary table, then the card's own text."""
        card = self.registry.get(name).card  # an unknown name raises ModelNotFoundError with suggestions
        if card is None:
            return f"# {name}\n\nThis entry has no model card."
        size = f"{card.size_bytes / 1e6:.2f} MB" if card.size_bytes else "?"
        params = f"{card.num_params:,}" if card.num_params else "?"
        rows = [
            ("task", card.task),
            ("domain", card.domain),
            ("framework / format", f"{card.framework} / {card.format}"),
            ("parameters", params),
            ("size", size),
            ("license", card.license),
            *[(f"input `{s.name}`", f"`{s.describe()}`") for s in card.inputs],
            *[(m.name, f"{m.value:.4g} ({m.dataset}, {m.split})") for m in card.metrics],
        ]
        table = "\n".join(["| | |", "|---|---|", *[f"| {k} | {v} |" for k, v in rows]])
        body = card.description.strip() or card.intended_use
        body = body.split("\n", 1)[1].strip() if body.startswith("# ") else body  # the title is ours
        return f"# {card.name} {card.version}\n\n{table}\n\n{body}\n"

    # -- load and predict ----------------------------------------------------------------
    def load(self, name: str, on_progress: Callable[[float], None] | None = None) -> Loaded:
        """Fetch ``name`` through every loader layer (progress 0 to 1 as bytes arrive), then build it through the facade."""
        from .. import build

        self.registry.get(name)  # unknown names fail here, with suggestions, before any I/O
        report = None if on_progress is None else (lambda done, total: on_progress(done / total if total else 1.0))
        start = time.perf_counter()
        snapshot = self.loader.fetch(name, on_progress=report)  # this call's progress; the snapshot says what it fetched
        model = build(snapshot, adapt=True)
        if on_progress is not None:
            on_progress(1.0)
        return Loaded(name, model, time.perf_counter() - start, snapshot.downloaded)

    def default_sample(self, loaded: Loaded) -> str:
        """A sample the app can always predict on: a held-out digit, or a help-desk question."""
        task = loaded.model.card.task if loaded.model.card else ""
        return "digit #0" if task == "image-classification" else "my parcel never arrived"

    def predict(self, loaded: Loaded, sample: str = "") -> Prediction:
        """Run the loaded model on a sample: ``digit #N`` (a held-out test digit) or a sentence."""
        card = loaded.model.card
        task = card.task if card else ""
        sample = sample.strip() or self.default_sample(loaded)
        if task == "image-classification":
            return self._classify(loaded, sample)
        if task == "sentence-embedding":
            return self._nearest(loaded, sample)
        raise PredictionError(
            f"The browser has no sample for task {task!r} ({loaded.name}); it can predict for image-classification "
            "(a digit) and sentence-embedding (a sentence). Use the model from Python: zp.load(name, adapt=True)."
        )

    def _classify(self, loaded: Loaded, sample: str) -> Prediction:
        from ..datasets import digits_task

        images = digits_task(seed=0).x_test  # digits 0-4, held out from pretraining, NCHW in [0, 1]
        word, _, number = sample.partition("#")
        if word.strip().lower() != "digit" or not number.strip().isdigit() or int(number) >= len(images):
            raise PredictionError(
                f"Sample {sample!r} is not a digit this app knows: expected 'digit #N' with N from 0 to {len(images) - 1} "
                "(held-out test images of digits 0-4)."
            )
        logits = loaded.model.predict(images[int(number) : int(number) + 1], layout="NCHW")[0]
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        labels = loaded.model.card.labels or tuple(str(i) for i in range(len(probs)))
        top = np.argsort(-probs)[:3]
        return Prediction(sample, "class probabilities", tuple((f"digit {labels[i]}", float(probs[i])) for i in top))

    def _nearest(self, loaded: Loaded, sample: str) -> Prediction:
        from ..datasets import helpdesk_task

        if loaded.name not in self._neighbours:  # embed the reference messages once per model
            task = helpdesk_task()
            texts = tuple(f"{t} [{task.labels[y]}]" for t, y in zip(task.train_texts, task.y_train, strict=True))
            self._neighbours[loaded.name] = (loaded.model.predict(list(task.train_texts)), texts)
        vectors, texts = self._neighbours[loaded.name]
        scores = vectors @ loaded.model.predict([sample])[0]  # both L2-normalised: dot product = cosine
        top = np.argsort(-scores)[:3]
        return Prediction(sample, "nearest help-desk messages (cosine)", tuple((texts[i], float(scores[i])) for i in top))
