"""Fault injection for the zoo's server: what a bad network or a bad mirror does to a client (lessons 04 and 15).

A :class:`Fault` applies to the GET answers whose path matches a glob
(``*model.safetensors``, ``/tfhub/*``):

- ``truncate``: the server's copy is half the file; ``Content-Length`` says so
  (a mirror that copied half a file);
- ``corrupt``: the same length, with bytes in the middle flipped (a bad disk, a
  bad proxy, a tampered mirror);
- ``drop``: ``Content-Length`` announces the whole file, half is sent, then the
  connection is closed (a network cut);
- ``slow``: the first byte waits ``delay`` seconds.

``times`` limits a fault to its first N matches (``None``: every time).
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass

KINDS = ("truncate", "corrupt", "drop", "slow")


@dataclass
class Fault:
    pattern: str
    kind: str
    times: int | None = None
    delay: float = 1.0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; choose one of {', '.join(KINDS)}")

    def matches(self, path: str) -> bool:
        return fnmatch.fnmatchcase(path, self.pattern)


def corrupt(data: bytes) -> bytes:
    """The same length, 16 bytes in the middle flipped: no size check can notice."""
    if not data:
        return data
    mid = len(data) // 2
    window = data[mid : mid + 16]
    return data[:mid] + bytes(b ^ 0xFF for b in window) + data[mid + len(window) :]


class Faults:
    """The faults a server applies, safe to change while it serves."""

    def __init__(self):
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, pattern: str, kind: str, *, times: int | None = None, delay: float = 1.0) -> Fault:
        fault = Fault(pattern, kind, times, delay)
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if f is not fault]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, path: str) -> Fault | None:
        """The first fault for ``path``, counting one use of it."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(path) and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def __bool__(self) -> bool:
        return bool(self._faults)


def parse(spec: str) -> tuple[str, str]:
    """``KIND:PATTERN`` from the command line (``corrupt:*model.safetensors``)."""
    kind, sep, pattern = spec.partition(":")
    if not sep or kind not in KINDS or not pattern:
        raise ValueError(
            f"a fault is KIND:PATTERN with KIND one of {', '.join(KINDS)}, e.g. corrupt:*model.safetensors; got {spec!r}"
        )
    return kind, pattern
