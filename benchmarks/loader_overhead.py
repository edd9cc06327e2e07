"""What the layered loader costs, measured side by side in one run.

1. A cached load of MiniLM through the loader (resolve, stamp-verify, decode)
   against ``AutoModel.from_pretrained`` on the same snapshot folder.
   Goal: at most 1.10x.
2. A fresh fetch of MiniLM over loopback HTTP (stream, hash, temp file,
   replace) from ``python -m zoo_patterns serve`` in its own process, against
   a plain copy of the same files. Goal: at least 50% of the copy's
   throughput. Two copies are timed: ``shutil.copytree`` (the kernel copies,
   nothing passes through Python) and a read/write loop in Python (what any
   downloader must at least do).

Run: ``python benchmarks/loader_overhead.py`` (``make bench`` runs all benchmarks).
Both figures are medians of interleaved repeats, so machine noise hits both sides alike.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def median_pair(a, b, repeats: int) -> tuple[float, float]:
    ta, tb = [], []
    for _ in range(repeats):  # interleaved: drift in machine speed affects both
        t0 = time.perf_counter()
        a()
        ta.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        b()
        tb.append(time.perf_counter() - t0)
    return statistics.median(ta), statistics.median(tb)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)

    import zoo_patterns as zp
    from zoo_patterns.loader import Loader
    from zoo_patterns.zoo import ensure_built_once

    zp.quiet()
    import torch
    from transformers import AutoModel

    torch.set_num_threads(1)
    zoo = ensure_built_once()
    work = Path(tempfile.mkdtemp(prefix="zoo-bench-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "zoo_patterns", "serve", "--dir", str(zoo), "--port", str(port)], stdout=subprocess.PIPE, text=True
    )
    server.stdout.readline()  # "serving ... at URL": it is listening
    url = f"http://127.0.0.1:{port}/"
    try:
        if True:
            # 1. cached load vs the framework's own load of the same files
            loader = Loader(zoo=url, cache=work / "cache", progress=False)
            folder = loader.fetch("minilm-l6").folder
            loader.load("minilm-l6"), AutoModel.from_pretrained(str(folder))  # warm both
            t_loader, t_native = median_pair(
                lambda: loader.load("minilm-l6"), lambda: AutoModel.from_pretrained(str(folder)).eval(), args.repeats
            )

            # 2. fresh loopback fetch vs a plain copy of the same bytes
            source = zoo / "minilm-l6"
            size = sum(p.stat().st_size for p in source.rglob("*") if p.is_file())
            runs = iter(range(10_000))

            def fetch():
                Loader(zoo=url, cache=work / f"fresh-{next(runs)}", progress=False).fetch("minilm-l6")

            def copy():
                shutil.copytree(source, work / f"copy-{next(runs)}")

            def python_copy(src: str, dst: str) -> None:
                with open(src, "rb") as fin, open(dst, "wb") as fout:
                    while block := fin.read(1 << 20):
                        fout.write(block)

            def copy_in_python():
                shutil.copytree(source, work / f"copy-{next(runs)}", copy_function=python_copy)

            n = max(3, args.repeats // 3)
            t_fetch, t_copy = median_pair(fetch, copy, n)
            _, t_pycopy = median_pair(lambda: None, copy_in_python, n)
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)

    load_ratio = t_loader / t_native
    throughput_ratio = t_copy / t_fetch
    python_ratio = t_pycopy / t_fetch
    print(
        f"cached load, MiniLM      loader {t_loader * 1e3:7.1f} ms   from_pretrained {t_native * 1e3:7.1f} ms   "
        f"ratio {load_ratio:.3f}x  (goal <= 1.10x)"
    )
    print(
        f"fresh fetch, {size / 1e6:.1f} MB   HTTP {size / t_fetch / 1e6:7.0f} MB/s   plain copy {size / t_copy / 1e6:7.0f} MB/s   "
        f"ratio {throughput_ratio:.2f}  (goal >= 0.50)"
    )
    print(
        f"                         HTTP {size / t_fetch / 1e6:7.0f} MB/s   Python read/write copy {size / t_pycopy / 1e6:7.0f} MB/s   "
        f"ratio {python_ratio:.2f}"
    )
    return {"load_ratio": load_ratio, "throughput_ratio": throughput_ratio, "python_copy_ratio": python_ratio}


if __name__ == "__main__":
    main()
