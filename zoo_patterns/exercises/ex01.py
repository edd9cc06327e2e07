"""Checks for exercise 01: what a model zoo is."""

from __future__ import annotations

import functools

import numpy as np

from . import PredictionQuestion, Question, expect


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


def _ranked() -> dict:
    order = [int(i) for i in np.argsort(-_similarity()[0]) if i != 0]
    return {"closest to sentence 0": order[0], "farthest from sentence 0": order[-1]}


q1 = PredictionQuestion(
    "q1",
    "ex01",
    ("closest to sentence 0", "farthest from sentence 0"),
    _ranked,
    shape="'closest to sentence 0': n, 'farthest from sentence 0': n",
    keys_are="questions",
    value_ok=lambda v: isinstance(v, int) and not isinstance(v, bool) and v in (1, 2, 3),
    value_rule="each prediction is a sentence number: 1, 2 or 3 (sentence 0 is the one compared with).",
    ask="What does an average of word vectors keep of a sentence, and what does it forget?",
    hints=[
        "MiniLM averages one vector per word piece into a sentence vector. What does an average forget?",
        "Lesson 01 shows it in section '2. Loading real pretrained models' (the sentence embedding is the mean of the "
        "token vectors); its section '4. The limits, each next to an example' is about what a pretrained model cannot know.",
        "Sentence 1 has exactly the words of sentence 0, in another order; sentence 2 means nearly the same with other "
        "words; sentence 3 is about something else.",
    ],
    solution="""predicted = {"closest to sentence 0": 1,  # the same words in another order: a mean barely sees the order
             "farthest from sentence 0": 3}""",
)


def _check_cosine(cosine_similarity) -> None:
    expect(callable(cosine_similarity), f"cosine_similarity should be a function, got {type(cosine_similarity).__name__}.")
    rng = np.random.default_rng()  # a fresh table each call, not only the one in the notebook
    n, d = int(rng.integers(3, 7)), int(rng.integers(4, 12))
    vectors = rng.normal(size=(n, d)) * rng.uniform(0.2, 5.0, size=(n, 1))  # rows of different lengths
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    truth = unit @ unit.T
    got = np.asarray(cosine_similarity(vectors.copy()))
    expect(
        got.shape == (n, n),
        f"for {n} vectors of {d} numbers, the matrix compares every vector with every vector: ({n}, {n}), got {got.shape}."
        + (" That is features by features: multiply the other way round." if got.shape == (d, d) else ""),
    )
    expect(
        np.allclose(np.diag(got), 1.0, atol=1e-6),
        "a vector's cosine similarity with itself is 1; are the rows divided by their lengths?",
    )
    expect(np.allclose(got, truth, atol=1e-6), "these are not the cosines of the angles between the rows.")
    expect(np.allclose(cosine_similarity(3 * vectors), truth, atol=1e-6), "a cosine does not change when a vector is scaled.")


q2 = Question(
    "q2",
    _check_cosine,
    hints=[
        "A cosine similarity is the dot product of two vectors divided by both their lengths: normalise each row "
        "first, then one matrix product compares all pairs.",
        "Lesson 01 shows it in section '2. Loading real pretrained models': MiniLM's vectors are normalised, so there "
        "a dot product already is a cosine. Yours must not assume that.",
        "unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True); then unit @ unit.T.",
    ],
    solution="""def cosine_similarity(vectors):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit @ unit.T""",
)


def _frameworks_by_task() -> dict:
    reg = _registry()
    tasks: dict[str, set] = {}
    for name in reg.names():
        c = reg.get(name).card
        tasks.setdefault(c.task, set()).add(c.framework)
    return tasks


def _check_single(answer) -> None:
    expect(isinstance(answer, dict), f"expected a dict {{task: framework}}, got {type(answer).__name__}.")
    tasks = _frameworks_by_task()
    unknown = sorted(set(answer) - set(tasks))
    expect(not unknown, f"{unknown} are not tasks of any model in this zoo.")
    truth = {t: next(iter(f)) for t, f in tasks.items() if len(f) == 1}
    several = sorted(t for t in answer if len(tasks[t]) > 1)
    expect(not several, f"{several} can be had in more than one framework.")
    expect(set(answer) == set(truth), f"you are missing {len(set(truth) - set(answer))} task(s).")
    wrong = sorted(t for t in truth if answer[t] != truth[t])
    expect(not wrong, f"the framework given for {wrong} is not the one that publishes it.")


q3 = Question(
    "q3",
    _check_single,
    hints=[
        "Group the catalogue by task, collecting each card's framework in a set; keep the tasks whose set has one element.",
        "Lesson 01 shows it in section '4. The limits, each next to an example' (availability per framework); "
        "lesson 02's section '3. Searching the catalogue' shows the filters.",
        "for n in zp.list_models(): c = zp.card(n); by_task.setdefault(c.task, set()).add(c.framework); then a dict "
        "comprehension over the sets of length 1.",
    ],
    solution="""by_task = {}
for n in zp.list_models():
    by_task.setdefault(zp.card(n).task, set()).add(zp.card(n).framework)
single_framework = {task: next(iter(fws)) for task, fws in by_task.items() if len(fws) == 1}""",
)


def _check_accuracy(fn) -> None:
    expect(callable(fn), "top1_accuracy should be a function.")

    def table(rng):
        n, k = int(rng.integers(40, 80)), int(rng.integers(3, 8))
        logits = rng.normal(size=(n, k)).astype(np.float32)
        labels = rng.integers(0, k, size=n)
        return logits, labels, float((logits.argmax(1) == labels).mean())

    def clear_winner(logits):  # no row whose two best scores are within float32 rounding of each other
        top = np.sort(logits, axis=1)
        return bool((top[:, -1] - top[:, -2] > 1e-3).all())

    tables, fresh = [table(np.random.default_rng(7))], np.random.default_rng()  # the notebook's table, then fresh ones
    while len(tables) < 3:  # two fresh tables whose accuracies differ from every earlier one: no constant fits them all
        candidate = table(fresh)
        # a near-tie can turn into an exact tie after softmax in float32, and argmax then picks the first of the two
        if clear_winner(candidate[0]) and all(abs(candidate[2] - t[2]) > 1e-9 for t in tables):
            tables.append(candidate)
    for logits, labels, want in tables:
        got = fn(logits, labels)
        expect(np.isscalar(got) or np.ndim(got) == 0, f"expected one number, got an array of shape {np.shape(got)}.")
        expect(0.0 <= float(got) <= 1.0, f"accuracy is a fraction between 0 and 1, got {float(got)}.")
        expect(abs(float(got) - want) < 1e-9, "compare the highest-scoring class of each row with its label.")
        got_softmax = fn(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), labels)
        expect(abs(float(got_softmax) - want) < 1e-9, "probabilities and logits must give the same accuracy.")
    expect(float(fn(np.eye(3), np.array([0, 1, 2]))) == 1.0, "a perfect prediction must score 1.0.")


q4 = Question(
    "q4",
    _check_accuracy,
    hints=[
        "The predicted class of a row is the index of its largest score; softmax does not change which score is largest.",
        "Lesson 01 shows it in section '2. Loading real pretrained models'. It turns the CNN's scores into a class "
        "and compares with the card.",
        "np.argmax(logits, axis=1) == labels, then a mean.",
    ],
    solution="def top1_accuracy(logits, labels):\n    return float((np.argmax(logits, axis=1) == labels).mean())",
)
