"""The workbook's own zoo: real pretrained models, published offline into a hub-like folder.

- ``publish``   pretrain, save, card, hash and index (``python -m zoo_patterns build``)
- ``catalog``   the static half of each model card
- ``native``    open a published model folder as the framework's own object
- ``torch_digits`` / ``keras_digits`` / ``gluon_digits``  one small CNN in three frameworks

:func:`default_registry` turns a built zoo into a :class:`~zoo_patterns.Registry`.
"""

from __future__ import annotations

import functools
from pathlib import Path

from ..cards import ModelCard
from ..registry import Registry
from .publish import build, ensure_built, read_index


def registry_from_zoo(root: str | Path, name: str = "zoo") -> Registry:
    """A registry with one entry per model in a built zoo: the card, and a lazy builder."""
    from .native import open_model

    root = Path(root)
    registry = Registry(name)
    for entry in read_index(root)["models"]:
        card = ModelCard.load(root / entry["card"])
        registry.register(card.name, functools.partial(open_model, root / card.name, card.format), card=card)
    return registry


@functools.lru_cache(maxsize=None)
def _cached_registry(root: str) -> Registry:
    # Checking the build fingerprint hashes the build code: do it once per process and zoo folder.
    return registry_from_zoo(ensure_built(root))


def default_registry() -> Registry:
    """The registry of the workbook zoo at ``zoo_patterns.zoo_dir()``, built on first use."""
    from ..settings import zoo_dir

    return _cached_registry(str(zoo_dir()))


__all__ = ["build", "default_registry", "ensure_built", "read_index", "registry_from_zoo"]
