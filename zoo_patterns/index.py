"""The zoo index format: ``index.json``, the one file that says what a zoo holds (lessons 04 and 13).

A zoo is a folder, served or not, with one ``NAME/`` folder per model and an
``index.json`` at its root: for every model its name, version, format, card
and files, each file with its path from the zoo root, size and sha256. The
build and publish write it (:func:`index_entry`); the loader's resolvers and
the registry read it (:func:`read_index`).

An index is somebody else's file: a classroom mirror, a colleague's folder, a
server. It is untrusted input, just as an archive is, and lesson 04 shows one
that lies about its paths being refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path

from .cards import ModelCard

INDEX = "index.json"
FORMAT_VERSION = 1

# The one model-name rule, for references, indexes and publishing alike: 2-63 lower-case letters, digits,
# '.', '_' or '-', starting with a letter or digit. A name becomes a folder (lower case: macOS and Windows
# would merge 'Foo' and 'foo') and part of a URL. Every model the workbook's build makes passes it.
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
# A version is a folder name in the cache too: letters, digits, '.', '_', '+' and '-', at most 64.
VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")

# Licences that say nothing a user could rely on: a zoo publishes none of them, an audit flags them.
PLACEHOLDER_LICENCES = {"", "unknown", "other", "tbd", "todo", "none", "?", "n/a"}


def read_index(root: str | Path) -> dict:
    """The parsed ``index.json`` of the zoo folder ``root``."""
    path = Path(root) / INDEX
    if not path.exists():
        raise FileNotFoundError(f"No zoo index at {path}; build the zoo with `python -m zoo_patterns build`.")
    return json.loads(path.read_text(encoding="utf-8"))


def index_entry(card: ModelCard, files: Iterable[Path], folder: Path) -> dict:
    """A model's entry in ``index.json``: what it is, and every file (paths from the zoo root) with size and sha256."""
    return {
        "name": card.name,
        "version": card.version,
        "framework": card.framework,
        "format": card.format,
        "task": card.task,
        "domain": card.domain,
        "license": card.license,
        "card": f"{card.name}/README.md",
        "files": [
            {"path": f"{card.name}/{p.relative_to(folder)}", "size": p.stat().st_size, "sha256": _sha256(p)}
            for p in sorted(files)
        ],
    }


def _sha256(path: Path) -> str:
    # The same hash as loader.verify.sha256_file, kept here so the ground never imports the loader
    # (issue 22's hashing module is where both belong).
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
