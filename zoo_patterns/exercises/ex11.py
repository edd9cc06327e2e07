"""Checks for exercise 11: ethics and limits."""

from __future__ import annotations

import functools
import math

from . import Question, expect


@functools.lru_cache(maxsize=1)
def _encode():
    import zoo_patterns as zp

    return zp.load("minilm-l6", adapt=True, progress=False).predict


def _check_association(association) -> None:
    from ..audit import associations
    from ..data.words import WORDS

    expect(callable(association), f"expected a function association(word, A, B), got {type(association).__name__}.")
    # Emma against science/arts (the lesson's pair), then words and sets the learner has not tried
    for word, a, b in (("Emma", "science", "arts"), ("David", "career", "family"), ("tulip", "pleasant", "unpleasant")):
        got = association(word, list(WORDS[a]), list(WORDS[b]))
        expect(isinstance(got, float), f"association should return one float, got {type(got).__name__}; use float(...).")
        want = float(associations(_encode(), [word], WORDS[a], WORDS[b])[0])
        expect(
            abs(got + want) > 1e-6 or abs(want) < 1e-9,
            f"for {word!r} the sign is reversed: s is the mean cosine to A minus the mean cosine to B.",
        )
        expect(
            abs(got - want) < 1e-5,
            f"s({word!r}, {a}, {b}) is not that: the mean cosine of the word to each A word, minus the mean to each B word.",
        )


q1 = Question(
    "q1",
    _check_association,
    hints=[
        "An association score is a difference of two mean similarities: to the A words and to the B words.",
        "Lesson 11 shows it in section '1. The association test, one word at a time'.",
        "encode returns unit vectors, so w @ a.T is cosines: w, a, b = encode([word]), encode(A), encode(B); "
        "return float((w @ a.T).mean() - (w @ b.T).mean()).",
    ],
    solution=(
        "def association(word, A, B):\n    w, a, b = encode([word]), encode(list(A)), encode(list(B))\n"
        "    return float((w @ a.T).mean() - (w @ b.T).mean())"
    ),
)


def _unseen_audits():
    """Audit records the learner never saw: the edges of the rule (p exactly 0.01, a large negative effect, no p-value)."""
    from ..cards import AuditRecord

    rows = [("a", 0.9, 0.004), ("b", -1.2, 0.001), ("c", 1.5, 0.01), ("d", 0.79, 0.0), ("e", 1.1, None), ("f", 0.3, 0.2)]
    return tuple(AuditRecord(t, e, p, 8, "WEAT", "2025-01-01") for t, e, p in rows)


def _check_reading(supported, closer_to_career) -> None:
    import zoo_patterns as zp

    expect(callable(supported), f"supported should be a function supported(audits), got {type(supported).__name__}.")

    def rule(audits):
        return sorted(a.test for a in audits if a.p_value is not None and a.p_value < 0.01 and abs(a.effect_size) >= 0.8)

    for audits, which in ((zp.card("minilm-l6").audits, "MiniLM's card"), (_unseen_audits(), "a second set of audits")):
        got = supported(audits)
        expect(
            isinstance(got, (list, tuple, set)),
            f"supported(audits) should return a list of test names, got {type(got).__name__}.",
        )
        expect(all(t in {a.test for a in audits} for t in got), "return the test names exactly as the records write them.")
        expect(
            sorted(got) == rule(audits),
            f"on {which}, the tests you keep are not right: p < 0.01 AND |effect size| >= 0.8, and a record without a "
            "p-value cannot support a claim.",
        )
    names = next(a for a in zp.card("minilm-l6").audits if a.test == "male-female names/career-family")
    right = "male_names" if names.effect_size > 0 else "female_names"
    expect(closer_to_career in ("male_names", "female_names"), "answer 'male_names' or 'female_names'.")
    expect(
        closer_to_career == right,
        "read the sign again: a positive effect size means X (the first target set) sits closer to A (career).",
    )


q2 = Question(
    "q2",
    _check_reading,
    hints=[
        "A claim needs both a small p-value and a large effect, in either direction; the sign of the effect says which "
        "target set is closer to A.",
        "Lesson 11 shows it in section '2. SEAT on MiniLM'. Its parts 'A bias that is measurable' and 'Claims the data "
        "cannot support' read the numbers.",
        "return [a.test for a in audits if a.p_value is not None and a.p_value < 0.01 and abs(a.effect_size) >= 0.8]; "
        "in the names test, X = male names, A = career.",
    ],
    solution=(
        "def supported(audits):\n"
        "    return [a.test for a in audits if a.p_value is not None and a.p_value < 0.01 and abs(a.effect_size) >= 0.8]\n"
        "names = next(a for a in zp.card('minilm-l6').audits if a.test == 'male-female names/career-family')\n"
        "closer_to_career = 'male_names' if names.effect_size > 0 else 'female_names'"
    ),
)


def broken_card():
    """A derived card with two problems: a placeholder licence and no known biases."""
    import zoo_patterns as zp

    from ..lineage import derived_card

    parent = zp.card("digits-cnn-torch")
    card = derived_card(parent, "onnx", [], "exported for a phone app", name="digits-cnn-phone", verb="converted")
    return parent, card.replace(license="unknown", biases=())


def _check_fixed(fixed) -> None:
    from ..audit import audit_cards
    from ..cards import ModelCard

    parent, broken = broken_card()
    expect(isinstance(fixed, ModelCard), f"fixed should be a ModelCard (broken.replace(...)), got {type(fixed).__name__}.")
    expect(fixed.name == broken.name, "keep the name: fix the card, do not make another one.")
    findings = audit_cards([parent, fixed])
    expect(not findings, "the audit still finds: " + "; ".join(map(str, findings)))
    expect(fixed.provenance == broken.provenance, "keep the provenance: it already names the parent correctly.")
    # the audit only asks for a non-empty list; a converted model still has every bias its parent was measured with
    missing = [b for b in parent.biases if b not in fixed.biases]
    expect(
        not missing,
        f"{len(missing)} of the parent's known biases are not on the card: converting a model does not remove a bias, "
        "and nobody has measured this copy again.",
    )


q3 = Question(
    "q3",
    _check_fixed,
    hints=[
        "A derived model inherits its parent's licence, and a conversion removes none of the biases its parent is known "
        "to have; the audit names each gap.",
        "Lesson 11 shows it in section '5. Provenance and licence'. Run audit_cards([parent, broken]) and read each finding.",
        "broken.replace(license=parent.license, biases=parent.biases): the converted copy inherits both.",
    ],
    solution="fixed = broken.replace(license=parent.license, biases=parent.biases)",
)


@functools.lru_cache(maxsize=4)
def _measured_partitions(n: int) -> int:
    """How many equal splits the workbook's exact WEAT enumerates with n target words per set (run on MiniLM)."""
    from ..audit import weat
    from ..data.words import WORDS

    result = weat(_encode(), WORDS["male_names"][:n], WORDS["female_names"][:n], WORDS["career"][:n], WORDS["family"][:n])
    expect(result.exact, f"the WEAT with {n} words per set was not exact: please report this.")
    return result.partitions


def _check_resolution(resolution) -> None:
    expect(callable(resolution), f"expected a function resolution(n), got {type(resolution).__name__}.")
    for n in (4, 5, 2):  # the question's 4 words, then sizes the learner did not try (5 and 2 measured or counted)
        got = resolution(n)
        expect(isinstance(got, tuple) and len(got) == 2, "resolution(n) should return a pair (partitions, step).")
        partitions, step = got
        want = _measured_partitions(n) if n in (4, 5) else math.comb(2 * n, n)
        expect(isinstance(partitions, int), f"partitions should be an int, got {partitions!r}.")
        expect(
            partitions == want,
            f"with {n} words per set, {partitions} is not the number of splits the test enumerates: it chooses which "
            f"{n} of the {2 * n} target words form X.",
        )
        expect(
            isinstance(step, float) and abs(step - 1 / want) < 1e-12,
            f"with {n} words per set, a p-value is a count of splits over all splits: what is one split worth?",
        )


q4 = Question(
    "q4",
    _check_resolution,
    hints=[
        "A permutation test tries every split of the targets into two halves; the p-value can only move in steps of one split.",
        "Lesson 11 shows it in section '2. SEAT on MiniLM'. Its part 'Claims the data cannot support' counts them for "
        "three words per set.",
        "partitions = math.comb(2 * n, n), and step = 1 / partitions.",
    ],
    solution="def resolution(n):\n    partitions = math.comb(2 * n, n)\n    return partitions, 1 / partitions",
)
