"""The workbook's own zoo: real pretrained models, published offline into a hub-like folder.

- ``build``       pretrain, save, card, hash and index the whole zoo (``python -m zoo_patterns build``)
- ``publishing``  :func:`publish`: add one model (yours) to a zoo folder (``python -m zoo_patterns publish``)
- ``catalog``   the static half of each model card
- ``torch_digits`` / ``keras_digits`` / ``gluon_digits``  one small CNN in three frameworks

:func:`default_registry` turns a built zoo into a :class:`~zoo_patterns.Registry`.
"""

from __future__ import annotations

import functools
from pathlib import Path

from ..cards import ModelCard
from ..registry import Registry
from .build import build, ensure_built, read_index
from .publishing import PublishError, publish


def registry_from_zoo(root: str | Path, name: str = "zoo") -> Registry:
    """A registry with one entry per model in a built zoo: the card, and a lazy builder."""
    from ..loader.decode import decode

    root = Path(root)
    registry = Registry(name)
    for entry in read_index(root)["models"]:
        card = ModelCard.load(root / entry["card"])
        registry.register(card.name, functools.partial(decode, root / card.name, card.format), card=card)
    return registry


@functools.lru_cache(maxsize=None)
def _cached_registry(root: str) -> Registry:
    # Checking the build fingerprint hashes the build code: do it once per process and zoo folder.
    return registry_from_zoo(ensure_built_once(root))


@functools.lru_cache(maxsize=None)
def _built(root: str) -> Path:
    return ensure_built(root)


def ensure_built_once(root: str | Path | None = None) -> Path:
    """The zoo folder, built if needed; checked once per process and folder (the check hashes code)."""
    from ..settings import zoo_dir

    return _built(str(root if root is not None else zoo_dir()))


def default_registry() -> Registry:
    """The registry of the workbook zoo at ``zoo_patterns.zoo_dir()``, built on first use."""
    from ..settings import zoo_dir

    return _cached_registry(str(zoo_dir()))


__all__ = [
    "PublishError",
    "build",
    "default_registry",
    "ensure_built",
    "ensure_built_once",
    "publish",
    "read_index",
    "registry_from_zoo",
]
