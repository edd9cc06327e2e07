"""The workbook's own zoo: real pretrained models, published offline into a hub-like folder.

- ``builder``      run the recipes, card, hash and index the whole zoo (``python -m zoo_patterns build``)
- ``recipes``      one function per build step: pretrain or import the models
- ``fingerprint``  the hash of the build code that says when a built zoo is stale
- ``publishing``   :func:`publish`: add one model (yours) to a zoo folder (``python -m zoo_patterns publish``)
- ``card_fields``  the static half of each model card

The networks themselves are in :mod:`zoo_patterns.models`. The zoo's build sits
above the loader and the facade (lesson 12): :func:`ensure_built_once` is the
builder that :data:`zoo_patterns.settings.ZOO_BUILDER` names, so ``zp.load`` and
``zp.registry()`` build the zoo on first use without importing this package.
"""

from __future__ import annotations

import functools
from pathlib import Path

from .. import _zoo_registry as _cached_registry  # noqa: F401  (publishing clears it when the zoo changes)
from .. import registry_from_zoo
from ..index import read_index
from ..model_registry import Registry
from .builder import build, ensure_built
from .publishing import PublishError, publish


@functools.lru_cache(maxsize=None)
def _built(root: str) -> Path:
    return ensure_built(root)


def ensure_built_once(root: str | Path | None = None) -> Path:
    """The zoo folder, built if needed; checked once per process and folder (the check hashes code)."""
    from ..settings import zoo_dir

    return _built(str(root if root is not None else zoo_dir()))


def default_registry() -> Registry:
    """The registry of the workbook zoo at ``zoo_patterns.zoo_dir()``, built on first use (``zp.registry()``)."""
    from .. import registry

    return registry()


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
