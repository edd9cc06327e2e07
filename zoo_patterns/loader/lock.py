"""An advisory lock that records its owner and is taken over when that owner is dead.

Two processes fetching the same file would both download it; the lock saves
that traffic, nothing more. Correctness never depends on it: every writer
writes its own temporary file and ``os.replace``-s it into place (the
huggingface_hub rule). So a lock that cannot be had in time is simply
ignored, and a lock left behind by a crashed process (its pid is gone, or it
is older than ``stale_after``) is taken over, as TF Hub does.

Why not the ``filelock`` package (installed, and what huggingface_hub uses)? It
takes an OS lock (``flock``) that the kernel drops when its holder dies, so its
locks never go stale, which is simpler where mutual exclusion is all you need.
This module is kept on purpose, as the teaching piece for TF Hub's pattern that
lesson 04 compares (a lock *file* that records its owner, judged stale and
taken over; the fault-injection tests kill its owner), and because the zoo's
publishing names the process that holds a zoo (:meth:`FileLock.owner`), which
an OS lock cannot tell. It is about 80 lines, and nothing correct rests on it.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, it is just not ours
        return True
    return True


class FileLock:
    """``with FileLock(path): ...``; ``acquired`` says whether the lock was really held."""

    def __init__(self, path: str | Path, *, timeout: float = 60.0, stale_after: float = 600.0, poll: float = 0.05):
        self.path = Path(path)
        self.timeout, self.stale_after, self.poll = timeout, stale_after, poll
        self.acquired = False

    def owner(self) -> dict | None:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
            return None

    def is_stale(self) -> bool:
        owner = self.owner()
        if owner is None:  # unreadable or half-written: judge by the file's age
            try:
                return time.time() - self.path.stat().st_mtime > min(self.stale_after, 5.0)
            except FileNotFoundError:
                return False
        if time.time() - float(owner.get("created", 0)) > self.stale_after:
            return True
        return owner.get("host") == socket.gethostname() and not _alive(int(owner.get("pid", -1)))

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.timeout
        me = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "created": time.time()})
        while True:
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if self.is_stale():
                    self.path.unlink(missing_ok=True)  # take it over: its owner is gone
                    continue
                if time.monotonic() > deadline:
                    return False  # go on without it: the temp-file-and-replace rule keeps us correct
                time.sleep(self.poll)
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(me)
            self.acquired = True
            return True

    def release(self) -> None:
        if self.acquired:
            owner = self.owner()
            if owner is not None and owner.get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self.acquired = False

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
