"""Layer 6, build: a decoded model plus its card -> the object the caller asked for.

The loader's last step. ``decode`` gives the framework's own object; ``build``
joins it with what the zoo knows about it (the card in the snapshot). With
``adapt=False`` the native object comes back unchanged, which is what
lesson 01 uses. The adapter pattern (lesson 03) plugs in here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .decode import decode


def read_card(folder: Path):
    """The snapshot's model card, or None for a folder without one."""
    from ..cards import ModelCard

    path = folder / "README.md"
    return ModelCard.load(path) if path.is_file() else None


def build(folder: Path, fmt: str, *, adapt: bool = False) -> Any:
    native = decode(folder, fmt)
    if not adapt:
        return native
    from ..adapters import adapt as wrap

    return wrap(native, card=read_card(folder), source=folder)
