"""Checks for exercise 06: choosing a pretrained model."""

from __future__ import annotations

from . import Question, expect


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


def _check_frontier(frontier) -> None:
    expect(callable(frontier), f"expected a function frontier(rows), got {type(frontier).__name__}.")
    got = sorted(r["name"] for r in frontier([dict(r) for r in ROWS]))
    expect("c" not in got, "a model that another beats on both accuracy and latency is not on the frontier.")
    expect("e" not in got, "a model that is as accurate as another but slower is not on the frontier (ties count).")
    expect(got == ["a", "b", "d", "f"], f"the frontier of the test rows has 4 models; you returned {len(got)}: {got}.")
    single = frontier([dict(ROWS[0])])
    expect([r["name"] for r in single] == ["a"], "a single model is always on its own frontier.")


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
    pick = choose([dict(r) for r in ROWS])
    name = pick["name"] if isinstance(pick, dict) else pick
    expect(name != "d", "the most accurate model is not the answer when a faster one is within 3 points.")
    expect(name != "f", "f is fastest but 17 points below the best: outside the 3-point window.")
    expect(name == "b", "within 3 points of the best (0.97) are d, b and e; the rule takes the fastest of those.")


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


def _check_windows(narrow, wide) -> None:
    names = [r["name"] for r in ROWS]
    expect(narrow in names and wide in names, f"answer with two names from ROWS: {names}.")
    expect(narrow != wide, "a 1-point window and a 10-point window keep different rows here; do they pick the same one?")
    expect(narrow == _choose(ROWS, 0.01), "with a 1-point window, which rows are within 0.01 of the best accuracy?")
    expect(wide == _choose(ROWS, 0.10), "with a 10-point window, which rows are left, and which of them is fastest?")


q4 = Question(
    "q4",
    _check_windows,
    hints=[
        "The window is the rule's one knob: narrow, and only the most accurate survive; wide, and speed decides.",
        "Lesson 06 shows it in section '3. The accuracy / latency frontier, and a rule'; try changing the window there.",
        "Apply your choose() from Q3 by hand with 0.01 and with 0.10 in place of 0.03: best is 0.97; keep the rows at or "
        "above best - window; take the lowest latency.",
    ],
    solution='narrow, wide = "d", "a"  # 1 point keeps only d (0.97); 10 points keeps a, b, d, e, and a is fastest',
)
