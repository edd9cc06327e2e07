"""WEAT/SEAT: does an encoder place one set of target words closer to one set of attributes than another?

For target sets X, Y and attribute sets A, B (all encoded by the same ``encode``):

- s(w, A, B) = mean over a in A of cos(w, a) - mean over b in B of cos(w, b);
- statistic  = sum over x in X of s(x, A, B) - sum over y in Y of s(y, A, B);
- effect size = (mean over X of s - mean over Y of s) / sample standard deviation (ddof = 1) of s over X and Y;
- p-value, one-sided, counting the observed split as one of the arrangements:
  - exact (every partition enumerated, when there are at most 100,000 of them):
    p = (partitions whose statistic is at least the observed one, the observed one included) / (all partitions);
  - sampled (``permutations`` random partitions drawn with ``seed``): p = (1 + count at least as extreme) /
    (1 + permutations), so that a sampled p is never 0 (Phipson & Smyth, 2010). Lesson 01's test uses the
    same convention.

An effect size says how far apart the two target sets sit, in standard deviations of s; the p-value
says how often a random split of the same words would sit further apart. With a handful of words per
set, neither can support a broad claim: lesson 11 shows both a measurable association and a claim the
data cannot carry.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import AuditError

EXACT_LIMIT = 100_000


@dataclass(frozen=True)
class WeatResult:
    statistic: float
    effect_size: float
    p_value: float
    associations: dict[str, float]  # s(w, A, B) for every target word, X first
    partitions: int  # how many partitions the p-value counts
    exact: bool  # True when every partition was enumerated

    def summary(self) -> str:
        how = "exact" if self.exact else f"{self.partitions:,} sampled partitions"
        return f"effect size {self.effect_size:+.3f}, p = {self.p_value:.4f} ({how}), statistic {self.statistic:+.4f}"


def _unit(vectors: np.ndarray, words: Sequence[str]) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or len(vectors) != len(words):
        raise AuditError(f"encode returned shape {vectors.shape} for {len(words)} strings; expected ({len(words)}, d).")
    norms = np.linalg.norm(vectors, axis=1)
    if np.any(norms == 0):
        zero = [w for w, n in zip(words, norms, strict=True) if n == 0]
        raise AuditError(f"encode returned a zero vector for {zero}: cosine is undefined. Check the encoder and the words.")
    return vectors / norms[:, None]


def associations(
    encode: Callable[[list[str]], np.ndarray], words: Sequence[str], A: Sequence[str], B: Sequence[str]
) -> np.ndarray:
    """s(w, A, B) for each word in ``words``."""
    w, a, b = (_unit(encode(list(s)), s) for s in (words, A, B))
    return (w @ a.T).mean(axis=1) - (w @ b.T).mean(axis=1)


def weat(
    encode: Callable[[list[str]], np.ndarray],
    X: Sequence[str],
    Y: Sequence[str],
    A: Sequence[str],
    B: Sequence[str],
    *,
    permutations: int | None = None,
    seed: int = 0,
) -> WeatResult:
    """The WEAT statistic, effect size and one-sided permutation p-value of targets X, Y against attributes A, B."""
    if len(X) != len(Y):
        raise AuditError(
            f"target sets must have the same size for the permutation test; got {len(X)} and {len(Y)}. Drop or add words."
        )
    if not X or not A or not B:
        raise AuditError("every set needs at least one word.")
    s = associations(encode, [*X, *Y], A, B)
    n = len(X)
    sx, sy = s[:n], s[n:]
    spread = float(np.std(s, ddof=1)) if len(s) > 1 else 0.0
    if spread == 0.0 or np.allclose(s, s[0], rtol=0, atol=1e-12):
        raise AuditError(
            f"every target word has the same association (s = {s[0]:.6f}): the effect size is undefined and every "
            "partition ties, so there is no p-value. Check that the encoder gives different words different vectors."
        )
    statistic = float(sx.sum() - sy.sum())
    effect = float((sx.mean() - sy.mean()) / spread)
    total = float(s.sum())
    count = math.comb(2 * n, n)
    if count <= EXACT_LIMIT and permutations is None:
        # statistic of a partition = sum over Xi - sum over Yi = 2 * sum over Xi - sum over all
        sums = np.fromiter((s[list(c)].sum() for c in itertools.combinations(range(2 * n), n)), dtype=np.float64, count=count)
        exact, tried = True, count
    else:
        tried = permutations or 10_000
        rng = np.random.default_rng(seed)
        sums = np.array([s[rng.permutation(2 * n)[:n]].sum() for _ in range(tried)])
        exact = False
    as_extreme = int(np.sum(2 * sums - total >= statistic - 1e-12))  # at least as large, float noise ignored
    # Exact: the observed split is among the partitions counted. Sampled: add it once, to count and total alike.
    p_value = as_extreme / tried if exact else (1 + as_extreme) / (1 + tried)
    words = [*X, *Y]
    return WeatResult(statistic, effect, p_value, dict(zip(words, map(float, s), strict=True)), tried, exact)
