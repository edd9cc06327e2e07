"""Checks for exercise 06: choosing a pretrained model."""

from __future__ import annotations

import numpy as np

from . import PredictionQuestion, Question, expect


def _check_query(names) -> None:
    from .. import card, list_models

    expect(isinstance(names, (list, tuple)), f"expected a list of names, got {type(names).__name__}.")
    truth = [
        n
        for n in list_models(task="image-classification", domain="handwritten-digits")
        if card(n).framework == "onnx" or card(n).format == "onnx"
    ]
    expect(set(names) <= set(list_models()), "some of those names are not in the zoo.")
    expect(all(card(n).task == "image-classification" for n in names), "every answer must be an image classifier.")
    expect(set(names) == set(truth), f"the zoo has {len(truth)} ONNX digit classifier(s); you listed {len(set(names))}.")


q1 = Question(
    "q1",
    _check_query,
    hints=[
        "Say what you need (task, domain, format) and let the catalogue filter; reading cards by hand misses models.",
        "Lesson 06 shows it in section '1. Query the zoo by task, domain and spec'.",
        "zp.list_models takes task=, domain= and framework= keywords.",
    ],
    solution="onnx_digits = zp.list_models(task='image-classification', domain='handwritten-digits', framework='onnx')",
)

ROWS = [
    {"name": "a", "accuracy": 0.90, "latency ms": 5.0},
    {"name": "b", "accuracy": 0.95, "latency ms": 9.0},
    {"name": "c", "accuracy": 0.85, "latency ms": 7.0},  # dominated by a
    {"name": "d", "accuracy": 0.97, "latency ms": 40.0},
    {"name": "e", "accuracy": 0.95, "latency ms": 12.0},  # dominated by b
    {"name": "f", "accuracy": 0.80, "latency ms": 1.0},
]


def _unseen_rows() -> list[dict]:
    """A table drawn fresh each call (with ties), so that no answer can be fitted to ROWS alone."""
    rng = np.random.default_rng()
    while True:
        n = int(rng.integers(6, 11))
        accuracy = np.round(rng.uniform(0.70, 0.99, size=n), 3)
        accuracy[2] = accuracy[3]  # at least one tie in accuracy, broken by latency
        latency = rng.choice(np.arange(1.0, 40.0, 1.0), size=n)
        latency[1] = latency[0]  # and one in latency, broken by accuracy
        gaps = np.abs(accuracy.max() - accuracy)
        on_edge = any(np.isclose(gaps, w, atol=1e-6).any() for w in (0.01, 0.03, 0.10))  # a row on a window's edge
        twins = len(set(zip(accuracy, latency, strict=True))) < n  # two rows equal on both axes: keep both, or one?
        if not on_edge and not twins:
            break
    return [
        {"name": f"m{i}", "accuracy": float(a), "latency ms": float(t)}
        for i, (a, t) in enumerate(zip(accuracy, latency, strict=True))
    ]


def _frontier(rows):
    return [r for r in rows if not any(
        o["accuracy"] >= r["accuracy"] and o["latency ms"] <= r["latency ms"]
        and (o["accuracy"] > r["accuracy"] or o["latency ms"] < r["latency ms"]) for o in rows)]  # fmt: skip


def _check_frontier(frontier) -> None:
    expect(callable(frontier), f"expected a function frontier(rows), got {type(frontier).__name__}.")
    got = sorted(r["name"] for r in frontier([dict(r) for r in ROWS]))
    expect("c" not in got, "a model that another beats on both accuracy and latency is not on the frontier.")
    expect("e" not in got, "a model that is as accurate as another but slower is not on the frontier (ties count).")
    expect(got == sorted(r["name"] for r in _frontier(ROWS)), f"the frontier of ROWS is not the {len(got)} rows you returned.")
    single = frontier([dict(ROWS[0])])
    expect([r["name"] for r in single] == ["a"], "a single model is always on its own frontier.")
    rows = _unseen_rows()
    got = sorted(r["name"] for r in frontier([dict(r) for r in rows]))
    expect(
        got == sorted(r["name"] for r in _frontier(rows)),
        f"on a table the check drew ({len(rows)} rows), your frontier is not right: does it compare every pair of rows?",
    )


q2 = Question(
    "q2",
    _check_frontier,
    hints=[
        "A model is dominated when another is at least as good on both axes and strictly better on one; the frontier is what is left.",
        "Lesson 06 shows it in section '3. The accuracy / latency frontier, and a rule'.",
        "Keep r unless any(o['accuracy'] >= r['accuracy'] and o['latency ms'] <= r['latency ms'] and (one of them strictly)) for o in rows.",
    ],
    solution="""def frontier(rows):
    return [r for r in rows if not any(
        o["accuracy"] >= r["accuracy"] and o["latency ms"] <= r["latency ms"]
        and (o["accuracy"] > r["accuracy"] or o["latency ms"] < r["latency ms"]) for o in rows)]""",
)


def _check_rule(choose) -> None:
    expect(callable(choose), f"expected a function choose(rows), got {type(choose).__name__}.")

    def name_of(pick):
        return pick["name"] if isinstance(pick, dict) else pick

    name = name_of(choose([dict(r) for r in ROWS]))
    expect(name != "d", "the most accurate model is not the answer when a faster one is within 3 points.")
    expect(name != "f", "the fastest model of ROWS is far more than 3 points below the best: outside the window.")
    expect(name == _choose(ROWS, 0.03), "on ROWS that is not the fastest of the rows within 3 points of the best.")
    for _ in range(3):
        rows = _unseen_rows()
        while _fastest_is_tied(rows, 0.03):  # two fastest rows in the window: either is right, so draw again
            rows = _unseen_rows()
        expect(
            name_of(choose([dict(r) for r in rows])) == _choose(rows, 0.03),
            f"on a table the check drew ({len(rows)} rows) your rule picks another row: does it read the rows it is given?",
        )


q3 = Question(
    "q3",
    _check_rule,
    hints=[
        "A rule decides in two steps: first which models are good enough, then the cheapest of those.",
        "Lesson 06 shows it in section '3. The accuracy / latency frontier, and a rule'. It states the 3-point rule.",
        "best = max accuracy; keep rows with accuracy >= best - 0.03; min(..., key=latency ms).",
    ],
    solution="""def choose(rows):
    best = max(r["accuracy"] for r in rows)
    return min((r for r in rows if r["accuracy"] >= best - 0.03), key=lambda r: r["latency ms"])""",
)


def _choose(rows, window):
    best = max(r["accuracy"] for r in rows)
    return min((r for r in rows if r["accuracy"] >= best - window), key=lambda r: r["latency ms"])["name"]


def _fastest_is_tied(rows, window) -> bool:
    best = max(r["accuracy"] for r in rows)
    latencies = sorted(r["latency ms"] for r in rows if r["accuracy"] >= best - window)
    return len(latencies) > 1 and latencies[0] == latencies[1]


WINDOWS = {"1-point window": 0.01, "10-point window": 0.10}

q4 = PredictionQuestion(
    "q4",
    "ex06",
    WINDOWS,
    lambda: {label: _choose(ROWS, w) for label, w in WINDOWS.items()},
    shape="'1-point window': name, '10-point window': name",
    keys_are="windows",
    value_ok=lambda v: v in {r["name"] for r in ROWS},
    value_rule=f"each prediction is a model's name from ROWS: {[r['name'] for r in ROWS]}.",
    ask="For each window: which rows are left, and which of them is fastest?",
    hints=[
        "The window is the rule's one knob: narrow, and only the most accurate survive; wide, and speed decides.",
        "Lesson 06 shows it in section '3. The accuracy / latency frontier, and a rule'; try changing the window there.",
        "Apply your choose() from Q3 by hand with 0.01 and with 0.10 in place of 0.03: best is 0.97; keep the rows at or "
        "above best - window; take the lowest latency.",
    ],
    solution='predicted = {"1-point window": "d", "10-point window": "a"}  # 1 point keeps only d; 10 keep a, b, d, e',
)
