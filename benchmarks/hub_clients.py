"""The workbook's loader against huggingface_hub's ``snapshot_download``: one server, the same MiniLM files, cold caches.

Both download ``minilm-l6`` (about 92 MB, 12 files) from one
``python -m zoo_patterns serve`` in its own process, each into a fresh, empty
cache, in interleaved rounds so machine noise hits both alike. The loader
streams every file through sha256 and checks it against the index before it
keeps it; ``snapshot_download`` (8 threads) checks only that each file has the
announced size (lesson 15). Goal: the loader at least 1.0x snapshot_download's
throughput while verifying. The figures are printed whether the goal holds or not.

Run: ``python benchmarks/hub_clients.py [--rounds 5]`` (``make bench`` runs all benchmarks).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 1.0


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    from zoo_patterns.zoo import ensure_built_once

    zoo = ensure_built_once()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen(
        [sys.executable, "-m", "zoo_patterns", "serve", "--dir", str(zoo), "--port", str(port)], stdout=subprocess.PIPE, text=True
    )
    server.stdout.readline()  # "serving ..." once it listens
    work = Path(tempfile.mkdtemp(prefix="zoo-bench-hubs-"))
    # huggingface_hub reads HF_ENDPOINT when imported: set it first.
    os.environ.update({"HF_ENDPOINT": url.rstrip("/"), "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"})
    from huggingface_hub import snapshot_download

    import zoo_patterns as zp
    from zoo_patterns.loader import Cache, Loader

    zp.quiet()
    size = sum(p.stat().st_size for p in (zoo / "minilm-l6").rglob("*") if p.is_file())
    t_loader, t_hf = [], []
    try:
        for i in range(args.rounds):
            cache = work / f"loader-{i}"
            t0 = time.perf_counter()
            Loader(zoo=url, cache=Cache(cache), progress=False).fetch("minilm-l6")
            t_loader.append(time.perf_counter() - t0)
            hf = work / f"hf-{i}"
            t0 = time.perf_counter()
            snapshot_download("zoo-patterns/minilm-l6", cache_dir=str(hf))
            t_hf.append(time.perf_counter() - t0)
            shutil.rmtree(cache)
            shutil.rmtree(hf)
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    loader_mbs = size / statistics.median(t_loader) / 1e6
    hf_mbs = size / statistics.median(t_hf) / 1e6
    ratio = loader_mbs / hf_mbs
    print(f"minilm-l6, {size / 1e6:.1f} MB, {args.rounds} interleaved rounds, cold caches, medians")
    print(
        f"  workbook loader (sha256 of every file, verified)  {loader_mbs:7.1f} MB/s   rounds: {', '.join(f'{t:.2f}s' for t in t_loader)}"
    )
    print(
        f"  snapshot_download (size check only, 8 threads)    {hf_mbs:7.1f} MB/s   rounds: {', '.join(f'{t:.2f}s' for t in t_hf)}"
    )
    print(f"  ratio loader / snapshot_download: {ratio:.2f}x (goal >= {GOAL:.1f}x: {'holds' if ratio >= GOAL else 'NOT met'})")
    return {"loader_mbs": loader_mbs, "hf_mbs": hf_mbs, "ratio": ratio}


if __name__ == "__main__":
    main()
