"""Checks for exercise 11: ethics and limits."""

from __future__ import annotations

import functools
import math

from . import Question, expect


@functools.lru_cache(maxsize=1)
def _encode():
    import zoo_patterns as zp

    return zp.load("minilm-l6", adapt=True, progress=False).predict


def _check_association(s_emma) -> None:
    from ..audit import associations
    from ..data.words import WORDS

    expect(isinstance(s_emma, float), f"s_emma should be one float, got {type(s_emma).__name__}; use float(...).")
    want = float(associations(_encode(), ["Emma"], WORDS["science"], WORDS["arts"])[0])
    expect(
        abs(s_emma + want) > 1e-6 or abs(want) < 1e-9,
        "the sign is reversed: s is mean cos to A (science) minus mean cos to B (arts).",
    )
    expect(abs(s_emma - want) < 1e-5, "mean cosine of Emma to the science words, minus mean cosine to the arts words.")


q1 = Question(
    "q1",
    _check_association,
    hints=[
        "An association score is a difference of two mean similarities: to the A words and to the B words.",
        "Lesson 11 shows it in section '1. The association test, one word at a time'.",
        "encode returns unit vectors, so w @ a.T is cosines; float((w @ a.T).mean() - (w @ b.T).mean()).",
    ],
    solution=(
        "w, a, b = encode(['Emma']), encode(list(WORDS['science'])), encode(list(WORDS['arts']))\n"
        "s_emma = float((w @ a.T).mean() - (w @ b.T).mean())"
    ),
)


def _check_reading(supported, closer_to_career) -> None:
    import zoo_patterns as zp

    audits = zp.card("minilm-l6").audits
    want = sorted(a.test for a in audits if a.p_value is not None and a.p_value < 0.01 and abs(a.effect_size) >= 0.8)
    expect(isinstance(supported, (list, tuple, set)), "supported should be a list of test names (strings).")
    expect(all(t in {a.test for a in audits} for t in supported), "use the test names exactly as the card writes them.")
    expect(sorted(supported) == want, "keep the tests with p < 0.01 AND |effect size| >= 0.8; both conditions, every test.")
    names = next(a for a in audits if a.test == "male-female names/career-family")
    right = "male_names" if names.effect_size > 0 else "female_names"
    expect(closer_to_career in ("male_names", "female_names"), "answer 'male_names' or 'female_names'.")
    expect(closer_to_career == right, "a positive effect size means X (the first target set) sits closer to A (career).")


q2 = Question(
    "q2",
    _check_reading,
    hints=[
        "A claim needs both a small p-value and a large effect; the sign of the effect says which target set is closer to A.",
        "Lesson 11 shows it in section '2. SEAT on MiniLM'. Its parts 'A bias that is measurable' and 'Claims the data cannot support' read the numbers.",
        "Keep a.test where a.p_value < 0.01 and abs(a.effect_size) >= 0.8; in the names test, X = male names, A = career.",
    ],
    solution=(
        "audits = zp.card('minilm-l6').audits\n"
        "supported = [a.test for a in audits if a.p_value < 0.01 and abs(a.effect_size) >= 0.8]\n"
        "names = next(a for a in audits if a.test == 'male-female names/career-family')\n"
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


q3 = Question(
    "q3",
    _check_fixed,
    hints=[
        "A derived model inherits its parent's licence and must say what is known about its biases; the audit names each gap.",
        "Lesson 11 shows it in section '5. Provenance and licence'. Run audit_cards([parent, broken]) and read each finding.",
        "broken.replace(license=parent.license, biases=...), for example the parent's biases.",
    ],
    solution="fixed = broken.replace(license=parent.license, biases=parent.biases)",
)


def _check_resolution(partitions, step) -> None:
    expect(isinstance(partitions, int), f"partitions should be an int, got {partitions!r}.")
    expect(partitions == math.comb(8, 4), "count the ways to choose which 4 of the 8 target words form X (math.comb).")
    expect(isinstance(step, float) and abs(step - 1 / partitions) < 1e-12, "each partition moves the p-value by 1 / partitions.")


q4 = Question(
    "q4",
    _check_resolution,
    hints=[
        "A permutation test tries every split of the targets into two halves; the p-value can only move in steps of one split.",
        "Lesson 11 shows it in section '2. SEAT on MiniLM'. Its part 'Claims the data cannot support'.",
        "math.comb(8, 4), and step = 1 / partitions.",
    ],
    solution="partitions = math.comb(8, 4)\nstep = 1 / partitions",
)
