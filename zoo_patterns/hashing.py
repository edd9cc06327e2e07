"""One hashing helper for the whole package: the sha256 of a file, read in 1 MiB blocks.

Every layer that names a file by its content uses it: the zoo's build and publish
write the hashes into cards and the index, the loader's verify layer checks them
(lesson 04). One helper means one definition of "the file's hash".
"""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()
