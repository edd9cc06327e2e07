"""Checks for exercise 01: what a model zoo is."""

from __future__ import annotations

import numpy as np

from . import Question, expect


def _registry():
    from .. import registry

    return registry()


def _check_embedding_size(answer) -> None:
    expect(
        isinstance(answer, (int, np.integer)) and not isinstance(answer, bool), f"expected an int, got {type(answer).__name__}."
    )
    spec = _registry().get("minilm-l6").card.outputs[0]
    expect(answer != spec.shape[0], "that is the batch axis; the embedding size is the other one.")
    expect(answer == spec.shape[-1], f"{answer} is not the size of MiniLM's embedding; read the card's output spec.")


q1 = Question(
    "q1",
    _check_embedding_size,
    hints=[
        "A card's outputs is a tuple of TensorSpec; each spec names its axes in dims.",
        "Lesson 01 shows it in section '1. What is in the zoo'. It prints a card with its specs.",
        "zp.card('minilm-l6').outputs[0] names its dims; you want the 'features' one.",
    ],
    solution="embedding_size = zp.card('minilm-l6').outputs[0].shape[-1]",
)


def _check_frameworks(answer) -> None:
    expect(isinstance(answer, (set, frozenset, list, tuple)), f"expected a set of framework names, got {type(answer).__name__}.")
    reg = _registry()
    truth = {reg.get(n).card.framework for n in reg.list(task="voice-activity-detection")}
    got = set(answer)
    expect(not got - truth, f"{sorted(got - truth)} do(es) not publish a voice-activity-detection model in this zoo.")
    expect(got == truth, f"you are missing {len(truth - got)} framework(s).")


q2 = Question(
    "q2",
    _check_frameworks,
    hints=[
        "Filter the catalogue by task first, then read each card's framework; a set drops the repeats.",
        "Lesson 01 shows it in section '1. What is in the zoo'. Lesson 02's section '3. Searching the catalogue' shows the filters.",
        "zp.list_models(task='voice-activity-detection') gives the names; zp.card(n).framework for each.",
    ],
    solution="vad_frameworks = {zp.card(n).framework for n in zp.list_models(task='voice-activity-detection')}",
)


def _check_accuracy(fn) -> None:
    expect(callable(fn), "top1_accuracy should be a function.")
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(50, 5)).astype(np.float32)
    labels = rng.integers(0, 5, size=50)
    want = float((logits.argmax(1) == labels).mean())
    got = fn(logits, labels)
    expect(np.isscalar(got) or np.ndim(got) == 0, f"expected one number, got an array of shape {np.shape(got)}.")
    expect(0.0 <= float(got) <= 1.0, f"accuracy is a fraction between 0 and 1, got {float(got)}.")
    got_softmax = fn(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), labels)
    expect(abs(float(got) - want) < 1e-9, "compare the highest-scoring class of each row with its label.")
    expect(abs(float(got_softmax) - want) < 1e-9, "probabilities and logits must give the same accuracy.")
    expect(float(fn(np.eye(3), np.array([0, 1, 2]))) == 1.0, "a perfect prediction must score 1.0.")


q3 = Question(
    "q3",
    _check_accuracy,
    hints=[
        "The predicted class of a row is the index of its largest score; softmax does not change which score is largest.",
        "Lesson 01 shows it in section '2. Loading real pretrained models'. It turns scores into a class.",
        "np.argmax(logits, axis=1) == labels, then a mean.",
    ],
    solution="def top1_accuracy(logits, labels):\n    return float((np.argmax(logits, axis=1) == labels).mean())",
)
