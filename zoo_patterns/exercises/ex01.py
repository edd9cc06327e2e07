"""Checks for exercise 01: what a model zoo is."""

from __future__ import annotations

import functools

import numpy as np

from . import Question, expect


def _registry():
    from .. import registry

    return registry()


SENTENCES = (
    "The cat sat on the mat.",
    "The mat sat on the cat.",
    "A kitten was resting on the rug.",
    "Stock prices fell sharply today.",
)


@functools.lru_cache(maxsize=1)
def _similarity() -> np.ndarray:
    from .. import load

    embeddings = load("minilm-l6", adapt=True, progress=False).predict(list(SENTENCES))
    return embeddings @ embeddings.T


def _check_closest(predicted_closest, similarity) -> None:
    truth = _similarity()
    expect(isinstance(similarity, np.ndarray), f"similarity should be a numpy array, got {type(similarity).__name__}.")
    expect(
        similarity.shape == truth.shape,
        f"similarity should compare every sentence with every sentence: shape {truth.shape}, got {similarity.shape}."
        + (" That is features by features: multiply the other way round." if similarity.shape == (384, 384) else ""),
    )
    expect(
        np.allclose(np.diag(similarity), 1.0, atol=1e-4),
        "a sentence's cosine similarity with itself is 1; is this a distance, or are the rows not unit vectors?",
    )
    expect(np.allclose(similarity, truth, atol=1e-4), "these are not MiniLM's cosine similarities for SENTENCES.")
    expect(
        isinstance(predicted_closest, (int, np.integer)) and not isinstance(predicted_closest, bool),
        f"predicted_closest should be a sentence number (an int), got {predicted_closest!r}.",
    )
    expect(predicted_closest != 0, "every sentence is closest to itself; the question is which *other* sentence.")
    expect(predicted_closest in range(len(SENTENCES)), f"there are {len(SENTENCES)} sentences, numbered from 0.")
    measured = int(np.argsort(-truth[0])[1])
    expect(
        predicted_closest == measured,
        "your prediction disagrees with your own measurement: read row 0 of similarity, skipping the diagonal. "
        "Then say why in your notes; it is one of the limits of a pretrained model.",
    )


q1 = Question(
    "q1",
    _check_closest,
    hints=[
        "MiniLM averages one vector per word piece into a sentence vector. What does an average forget?",
        "Lesson 01 shows it in section '2. Loading real pretrained models' (MiniLM's embeddings are unit vectors, "
        "so a dot product is a cosine); its section '4. The limits, each next to an example' is about what a "
        "pretrained model cannot know.",
        "embeddings = zp.load('minilm-l6', adapt=True).predict(list(SENTENCES)); similarity = embeddings @ embeddings.T; "
        "then the largest entry of row 0 after the diagonal.",
    ],
    solution="""predicted_closest = 1  # the same words in another order: a mean of word vectors barely sees the order
embeddings = zp.load("minilm-l6", adapt=True).predict(list(SENTENCES))
similarity = embeddings @ embeddings.T""",
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
