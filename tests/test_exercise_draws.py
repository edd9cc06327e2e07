"""The checks that draw their inputs fresh at each call cannot fail a correct answer by the luck of the draw.

A check draws new inputs each call so that no answer can be hard-coded. A draw that can make the right answer
ambiguous (a tie), or make two of the check's own cases collide, fails a correct answer some of the time: a flaky
check. Each test here calls a check many times with a correct answer that the old draw failed now and then (or looks
at the draws directly), so that such a draw coming back is caught.
"""

from __future__ import annotations

import importlib.metadata as md
import itertools

import numpy as np
import pytest

from zoo_patterns.exercises import Incorrect


def test_ex00_q3_redraws_a_package_whose_version_cannot_be_read(monkeypatch, capsys):
    from zoo_patterns.exercises import ex00

    real = md.version
    broken = {"broken-meta-a", "broken-meta-b"}

    def version(name):
        if name in broken:
            raise ValueError("no Version field")  # what broken metadata can raise, not PackageNotFoundError
        return real(name)

    fake_names = iter([["broken-meta-a", "pip", "broken-meta-b"], ["pip", "numpy", "packaging"]])
    monkeypatch.setattr(md, "version", version)
    monkeypatch.setattr("random.SystemRandom.sample", lambda self, population, k: next(fake_names))
    names = ex00._names_to_try()
    assert names[len(ex00.FRAMEWORKS) : -1] == ["pip", "numpy", "packaging"]


def test_ex01_q4_fresh_tables_have_a_clear_best_class_in_every_row(capsys):
    from zoo_patterns.exercises import ex01

    seen: list[np.ndarray] = []

    def top1_accuracy(logits, labels):
        seen.append(np.asarray(logits))
        return float((np.argmax(logits, axis=1) == labels).mean())

    for _ in range(30):
        seen.clear()
        ex01.q4.check(top1_accuracy)
        for logits in seen[2:6:2]:  # the two fresh tables' logits (then softmax, in turn); seen[0] is the notebook's
            top = np.sort(logits, axis=1)
            assert (top[:, -1] - top[:, -2] > 1e-3).all()


def test_ex04_q1_writes_every_case_to_its_own_file_even_when_two_names_are_drawn_equal(monkeypatch, tmp_path):
    from zoo_patterns.exercises import ex04

    draws = itertools.chain(["0badcafe", "0badcafe"], (f"{i:08x}" for i in itertools.count()))
    monkeypatch.setattr("secrets.token_hex", lambda n: next(draws))
    files = ex04._files(tmp_path)
    assert len({name for name, *_ in files.values()}) == len(files)
    for name, content, _, _ in files.values():
        assert (tmp_path / name).read_bytes() == content


def _choose_ties_to_the_more_accurate(rows):
    """Also the fastest row within 3 points of the best: on a tie in latency it takes the more accurate one."""
    best = max(r["accuracy"] for r in rows)
    within = [r for r in rows if r["accuracy"] >= best - 0.03]
    return min(within, key=lambda r: (r["latency ms"], -r["accuracy"], r["name"][::-1]))


def _frontier_by_a_sweep(rows):
    """The frontier by sorting on latency and keeping each row more accurate than every faster one."""
    kept, best = [], -1.0
    for r in sorted(rows, key=lambda r: (r["latency ms"], -r["accuracy"])):
        if r["accuracy"] > best:
            kept.append(r)
            best = r["accuracy"]
    return kept


def test_ex06_q3_passes_a_correct_rule_whatever_it_does_with_a_tie(capsys):
    from zoo_patterns.exercises import ex06

    for _ in range(300):  # the old draw failed this rule in about 6% of calls
        ex06.q3.check(_choose_ties_to_the_more_accurate)


def test_ex06_q2_tables_have_no_two_rows_equal_on_both_axes(capsys):
    from zoo_patterns.exercises import ex06

    for _ in range(500):
        rows = ex06._unseen_rows()
        assert len({(r["accuracy"], r["latency ms"]) for r in rows}) == len(rows)
    for _ in range(100):
        ex06.q2.check(_frontier_by_a_sweep)


def test_ex07_q1_never_draws_the_zoo_networks_width(capsys):
    import torch

    from zoo_patterns.exercises import ex07

    assert all(ex07._unseen_cnn(64).head.in_features != 64 for _ in range(300))  # was 1 draw in 70

    def typed_width(net, num_classes):
        net.head = torch.nn.Linear(64, num_classes)
        return net

    for _ in range(20):
        with pytest.raises(Incorrect):
            ex07.q1.check(typed_width)


def test_ex07_q2_doing_nothing_never_passes(capsys):
    from zoo_patterns.exercises import ex07

    for _ in range(50):
        with pytest.raises(Incorrect):
            ex07.q2.check(lambda net: None)


def test_the_draws_are_still_fresh():
    """Fixing a flaky draw must not seed it: two calls draw different inputs."""
    from zoo_patterns.exercises import ex06, ex07

    assert len({str(ex06._unseen_rows()) for _ in range(5)}) > 1
    assert len({str(ex07._unseen_cnn(64).config) for _ in range(5)}) > 1


def test_ex03_q1_the_unseen_classifier_never_has_the_notebooks_class_count():
    """num_params typed in for the notebook's 5-class classifier (325) passed when the unseen one also had 5 classes."""
    from zoo_patterns.exercises.ex03 import _unseen_classifier

    rng = np.random.default_rng()
    counts = {len(_unseen_classifier(rng, 5).classes_) for _ in range(40)}
    assert 5 not in counts and counts <= set(range(3, 9)) and len(counts) > 1
