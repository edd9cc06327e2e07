"""Judging an optimisation: latency (p50, p90), size and quality, side by side from one run (lesson 10).

Timing rules that keep the numbers honest on a small shared CPU:

- warm up first (the first calls allocate, compile and fill caches), then time many
  calls and report the median (p50) and the 90th percentile (p90), not the mean;
- fix the thread count and say it: :func:`threads` sets torch's and is passed to ONNX
  Runtime and LiteRT; ONNX Runtime sessions never spin-wait (``quantize.onnx_session``);
- compare variants measured in the same process, in interleaved rounds (:func:`measure_rounds`),
  as ratios.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


def latency(fn: Callable[[], object], *, warmup: int = 3, repeats: int = 20) -> tuple[float, float]:
    """(p50, p90) of ``fn()`` in milliseconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    p50, p90 = np.percentile(times, [50, 90])
    return float(p50 * 1e3), float(p90 * 1e3)


@contextlib.contextmanager
def threads(n: int):
    """torch uses ``n`` threads inside the block (put back after)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(before)


def size_mb(*paths: str | Path) -> float:
    """Bytes on disk of the files (or folders) that make up a model, in MB."""
    total = 0
    for path in map(Path, paths):
        total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size
    return total / 1e6


def torch_size_mb(module) -> float:
    """The size of a torch module's state dict as saved by torch (quantised weights included)."""
    import io

    import torch

    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    return buffer.getbuffer().nbytes / 1e6


@dataclass
class Row:
    """One line of the results table: a method in a runtime, measured."""

    model: str
    method: str
    runtime: str
    size_mb: float
    quality: float
    quality_name: str
    latency: dict[str, tuple[float, float]] = field(default_factory=dict)  # "b1", "b32" -> (p50, p90) ms
    notes: str = ""

    def p50(self, key: str = "b1") -> float:
        return self.latency[key][0] if key in self.latency else float("nan")


def measure(row: Row, predict: Callable[[np.ndarray], object], batches: dict[str, np.ndarray], *, repeats: int = 20) -> Row:
    """Fill ``row.latency`` with (p50, p90) for each named batch."""
    return measure_rounds([(row, predict, batches)], repeats=repeats, rounds=1)[0]


def measure_rounds(
    entries: Iterable[tuple[Row, Callable, dict]], *, repeats: int | dict[str, int] = 20, rounds: int = 3
) -> list[Row]:
    """Time every ``(row, predict, batches)`` in interleaved rounds and keep each one's fastest round.

    On a shared machine a busy moment slows whatever runs during it. Measured one after another,
    one variant takes the whole hit and a ratio flips; measured in rounds, every variant meets the
    busy moment in at most one round, and the best round of each is what the hardware can do.
    ``repeats`` may differ per batch name (cheap batch-1 calls can afford more).
    """
    entries = list(entries)
    for done in range(rounds):
        for row, predict, batches in entries:
            for key, x in batches.items():
                n = repeats[key] if isinstance(repeats, dict) else repeats
                got = latency(lambda x=x, predict=predict: predict(x), warmup=1 if done else 3, repeats=n)  # warm after round 1
                if key not in row.latency or got[0] < row.latency[key][0]:
                    row.latency[key] = got
    return [row for row, _, _ in entries]


def _num(value: float, fmt: str, width: int) -> str:
    return f"{'-':>{width}}" if np.isnan(value) else f"{value:{width}{fmt}}"


def table(rows: Iterable[Row], baseline: dict[str, Row] | None = None) -> str:
    """A plain-text table; with ``baseline`` (model -> row), speed-up and size ratios too. '-' is not measured."""
    rows = list(rows)
    head = f"{'model':7} {'method':22} {'runtime':11} {'MB':>6} {'b1 p50':>7} {'b1 p90':>7} {'b32 p50':>8} {'b32 p90':>8} {'quality':>7}"
    if baseline:
        head += f" {'faster b1':>9} {'faster b32':>10} {'smaller':>7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        b1, b32 = r.latency.get("b1", (float("nan"),) * 2), r.latency.get("b32", (float("nan"),) * 2)
        cells = [
            _num(r.size_mb, ".2f", 6),
            _num(b1[0], ".2f", 7),
            _num(b1[1], ".2f", 7),
            _num(b32[0], ".2f", 8),
            _num(b32[1], ".2f", 8),
        ]
        line = f"{r.model:7} {r.method:22} {r.runtime:11} {' '.join(cells)} {_num(r.quality, '.4f', 7)}"
        if baseline and r.model in baseline:
            base = baseline[r.model]
            ratios = (base.p50("b1") / r.p50("b1"), base.p50("b32") / r.p50("b32"), base.size_mb / r.size_mb)
            line += f" {_num(ratios[0], '.2f', 8)}x {_num(ratios[1], '.2f', 9)}x {_num(ratios[2], '.2f', 6)}x"
        lines.append(line + (f"  {r.notes}" if r.notes else ""))
    names = sorted({f"{r.model}: {r.quality_name}" for r in rows if r.quality_name})
    return "\n".join(lines + [f"quality = {'; '.join(names)}. Latency in ms (p50, p90), one thread."])


def plot(rows: Iterable[Row], key: str = "b32"):
    """Latency against quality, one panel per model, marker area for size (matplotlib axes)."""
    import matplotlib.pyplot as plt

    rows = [r for r in rows if key in r.latency]
    models = sorted({r.model for r in rows})
    fig, axes = plt.subplots(1, len(models), figsize=(6 * len(models), 4.2), squeeze=False)
    for ax, model in zip(axes[0], models, strict=True):
        mine = [r for r in rows if r.model == model]
        biggest = max(r.size_mb for r in mine)
        for r in mine:
            ax.scatter(r.p50(key), r.quality, s=40 + 900 * r.size_mb / biggest, alpha=0.5)
            ax.annotate(
                f"{r.method}\n{r.runtime}, {r.size_mb:.1f} MB", (r.p50(key), r.quality), fontsize=7, ha="center", va="bottom"
            )
        ax.set_xlabel(f"p50 latency at batch {key[1:]} (ms, lower is better)")
        ax.set_ylabel(mine[0].quality_name)
        ax.set_title(f"{model}: latency vs quality (area = size)")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return axes
