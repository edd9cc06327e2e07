"""The fault matrix: the same faults against every hub's own client and the workbook's loader (lesson 15).

Rows are faults, columns are clients, and each cell is what the user got:

- ``raised``: the call failed, and the next one (fault gone) was right;
- ``recovered``: the call gave the right bytes anyway;
- ``served bad bytes``: the call handed back wrong bytes, with no error;
- ``left bad bytes in the cache``: the call failed, but the next call, with
  the server healthy again, is still wrong: the client trusts what it cached.

Each framework's clients run in their own process (:mod:`.probe`), started once, and are
told to fetch into a fresh cache per cell.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .probe import CLIENTS, WEIGHT_PATHS

FAULTS = {
    "truncated body": "truncate",
    "same-length corrupted body": "corrupt",
    "connection dropped mid-body": "drop",
    "corrupted file already in the cache": None,  # poisoned on disk after a clean download
}
RAISED, RECOVERED, SERVED_BAD, CACHED_BAD = "raised", "recovered", "served bad bytes", "left bad bytes in the cache"


def client_env(url: str, home: Path) -> dict[str, str]:
    """What each hub's client reads at import: where the hub is, where its cache goes, no telemetry."""
    url = url.rstrip("/")
    return {
        **os.environ,
        "HF_ENDPOINT": url,
        "HF_HOME": str(home / "hf"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "MXNET_GLUON_REPO": url + "/mxnet/",
        "TORCH_HOME": str(home / "torch"),
        "TFHUB_CACHE_DIR": str(home / "tfhub"),
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }


class ClientProcess:
    """Clients imported once in their own process; ``fetch(cache)`` and ``poison(cache)`` on command.

    ``ClientProcess("torch.hub,torch.hub check_hash", ...)`` holds two clients of one framework
    (one import); ``for_client(name)`` is the view that commands one of them.
    """

    def __init__(self, client: str, url: str, zoo, home: Path):
        self.client = client
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "zoo_patterns.hub_clients.probe", client, url, str(zoo)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=client_env(url, home),
        )
        self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.client} probe died (run python -m zoo_patterns.hub_clients.probe to see why)")
        return json.loads(line)

    def _ask(self, op: str, cache: Path, client: str | None = None) -> dict:
        self.proc.stdin.write(json.dumps({"op": op, "client": client or self.client, "cache": str(cache)}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def fetch(self, cache: Path) -> dict:
        return self._ask("fetch", cache)

    def poison(self, cache: Path) -> dict:
        return self._ask("poison", cache)

    def for_client(self, client: str) -> ClientProcess:
        view = object.__new__(ClientProcess)
        view.client, view.proc = client, self.proc
        return view

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def classify(first: dict, second: dict) -> str:
    """The cell, from a call under the fault and a call after it (server healthy)."""
    if first["raised"] is None and not first["good"]:
        return SERVED_BAD
    if second["raised"] is not None or not second["good"]:
        return CACHED_BAD
    return RAISED if first["raised"] is not None else RECOVERED


def measure_cell(server, proc: ClientProcess, fault: str | None, cache: Path) -> tuple[str, dict, dict]:
    """One cell: (outcome, first call, second call)."""
    injected = None
    if fault is None:
        clean = proc.fetch(cache)
        assert clean["good"], f"{proc.client} could not fetch from a healthy server: {clean}"
        proc.poison(cache)
    else:
        injected = server.fault(WEIGHT_PATHS[proc.client], fault)
    try:
        first = proc.fetch(cache)
    finally:
        if injected is not None:
            server.remove_fault(injected)
    second = proc.fetch(cache)
    return classify(first, second), first, second


def measure(server, zoo, clients=tuple(CLIENTS), faults=tuple(FAULTS), workdir: Path | None = None, parallel: int = 3) -> dict:
    """``{fault row: {client: (outcome, first call, second call)}}``, every client against every fault."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="fault-matrix-"))
    table: dict[str, dict] = {row: {} for row in faults}

    def column(group: list[str]) -> None:
        with ClientProcess(",".join(group), server.url, zoo, workdir / "home") as shared:
            for client in group:
                proc = shared.for_client(client)
                for i, row in enumerate(faults):
                    cache = workdir / f"{client.replace(' ', '-').replace('.', '-')}-{i}"
                    shutil.rmtree(cache, ignore_errors=True)  # cold: every cell starts from an empty cache
                    table[row][client] = measure_cell(server, proc, FAULTS[row], cache)

    # Clients whose weights travel on different paths run side by side (a fault is per path);
    # the two torch.hub columns share a path, so they run one after the other, in one process.
    groups: dict[str, list[str]] = {}
    for client in clients:
        groups.setdefault(WEIGHT_PATHS[client], []).append(client)
    with ThreadPoolExecutor(parallel) as pool:
        for done in [pool.submit(column, g) for g in groups.values()]:
            done.result()
    return {row: {c: cells[c] for c in clients} for row, cells in table.items()}


def format_table(table: dict) -> str:
    clients = list(next(iter(table.values())))
    width = max(len(RAISED), len(CACHED_BAD))
    lines = [f"{'fault':36} | " + " | ".join(f"{c:{width}}" for c in clients)]
    lines.append("-" * len(lines[0]))
    for row, cells in table.items():
        lines.append(f"{row:36} | " + " | ".join(f"{cells[c][0]:{width}}" for c in clients))
    return "\n".join(lines)


# Measured with huggingface_hub 2.4, tensorflow_hub 0.16.1 (TF 2.21), mxnet 1.9.1 and torch 2.13 (docs/hubs.md).
# A new client release that changes a cell makes lesson 15 and tests/test_hubs.py fail and name the cell.
EXPECTED = {
    "truncated body": {
        "huggingface_hub": RAISED,
        "tensorflow_hub": RAISED,
        "mxnet_store": RAISED,
        "torch.hub": CACHED_BAD,
        "torch.hub check_hash": RAISED,
        "zoo loader": RAISED,
    },
    "same-length corrupted body": {
        "huggingface_hub": SERVED_BAD,
        "tensorflow_hub": CACHED_BAD,
        "mxnet_store": RAISED,
        "torch.hub": SERVED_BAD,
        "torch.hub check_hash": RAISED,
        "zoo loader": RAISED,
    },
    "connection dropped mid-body": {
        "huggingface_hub": RAISED,
        "tensorflow_hub": RAISED,
        "mxnet_store": RAISED,
        "torch.hub": CACHED_BAD,
        "torch.hub check_hash": RAISED,
        "zoo loader": RAISED,
    },
    "corrupted file already in the cache": {
        "huggingface_hub": SERVED_BAD,
        "tensorflow_hub": CACHED_BAD,
        "mxnet_store": RECOVERED,
        "torch.hub": SERVED_BAD,
        "torch.hub check_hash": SERVED_BAD,
        "zoo loader": RECOVERED,
    },
}


def differences(table: dict, expected: dict = EXPECTED) -> list[str]:
    """The cells that differ from what was measured when the lesson was written, one line each."""
    return [
        f"{row} / {client}: expected {expected[row][client]!r}, measured {cells[client][0]!r}"
        for row, cells in table.items()
        for client in cells
        if client in expected.get(row, {}) and cells[client][0] != expected[row][client]
    ]
