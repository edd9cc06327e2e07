"""Serve a built zoo over HTTP on loopback, like a tiny model hub: GET, HEAD and byte ranges.

``python -m zoo_patterns serve --dir ZOO --port 8765`` runs until stopped.
In a notebook or a test, ``with ZooServer(zoo_dir()) as url:`` runs one in a
background thread. Python's ``SimpleHTTPRequestHandler`` has no ``Range``
support, which a resuming downloader needs, so :class:`ZooRequestHandler`
adds single byte ranges (``bytes=A-B``, ``bytes=A-``, ``bytes=-N``).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from pathlib import Path

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class ZooRequestHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection for all files of a model
    quiet = True

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        if not self.quiet:
            super().log_message(format, *args)

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
        match = _RANGE.match(header.strip())
        start, end = (match.group(1), match.group(2)) if match else ("", "")
        if not match or (start == "" and end == ""):
            self.send_error(416, "Only one byte range of the form bytes=A-B is supported")
            return None
        if start == "":
            first, last = max(size - int(end), 0), size - 1
        else:
            first, last = int(start), min(int(end) if end else size - 1, size - 1)
        if first >= size or first > last:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
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


def make_server(folder: str | Path, port: int = 0, *, host: str = "127.0.0.1", quiet: bool = True):
    folder = Path(folder).expanduser().resolve()
    if not (folder / "index.json").is_file():
        raise FileNotFoundError(
            f"{folder} has no index.json, so it is not a built zoo. Build one with `python -m zoo_patterns build --out {folder}`."
        )
    handler = functools.partial(type("Handler", (ZooRequestHandler,), {"quiet": quiet}), directory=os.fspath(folder))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


class ZooServer:
    """A zoo served from a background thread: ``with ZooServer(folder) as url: ...``."""

    def __init__(self, folder: str | Path, port: int = 0, *, handler: type | None = None):
        self.server = make_server(folder, port)
        if handler is not None:  # tests inject faults with a handler subclass
            self.server.RequestHandlerClass = functools.partial(handler, directory=os.fspath(Path(folder).resolve()))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self._thread = threading.Thread(target=self.server.serve_forever, name="zoo-server", daemon=True)

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
