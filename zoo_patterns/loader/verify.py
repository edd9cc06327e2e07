"""Layer 4, verify: is this file really the one the manifest promised?

- After every download: the full sha256 (computed while the bytes arrived).
- On every cache hit: a cheap *stamp* check (size, modification time and
  inode, recorded when the file was last fully hashed). When the stamp does
  not match, the file is hashed again in full. torch.hub and TF Hub only
  check that a file exists, which is how truncated files live on in their
  caches; MXNet's model store re-hashes on every hit. This sits in between:
  as safe as MXNet's against anything that touches the file, and nearly as
  cheap as a bare ``exists()``.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from ..errors import IntegrityError
from ..hashing import CHUNK, sha256_file  # noqa: F401  (CHUNK: the fetcher's block size too)


def stamp(path: str | Path) -> list[int]:
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def check_bytes(what: str, *, size: int, sha256: str, actual_size: int, actual_sha256: str, fix: str) -> None:
    """Raise :class:`IntegrityError` naming the expected and actual size or hash."""
    if actual_size != size:
        raise IntegrityError(f"{what} has the wrong size", f"{size} bytes", f"{actual_size} bytes", fix)
    if actual_sha256 != sha256:
        raise IntegrityError(f"{what} has the wrong sha256", sha256, actual_sha256, fix)


def verify_file(path: str | Path, *, size: int, sha256: str, fix: str = "Delete it and fetch again.") -> None:
    """The full check: size, then sha256 of every byte."""
    path = Path(path)
    actual_size = path.stat().st_size
    if actual_size != size:  # cheap, and a truncated file fails here without being read
        raise IntegrityError(f"{path} has the wrong size", f"{size} bytes", f"{actual_size} bytes", fix)
    check_bytes(str(path), size=size, sha256=sha256, actual_size=actual_size, actual_sha256=sha256_file(path), fix=fix)


class Stamps:
    """Stamps of fully verified files, one small JSON file per snapshot, rewritten atomically."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.data: dict[str, list] = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            self.data = {}
        self.dirty = False

    def matches(self, file: Path, sha256: str) -> bool:
        record = self.data.get(str(file))
        try:
            return record is not None and record[0] == sha256 and record[1:] == stamp(file)
        except FileNotFoundError:
            return False

    def record(self, file: Path, sha256: str) -> None:
        self.data[str(file)] = [sha256, *stamp(file)]
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(self.data, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)
        self.dirty = False


def verify_cached(file: Path, *, size: int, sha256: str, stamps: Stamps, full: bool = False) -> bool:
    """True when a cached file is intact: its stamp matches, or (if not, or ``full``) its bytes do."""
    if not full and stamps.matches(file, sha256):
        return True
    try:
        verify_file(file, size=size, sha256=sha256)
    except (IntegrityError, FileNotFoundError):
        return False
    stamps.record(file, sha256)
    return True
