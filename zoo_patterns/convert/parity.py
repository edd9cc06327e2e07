"""Parity: prove a converted model computes what the original computes, and say where it stops.

``parity(reference, candidate, inputs)`` runs both on the same inputs and
reports the max absolute and relative difference, the mean cosine similarity
and how often the argmax agrees. Above the tolerance it raises
:class:`ParityError`, and first it compares the two models layer by layer to
name the **first layer whose output diverges**: the layers before it were
converted right, so the bug is in that layer's rule (a kernel layout, an
epsilon, a padding, a flatten order). That search is lesson 09's debugging skill.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ParityError
from .graph import run, trace


@dataclass(frozen=True)
class ParityReport:
    max_abs: float
    max_rel: float
    cosine: float
    argmax_agreement: float
    tolerance: float
    divergent: str = ""  # "layer 4 (l04_conv2d): max |diff| 2.1e-02", when located
    layers: tuple[tuple[str, float], ...] = field(default=())  # (layer, max |diff|) up to the divergent one

    @property
    def passed(self) -> bool:
        return self.max_abs <= self.tolerance

    def summary(self) -> str:
        verdict = "ok" if self.passed else "FAILED"
        text = (
            f"parity {verdict}: max |diff| {self.max_abs:.2e} (tolerance {self.tolerance:.0e}), max rel {self.max_rel:.2e}, "
            f"cosine {self.cosine:.6f}, argmax agreement {self.argmax_agreement:.1%}"
        )
        return text + (f"; first divergent layer: {self.divergent}" if self.divergent else "")

    def to_dict(self) -> dict:
        return {
            "max_abs": float(self.max_abs),
            "max_rel": float(self.max_rel),
            "cosine": float(self.cosine),
            "argmax_agreement": float(self.argmax_agreement),
            "tolerance": float(self.tolerance),
        }


def compare(reference: np.ndarray, candidate: np.ndarray) -> tuple[float, float, float, float]:
    """(max abs diff, max relative diff, mean cosine, argmax agreement) of two output batches."""
    a = np.asarray(reference, dtype=np.float64).reshape(len(reference), -1)
    b = np.asarray(candidate, dtype=np.float64).reshape(len(candidate), -1)
    if a.shape != b.shape:
        raise ParityError(
            ParityReport(float("inf"), float("inf"), 0.0, 0.0, 0.0, f"output shapes differ: {a.shape} vs {b.shape}")
        )
    diff = np.abs(a - b)
    max_abs = float(diff.max(initial=0.0))
    max_rel = max_abs / max(float(np.abs(a).max(initial=0.0)), 1e-12)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    cosine = float(np.mean(np.where(norms > 0, (a * b).sum(axis=1) / np.maximum(norms, 1e-300), 1.0)))
    agree = float(np.mean(a.argmax(axis=1) == b.argmax(axis=1))) if a.shape[1] > 1 else 1.0
    return max_abs, max_rel, cosine, agree


def locate(reference, candidate, inputs: np.ndarray, tolerance: float) -> tuple[str, tuple[tuple[str, float], ...]]:
    """The first layer whose output differs by more than ``tolerance`` (relative to its scale)."""
    ref, cand = trace(reference, inputs), trace(candidate, inputs)
    if ref is None or cand is None:
        return "", ()
    if len(ref) != len(cand):
        return f"the two models have {len(ref)} and {len(cand)} layers, so they cannot be compared one by one", ()
    seen = []
    for i, ((name, a), (cname, b)) in enumerate(zip(ref, cand, strict=True)):
        if a.shape != b.shape:
            return f"layer {i} ({name} vs {cname}): output shapes {a.shape} vs {b.shape}", tuple(seen)
        diff = float(np.abs(a - b).max(initial=0.0))
        seen.append((name, diff))
        if diff > tolerance * max(1.0, float(np.abs(a).max(initial=0.0))):
            return f"layer {i} ({name} -> {cname}): max |diff| {diff:.2e}", tuple(seen)
    return "", tuple(seen)


def parity(reference, candidate, inputs: np.ndarray, *, tolerance: float = 1e-5, check: bool = True) -> ParityReport:
    """Run both models on ``inputs`` (NCHW, or 2-D) and compare; raise :class:`ParityError` above ``tolerance``."""
    inputs = np.asarray(inputs, dtype=np.float32)
    max_abs, max_rel, cosine, agree = compare(run(reference, inputs), run(candidate, inputs))
    report = ParityReport(max_abs, max_rel, cosine, agree, tolerance)
    if not report.passed:
        divergent, layers = locate(reference, candidate, inputs, tolerance)
        report = ParityReport(max_abs, max_rel, cosine, agree, tolerance, divergent, layers)
        if check:
            raise ParityError(report)
    return report
