"""Layer 3, fetch: stream a file into the cache, hashing it as the bytes arrive.

- Each download writes to its own unique temp file under ``CACHE/tmp``, and
  only a complete, verified file is ``os.replace``-d to ``blobs/<sha256>``.
  An interrupted download leaves nothing that looks complete.
- A short read (the server closed early) or a network error is retried with
  exponential backoff; the retry asks only for the missing bytes with an HTTP
  ``Range`` header when the server supports it.
- Wrong bytes are not retried: the sha256 is checked, the temp file deleted,
  and an :class:`~zoo_patterns.errors.IntegrityError` names both hashes.
- ``file://`` URLs go through the same code, so a zoo folder on disk is
  "downloaded" into the cache exactly like a served one.
"""

from __future__ import annotations

import hashlib
import http.client
import itertools
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import NetworkError, OfflineError
from ..hashing import CHUNK
from .cache import Cache
from .resolve import RemoteFile
from .verify import check_bytes

RING = 4


class ShortRead(Exception):
    """The stream ended before the expected number of bytes."""


class _Partial:
    """A download in progress: its temp file, the bytes it holds and their running hash."""

    def __init__(self, path: Path):
        self.path, self.done, self.digest = path, 0, hashlib.sha256()

    def restart(self) -> None:
        self.done, self.digest = 0, hashlib.sha256()
        with open(self.path, "r+b") as f:
            f.truncate(0)


class Fetcher:
    """Download a :class:`RemoteFile` into a :class:`Cache` blob; retries, backoff, resume, progress."""

    def __init__(self, *, retries: int = 3, backoff: float = 0.5, timeout: float = 10.0, offline: bool = False):
        self.retries, self.backoff, self.timeout, self.offline = retries, backoff, timeout, offline
        self.requests = 0  # how many times a server (or file) was opened: lessons and tests read it

    def _open(self, url: str, offset: int):
        """A readable stream from ``offset``; returns (stream, offset actually honoured)."""
        parts = urllib.parse.urlsplit(url)
        self.requests += 1
        if parts.scheme == "file":
            f = open(urllib.request.url2pathname(parts.path), "rb")  # noqa: SIM115 (closed by the caller)
            f.seek(offset)
            return f, offset
        if parts.scheme not in {"http", "https"}:
            raise NetworkError(f"cannot fetch {url}: only http(s):// and file:// URLs are supported.")
        if self.offline:
            raise OfflineError(f"offline mode is on, so {url} was not downloaded.")
        request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
        response = urllib.request.urlopen(request, timeout=self.timeout)
        honoured = offset if response.status == 206 else 0  # a server without Range support starts over
        return response, honoured

    def _attempt(self, file: RemoteFile, part: _Partial, bar) -> None:
        """One try: append to the temp file from the bytes it already holds.

        The hash runs in a second thread, one buffer behind the network: sha256
        (about 1.5 GB/s here) and receiving then overlap instead of taking turns.
        A single worker keeps the blocks in order; a ring of buffers keeps a block
        from being overwritten before it is hashed.
        """
        stream, start = self._open(file.url, part.done)
        with stream, open(part.path, "ab", buffering=0) as out, ThreadPoolExecutor(1) as hasher:
            if start != part.done:  # the server ignored Range: start over
                if bar is not None:
                    bar.update(-part.done)
                part.restart()
            ring = [memoryview(bytearray(CHUNK)) for _ in range(RING)]
            pending: list = [None] * RING
            try:
                for i in itertools.count():
                    slot = i % RING
                    if pending[slot] is not None:
                        pending[slot].result()
                    n = stream.readinto(ring[slot])
                    if not n:
                        break
                    out.write(ring[slot][:n])
                    pending[slot] = hasher.submit(part.digest.update, ring[slot][:n])
                    part.done += n
                    if bar is not None:
                        bar.update(n)
                    if part.done > file.size:  # too many bytes: stop, verification will refuse them
                        break
            finally:
                for future in pending:  # the digest must cover exactly the bytes written, even on error
                    if future is not None:
                        future.result()
        if part.done < file.size:
            raise ShortRead(part.done)

    def fetch(self, file: RemoteFile, cache: Cache, *, bar=None) -> Path:
        """Download ``file`` into ``cache`` and return its blob path, or raise."""
        fd, temp = cache.temp_file(file.sha256[:16])
        os.close(fd)
        part, last_error = _Partial(temp), None
        try:
            for attempt in range(self.retries + 1):
                if attempt:
                    time.sleep(self.backoff * 2 ** (attempt - 1))
                try:
                    self._attempt(file, part, bar)
                    break
                except ShortRead:
                    last_error = f"the connection closed after {part.done} of {file.size} bytes"
                except urllib.error.HTTPError as exc:
                    if exc.code in (404, 410):
                        raise NetworkError(
                            f"{file.url} answered {exc.code} {exc.reason}: the zoo's index lists a file the server "
                            "does not have. Rebuild or re-serve the zoo."
                        ) from None
                    last_error = f"HTTP {exc.code} {exc.reason}"
                except (TimeoutError, socket.timeout):
                    last_error = f"no data for {self.timeout} s (raise Loader(timeout=...) for a slow server)"
                except (urllib.error.URLError, ConnectionError, http.client.HTTPException, OSError) as exc:
                    if isinstance(exc, OfflineError):
                        raise
                    reason = getattr(exc, "reason", exc)
                    last_error = f"{type(reason).__name__}: {reason}"
            else:
                raise NetworkError(
                    f"could not download {file.url} after {self.retries + 1} tries: {last_error}. "
                    "Check that the zoo server is running and reachable, then fetch again; "
                    "models already in the cache still load with offline=True."
                )
            check_bytes(
                f"the download of {file.url}",
                size=file.size,
                sha256=file.sha256,
                actual_size=part.done,
                actual_sha256=part.digest.hexdigest(),
                fix="The server sent other bytes than its index promises: the file was tampered with or the zoo "
                "was rebuilt without its index. Nothing was cached; rebuild or re-serve the zoo.",
            )
            return cache.commit_blob(temp, file.sha256)
        finally:
            temp.unlink(missing_ok=True)  # gone already after a commit; removed on any failure
