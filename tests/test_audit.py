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
    as_extreme = sum(stat(xi, [w for w in every if w not in xi]) >= observed - 1e-12 for xi in partitions)
    return observed, effect, as_extreme / len(partitions)  # the observed partition is one of those counted


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
    # each side counts the observed partition (and no other partition ties with it here)
    assert forward.p_value + backward.p_value == pytest.approx(1 + 1 / forward.partitions)
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


# -- SEAT templates, word lists, records in cards ------------------------------------------------
def hashed_encoder(calls: list | None = None, dim: int = 24):
    """A deterministic fake sentence encoder: each distinct string gets its own random vector."""

    def encode(texts):
        if calls is not None:
            calls.append(list(texts))
        return np.stack([np.random.default_rng(abs(hash(t)) % 2**32).normal(size=dim) for t in texts])

    return encode


def test_seat_words_are_the_mean_of_their_template_sentences():
    from zoo_patterns.audit.seat import seat_encoder, sentences
    from zoo_patterns.data.words import TEMPLATES

    enc = hashed_encoder()
    assert sentences("Sarah") == [t.format("Sarah") for t in TEMPLATES["name"]]
    assert sentences("physics") == [t.format("physics") for t in TEMPLATES["noun"]]
    got = seat_encoder(enc)(["Sarah", "physics"])
    for row, word in zip(got, ["Sarah", "physics"], strict=True):
        mean = enc(sentences(word)).mean(axis=0)
        np.testing.assert_allclose(row, mean / np.linalg.norm(mean), atol=1e-12)


def test_word_lists_are_balanced_and_disjoint():
    from zoo_patterns.data.words import IDENTITY, TESTS, WORDS

    for _, *sets in TESTS:
        assert len({len(WORDS[s]) for s in sets}) == 1, sets  # WEAT needs equal target sets; we keep all equal
        words = [w for s in sets for w in WORDS[s]]
        assert len(words) == len(set(words)), f"a word appears twice in {sets}"
    for dim, groups in IDENTITY.items():
        assert len(groups) >= 2 and len({len(t) for t in groups.values()}) == 1, dim


def test_run_tests_encodes_each_word_once():
    from zoo_patterns.audit import run_tests
    from zoo_patterns.data.words import TESTS, WORDS

    calls: list = []
    results = run_tests(hashed_encoder(calls))
    assert list(results) == [t[0] for t in TESTS]
    encoded = [s for call in calls for s in call]
    words = {w for _, *sets in TESTS for s in sets for w in WORDS[s]}
    assert len(encoded) == len(set(encoded)) == 4 * len(words)


def small_card(**changes):
    from tests.helpers import make_card

    return make_card(**{"name": "enc", **changes})


def test_audit_records_round_trip_through_the_card_and_replace_older_ones():
    from zoo_patterns.audit import record_audit, records, run_tests
    from zoo_patterns.cards import AUDIT_HEADING, ModelCard

    results = run_tests(hashed_encoder())
    recs = records(results, date="2026-01-02")
    card = record_audit(small_card(), recs)
    text = card.to_markdown()
    assert AUDIT_HEADING in text and "2026-01-02" in text and "| male-female names/career-family |" in text
    back = ModelCard.from_markdown(text)
    assert back.audits == recs and back == card.replace(description=back.description)
    # a second audit of one test replaces its row; the others stay, the body is regenerated once
    newer = record_audit(back, [recs[0].__class__(**{**recs[0].__dict__, "date": "2026-02-03"})])
    assert [a.test for a in newer.audits] == [a.test for a in recs[1:]] + [recs[0].test]
    assert newer.to_markdown().count(AUDIT_HEADING) == 1 and "2026-02-03" in newer.to_markdown()
    # a hand-written body keeps its own sections around the audit section
    custom = record_audit(small_card(description="# enc\n\nMine.\n\n## Contact\n- me"), recs)
    body = custom.to_markdown()
    assert "Mine." in body and "## Contact" in body and AUDIT_HEADING in body
    assert "audits" not in small_card().to_dict(), "a card without an audit keeps its old front matter"


def test_audit_date_follows_source_date_epoch(monkeypatch):
    from zoo_patterns.audit import audit_date

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert audit_date() == "2023-11-14"


# -- counterfactual audit -------------------------------------------------------------------------
def test_counterfactual_flips_and_group_accuracy_find_a_planted_bias():
    from zoo_patterns.audit import counterfactual_audit, counterfactuals

    texts = [f"message number {i}" for i in range(40)]
    y = np.arange(40) % 2
    identity = {"pronoun": {"he": ("He",), "she": ("She",)}, "name": {"a": ("Ann", "Amy"), "b": ("Bob", "Ben")}}
    frames = {"pronoun": "{term} wrote. {msg}", "name": "I am {term}. {msg}"}
    variants = counterfactuals(texts, identity, frames)
    assert len(variants) == 40 * 6 and set(variants.columns) >= {"message", "dimension", "group", "term", "text"}

    def predict(batch):  # right on every message, except it flips the label when "She" is in it
        return np.array([(int(t.split()[-1]) % 2) ^ t.startswith("She") for t in batch])

    report = counterfactual_audit(predict, texts, y, identity=identity, frames=frames, n_boot=50, seed=0)
    flips = report.flip_rates("group").set_index(["dimension", "group"])["flip_rate"]
    assert flips[("pronoun", "she")] == 1.0 and flips[("pronoun", "he")] == 0.0 and flips[("name", "a")] == 0.0
    assert report.disagreement()["pronoun"] == 1.0 and report.disagreement()["name"] == 0.0
    table = report.accuracy_table().set_index(["dimension", "group"])
    assert table.loc[("pronoun", "she"), "accuracy"] == 0.0 and table.loc[("pronoun", "he"), "accuracy"] == 1.0
    assert (table["ci_low"] <= table["accuracy"] + 1e-12).all() and (table["accuracy"] <= table["ci_high"] + 1e-12).all()
    assert report.original_accuracy == 1.0
    with pytest.raises(AuditError, match="same number"):
        counterfactual_audit(predict, texts, y[:3], identity=identity, frames=frames)
    with pytest.raises(AuditError, match="no frame"):
        counterfactuals(texts, identity, {"name": frames["name"]})


def test_group_accuracy_comes_from_fairlearn_with_a_real_bootstrap():
    from zoo_patterns.audit import counterfactual_audit

    rng = np.random.default_rng(1)
    texts = [f"m {i}" for i in range(60)]
    y = rng.integers(0, 3, 60)

    def predict(batch):  # right about 70% of the time, the same for every group
        return np.array([y[int(t.split()[-1])] if int(t.split()[-1]) % 10 < 7 else -1 for t in batch])

    identity = {"name": {"a": ("Ann",), "b": ("Bob",)}}
    report = counterfactual_audit(predict, texts, y, identity=identity, frames={"name": "{term}: {msg}"}, n_boot=100)
    frame = report.accuracy["name"]
    assert type(frame).__module__.startswith("fairlearn")
    table = report.accuracy_table()
    assert (table["ci_high"] - table["ci_low"] > 0.05).all(), "60 messages cannot give a narrow interval"


# -- provenance and licence -----------------------------------------------------------------------
def test_the_workbook_zoo_passes_the_provenance_audit():
    from zoo_patterns.audit import audit_cards, cards_in
    from zoo_patterns.zoo import ensure_built_once

    cards = cards_in(ensure_built_once())
    assert len(cards) >= 10
    assert audit_cards(cards) == []


def test_provenance_audit_lists_missing_and_contradictory_fields():
    from zoo_patterns.audit import audit_cards, parent_of
    from zoo_patterns.cards import Metric, Provenance

    parent = small_card(name="base", license="Apache-2.0")
    good = small_card(name="child", license="Apache-2.0", provenance=Provenance("fine-tuned from base 1.0.0 (x)", "help-desk"))
    assert parent_of(good) == ("base", "1.0.0") and audit_cards([parent, good]) == []
    bad = [
        small_card(name="relicensed", license="MIT", provenance=Provenance("converted from base 1.0.0 (...)", "converter")),
        small_card(name="orphan", tags=("fine-tuned",)),
        small_card(name="lost", provenance=Provenance("quantised from missing 2.0 (...)", "int8")),
        small_card(name="old", license="Apache-2.0", provenance=Provenance("pruned from base 0.9.0 (...)", "pruning")),
        small_card(name="vague", license="unknown", biases=(), metrics=(Metric("accuracy", 0.9, " "),)),
    ]
    found = {(f.model, f.field, f.problem.split()[0]) for f in audit_cards([parent, *bad])}
    assert found == {
        ("relicensed", "license", "'MIT'"),
        ("orphan", "provenance.origin", "derived"),
        ("lost", "provenance.origin", "parent"),
        ("old", "provenance.origin", "names"),
        ("vague", "license", "'unknown'"),
        ("vague", "biases", "empty:"),
        ("vague", "metrics.accuracy", "no"),
    }


# -- the zoo's MiniLM card ------------------------------------------------------------------------
def test_minilm_card_holds_the_audit_measured_at_build_and_show_prints_it():
    import zoo_patterns as zp
    from tests.helpers import run_cli
    from zoo_patterns.audit import run_tests

    card = zp.card("minilm-l6")
    assert {a.test for a in card.audits} >= {"male-female names/career-family", "flowers-insects/pleasant-unpleasant (control)"}
    measured = run_tests(zp.load("minilm-l6", adapt=True, progress=False).predict)
    for record in card.audits:
        assert record.effect_size == pytest.approx(measured[record.test].effect_size, abs=1e-3), record.test
        assert record.p_value == pytest.approx(measured[record.test].p_value, abs=1e-3), record.test
    shown = run_cli("show", "minilm-l6")
    assert shown.returncode == 0, shown.stderr
    assert "## Bias audit (measured)" in shown.stdout and "| flowers-insects/pleasant-unpleasant (control) |" in shown.stdout
    assert "SEAT" in shown.stdout and card.audits[0].date in shown.stdout
