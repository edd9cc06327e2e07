"""WEAT against a brute-force reference: the definitions of issue 13, computed the slow, obvious way."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from zoo_patterns.audit import AuditError, weat


def table_encoder(vectors: dict[str, np.ndarray]):
    return lambda words: np.stack([vectors[w] for w in words])


def reference(vectors, X, Y, A, B):
    """Loops only: s, statistic, effect size (ddof=1), exact one-sided p over all equal-size partitions."""

    def cos(u, v):
        return float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))

    def s(w):
        return sum(cos(vectors[w], vectors[a]) for a in A) / len(A) - sum(cos(vectors[w], vectors[b]) for b in B) / len(B)

    def stat(xs, ys):
        return sum(s(x) for x in xs) - sum(s(y) for y in ys)

    observed = stat(X, Y)
    every = [*X, *Y]
    values = [s(w) for w in every]
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    effect = (sum(s(x) for x in X) / len(X) - sum(s(y) for y in Y) / len(Y)) / sd
    partitions = list(itertools.combinations(every, len(X)))
    greater = sum(stat(xi, [w for w in every if w not in xi]) > observed + 1e-12 for xi in partitions)
    return observed, effect, greater / len(partitions)


def synthetic(n_targets=5, n_attributes=4, dim=16, shift=0.8, seed=0):
    """X leans towards A and Y towards B by construction: a case with a known direction."""
    rng = np.random.default_rng(seed)
    a_dir, b_dir = rng.normal(size=dim), rng.normal(size=dim)
    words = {}
    X = [f"x{i}" for i in range(n_targets)]
    Y = [f"y{i}" for i in range(n_targets)]
    A = [f"a{i}" for i in range(n_attributes)]
    B = [f"b{i}" for i in range(n_attributes)]
    for w in A:
        words[w] = a_dir + 0.5 * rng.normal(size=dim)
    for w in B:
        words[w] = b_dir + 0.5 * rng.normal(size=dim)
    for w in X:
        words[w] = shift * a_dir + rng.normal(size=dim)
    for w in Y:
        words[w] = shift * b_dir + rng.normal(size=dim)
    return words, X, Y, A, B


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_the_brute_force_reference(seed):
    words, X, Y, A, B = synthetic(seed=seed)
    result = weat(table_encoder(words), X, Y, A, B)
    statistic, effect, p = reference(words, X, Y, A, B)
    assert result.exact and result.partitions == math.comb(10, 5)
    assert abs(result.statistic - statistic) < 1e-9 and abs(result.effect_size - effect) < 1e-9
    assert result.p_value == p  # exact: the same count over the same 252 partitions
    assert result.effect_size > 1.0 and result.p_value < 0.05  # the direction built into the data is found


def test_p_value_comes_from_the_permutation_distribution():
    words, X, Y, A, B = synthetic(seed=3)
    forward = weat(table_encoder(words), X, Y, A, B)
    backward = weat(table_encoder(words), Y, X, A, B)  # swapping targets mirrors the distribution
    assert forward.statistic == pytest.approx(-backward.statistic)
    assert forward.p_value + backward.p_value <= 1.0
    sampled = weat(table_encoder(words), X, Y, A, B, permutations=5000, seed=1)
    assert not sampled.exact and sampled.partitions == 5000
    assert abs(sampled.p_value - forward.p_value) < 0.02  # sampling approximates the exact count
    assert sampled.p_value == weat(table_encoder(words), X, Y, A, B, permutations=5000, seed=1).p_value  # seeded


def test_no_association_gives_a_large_p_value():
    rng = np.random.default_rng(5)
    names = [*(f"x{i}" for i in range(6)), *(f"y{i}" for i in range(6)), "a0", "a1", "b0", "b1"]
    words = {w: rng.normal(size=32) for w in names}
    result = weat(table_encoder(words), [f"x{i}" for i in range(6)], [f"y{i}" for i in range(6)], ["a0", "a1"], ["b0", "b1"])
    assert 0.05 < result.p_value < 0.95 and abs(result.effect_size) < 1.0


def test_large_sets_are_sampled_with_the_seed():
    words, X, Y, A, B = synthetic(n_targets=10, seed=4)  # C(20, 10) = 184,756 > 100,000
    result = weat(table_encoder(words), X, Y, A, B)
    assert not result.exact and result.partitions == 10_000


def test_refusals():
    words, X, Y, A, B = synthetic()
    with pytest.raises(AuditError, match="same size"):
        weat(table_encoder(words), X, Y[:-1], A, B)
    with pytest.raises(AuditError, match="same association"):  # a constant encoder: every vector equal
        weat(lambda ws: np.ones((len(ws), 8)), X, Y, A, B)
    tied = dict(words)
    for w in [*X, *Y]:  # zero variance of s: every target identical
        tied[w] = np.ones(16)
    with pytest.raises(AuditError, match="same association"):
        weat(table_encoder(tied), X, Y, A, B)
    zero = dict(words, a0=np.zeros(16))
    with pytest.raises(AuditError, match="zero vector"):
        weat(table_encoder(zero), X, Y, A, B)
