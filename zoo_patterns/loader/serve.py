"""Serve a built zoo over HTTP on loopback, like a tiny model hub: GET, HEAD and byte ranges.

``python -m zoo_patterns serve --dir ZOO --port 8765`` runs until stopped.
In a notebook or a test, ``with ZooServer(zoo_dir()) as url:`` runs one in a
background thread. Python's ``SimpleHTTPRequestHandler`` has no ``Range``
support, which a resuming downloader needs, so :class:`ZooRequestHandler`
adds single byte ranges (``bytes=A-B``, ``bytes=A-``, ``bytes=-N``).

This module is the HTTP front. Besides the zoo's own file routes
(``/index.json``, ``/<name>/<file>``) it answers four hubs' protocols, each in
its own module under :mod:`zoo_patterns.hubs` (Hugging Face at the root,
``/tfhub/``, ``/mxnet/``, ``/torchhub/``), applies the faults a lesson or a
test injects (:mod:`zoo_patterns.hubs.faults`), and writes one log line per
request: method, path, status, range, bytes (lesson 15's window on the wire).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import socket
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from .. import hubs
from ..hubs.faults import Faults, corrupt

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str, size: int):
    """``(first, last)`` for a single ``Range`` header, ``"bad"`` for a form we do not serve, ``None`` if unsatisfiable."""
    match = _RANGE.match(header.strip())
    start, end = (match.group(1), match.group(2)) if match else ("", "")
    if not match or (start == "" and end == ""):
        return "bad"
    if start == "":
        first, last = max(size - int(end), 0), size - 1
    else:
        first, last = int(start), min(int(end) if end else size - 1, size - 1)
    if first >= size or first > last:
        return None
    return first, last


class RequestLog:
    """One line per request: ``GET /path 200 range=bytes=0-99 bytes=100``; kept, and echoed or appended to a file."""

    def __init__(self, file: str | os.PathLike | None = None, echo: bool = False):
        self.lines: list[str] = []
        self.file = Path(file) if file else None
        self.echo = echo
        self._lock = threading.Lock()
        self._busy = 0
        self._idle = threading.Condition(self._lock)

    def begin(self) -> None:
        with self._lock:
            self._busy += 1

    def end(self) -> None:
        with self._lock:
            self._busy -= 1
            self._idle.notify_all()

    def settled(self, timeout: float = 10.0) -> list[str]:
        """The lines so far, once no request is half-answered: a client can read its answer
        a moment before the server's thread has written the line for it."""
        with self._idle:
            self._idle.wait_for(lambda: self._busy == 0, timeout)
            return list(self.lines)

    def write(self, method: str, path: str, status, rng: str | None, nbytes: int) -> None:
        line = f"{method} {path} {status} range={rng or '-'} bytes={nbytes}"
        with self._lock:
            self.lines.append(line)
            if self.file is not None:
                with open(self.file, "a", encoding="utf-8") as f:
                    f.write(line + "\n")
            if self.echo:
                print(line, file=sys.stderr, flush=True)


class ZooRequestHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection for all files of a model
    quiet = True

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        if not self.quiet:
            super().log_message(format, *args)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self._handle(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle(head=True)

    def send_response(self, code, message=None) -> None:
        self._status = code
        super().send_response(code, message)

    def send_header(self, keyword, value) -> None:
        if keyword.lower() == "content-length":
            self._length = int(value)
        super().send_header(keyword, value)

    def _handle(self, head: bool) -> None:
        self._status, self._length, self._sent = None, 0, None
        url = urlsplit(self.path)
        server = self.server
        log = getattr(server, "request_log", None)
        if log is not None:
            log.begin()
        try:
            answer = hubs.answer(server.zoo, self.command, url.path, url.query) if hasattr(server, "zoo") else None
            faults = getattr(server, "faults", None)
            fault = faults.take(url.path) if faults and not head else None
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.delay)
                fault = None
            if answer is None and fault is not None:  # a fault on one of the zoo's own files
                file = Path(self.translate_path(self.path))
                if file.is_file():
                    answer = hubs.Answer(200, {"Content-Type": self.guess_type(str(file))}, file=file)
            if answer is None:
                super().do_HEAD() if head else super().do_GET()
            else:
                self._write(answer, head, fault)
        finally:
            if log is not None:
                sent = self._sent if self._sent is not None else (0 if head else self._length)
                log.write(self.command, self.path, self._status, self.headers.get("Range"), sent)
                log.end()

    def _write(self, answer: hubs.Answer, head: bool, fault) -> None:
        body, file = answer.body, answer.file
        if fault is not None and fault.kind in ("truncate", "corrupt"):
            data = answer.read()
            body, file = (data[: len(data) // 2] if fault.kind == "truncate" else corrupt(data)), None
        size = file.stat().st_size if file is not None else len(body or b"")
        first, last, status = 0, size - 1, answer.status
        header = self.headers.get("Range")
        if header is not None and status == 200:
            got = byte_range(header, size)
            if got is None or got == "bad":
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                self._sent = 0
                return
            (first, last), status = got, 206
        self.range = (first, last) if status == 206 else None
        self.send_response(status)
        for key, value in answer.headers.items():
            self.send_header(key, value)
        if status == 206:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        length = max(last - first + 1, 0)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self._sent = 0
        if head or length == 0:
            return
        if fault is not None and fault.kind == "drop":  # announce it all, send half, hang up
            data = (file.read_bytes() if file is not None else body)[first : last + 1]
            self.wfile.write(data[: length // 2])
            self.wfile.flush()
            self._sent = length // 2
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if file is not None:
            with open(file, "rb") as f:
                f.seek(first)
                self.copyfile(f, self.wfile)
        else:
            self.wfile.write(body[first : last + 1])
        self._sent = length

    def list_directory(self, path):  # a hub serves files, not folder listings
        self.send_error(404, "No listing; read index.json")
        return None

    def send_head(self):
        self.range = None
        path = Path(self.translate_path(self.path))
        header = self.headers.get("Range")
        if header is None or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        got = byte_range(header, size)
        if got == "bad":
            self.send_error(416, "Only one byte range of the form bytes=A-B is supported")
            return None
        if got is None:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        first, last = got
        f = open(path, "rb")  # noqa: SIM115 (copyfile closes it)
        f.seek(first)
        self.range = (first, last)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.send_header("Content-Length", str(last - first + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return f

    def end_headers(self) -> None:
        if getattr(self, "range", None) is None and self.command in ("GET", "HEAD"):
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def copyfile(self, source, outputfile) -> None:
        remaining = None if self.range is None else self.range[1] - self.range[0] + 1
        try:
            # sendfile hands the copy to the kernel: loopback throughput close to a disk copy.
            self.connection.sendfile(source, offset=source.tell(), count=remaining)
        except (AttributeError, OSError, ValueError):
            super().copyfile(source, outputfile)


def make_server(
    folder: str | Path,
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    quiet: bool = True,
    log: str | os.PathLike | None = None,
    faults: Faults | None = None,
):
    """A threading HTTP server for the zoo at ``folder``: its files, four hubs' protocols, faults and a request log.

    ``quiet=False`` echoes the request log to stderr; ``log=FILE`` appends it to a file.
    """
    folder = Path(folder).expanduser().resolve()
    if not (folder / "index.json").is_file():
        raise FileNotFoundError(
            f"{folder} has no index.json, so it is not a built zoo. Build one with `python -m zoo_patterns build --out {folder}`."
        )
    handler = functools.partial(type("Handler", (ZooRequestHandler,), {"quiet": True}), directory=os.fspath(folder))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.zoo = hubs.Zoo(folder)
    server.faults = faults if faults is not None else Faults()
    server.request_log = RequestLog(log, echo=not quiet)
    return server


class ZooServer:
    """A zoo served from a background thread: ``with ZooServer(folder) as url: ...``.

    ``server.fault("*model.safetensors", "corrupt")`` injects a fault (see
    :mod:`zoo_patterns.hubs.faults`), ``server.clear_faults()`` removes them, and
    ``server.requests`` is the request log so far, one line per request.
    """

    def __init__(
        self,
        folder: str | Path,
        port: int = 0,
        *,
        handler: type | None = None,
        log: str | os.PathLike | None = None,
        verbose: bool = False,
    ):
        self.server = make_server(folder, port, log=log, quiet=not verbose)
        if handler is not None:  # tests inject faults with a handler subclass
            self.server.RequestHandlerClass = functools.partial(handler, directory=os.fspath(Path(folder).resolve()))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self._thread = threading.Thread(target=self.server.serve_forever, name="zoo-server", daemon=True)

    @property
    def requests(self) -> list[str]:
        """The request log so far (waits for requests being answered to finish)."""
        return self.server.request_log.settled()

    def fault(self, pattern: str, kind: str, *, times: int | None = None, delay: float = 1.0):
        """Apply a fault to the GETs whose path matches ``pattern`` (a glob): truncate, corrupt, drop or slow."""
        return self.server.faults.add(pattern, kind, times=times, delay=delay)

    def remove_fault(self, fault) -> None:
        self.server.faults.remove(fault)

    def clear_faults(self) -> None:
        self.server.faults.clear()

    def start(self) -> str:
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
