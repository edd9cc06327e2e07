"""Checks for exercise 02: the registry pattern."""

from __future__ import annotations

import functools

from ..model_registry import Registry
from . import Question, expect, expect_predictions


def _zoo():
    from .. import registry

    return registry()


def _check_my_registry(reg) -> None:
    expect(isinstance(reg, Registry), f"expected a zoo_patterns.Registry, got {type(reg).__name__}.")
    expect("tiny-linear" in reg, "nothing is registered under 'tiny-linear'.")
    model = reg.build("tiny-linear")
    expect(callable(getattr(model, "forward", None)), "building 'tiny-linear' should give a torch module.")
    import torch

    out = model(torch.zeros(2, 64))
    expect(tuple(out.shape) == (2, 10), f"the model should map 64 features to 10 scores, gave shape {tuple(out.shape)}.")


q1 = Question(
    "q1",
    _check_my_registry,
    hints=[
        "A registry maps a name to a factory: a function that builds the model when asked, not the model itself.",
        "Lesson 02 shows it in section '2. The workbook's `Registry`'. register works as a decorator or as a call.",
        "my_registry.register('tiny-linear', lambda: torch.nn.Linear(64, 10))",
    ],
    solution="import torch\nmy_registry = Registry('mine')\nmy_registry.register('tiny-linear', lambda: torch.nn.Linear(64, 10))",
)


def _check_onnx(answer) -> None:
    expect(isinstance(answer, (list, tuple)), f"expected a list of names, got {type(answer).__name__}.")
    truth = _zoo().list(framework="onnx")
    expect(set(answer) <= set(_zoo().names()), "some of those names are not in the zoo.")
    expect(set(answer) == set(truth), f"the zoo has {len(truth)} ONNX model(s); you listed {len(set(answer))}.")


q2 = Question(
    "q2",
    _check_onnx,
    hints=[
        "Filtering is the registry's job: it takes each filter as a keyword argument and returns names.",
        "Lesson 02 shows it in section '3. Searching the catalogue'.",
        "zp.list_models(framework=...)",
    ],
    solution="onnx_models = zp.list_models(framework='onnx')",
)


def _check_child(reg) -> None:
    expect(isinstance(reg, Registry), f"expected a Registry, got {type(reg).__name__}.")
    zoo = _zoo()
    expect(reg.parent is zoo, "its parent should be the zoo's registry, zp.registry().")
    expect("minilm-l6" in reg, "a child should see the zoo's models.")
    expect("my-model" in reg, "register 'my-model' in your child registry.")
    expect("my-model" not in zoo, "'my-model' leaked into the shared zoo; register it in the child only.")


q3 = Question(
    "q3",
    _check_child,
    hints=[
        "A scoped registry looks names up in itself, then in its parent; registering writes only to itself.",
        "Lesson 02 shows it in section '4. Scoped registries'.",
        "Registry('lesson', parent=zp.registry()); then register 'my-model' on that one.",
    ],
    solution="lesson = Registry('lesson', parent=zp.registry())\nlesson.register('my-model', lambda: 'mine')",
)


# -- q4: predict, then run ---------------------------------------------------------------------------------
def _operations() -> dict:
    """Six things a learner might do with a child registry (question 4): each takes a fresh child."""
    from .. import card

    def twice(reg):
        reg.register("my-model", lambda: "mine")
        reg.register("my-model", lambda: "mine again")

    return {
        "register 'minilm-l6' in the child": lambda reg: reg.register("minilm-l6", lambda: "mine"),
        "register 'minilm-l6' in the child, replace=True": lambda reg: reg.register("minilm-l6", lambda: "mine", replace=True),
        "get 'minilm-l7'": lambda reg: reg.get("minilm-l7"),
        "register 'my-model' twice": twice,
        "unregister 'digits-cnn-torch' from the child": lambda reg: reg.unregister("digits-cnn-torch"),
        "register 'my-model' with digits-cnn-torch's card": lambda reg: reg.register(
            "my-model", lambda: "mine", card=card("digits-cnn-torch")
        ),
    }


OPERATIONS = tuple(_operations())


def run_operation(label: str) -> str:
    """Run one of OPERATIONS on a fresh child of the zoo's registry: 'ok', or the name of the exception it raised."""
    child = Registry("lesson", parent=_zoo())
    try:
        _operations()[label](child)
    except Exception as exc:  # the answer is which exception
        return type(exc).__name__
    return "ok"


@functools.lru_cache(maxsize=1)
def _outcomes() -> dict:
    return {label: run_operation(label) for label in OPERATIONS}


def _check_outcomes(predicted) -> None:
    expect_predictions(
        predicted, OPERATIONS, _outcomes, name="predicted", shape="operation: outcome", keys_are="OPERATIONS",
        value_ok=lambda v: isinstance(v, str), value_rule="each outcome is 'ok' or an exception's class name (a string).",
        rerun="run_operation(label) runs one", ask="Ask of each: does the child look in its parent, and does it write to its parent?",
    )  # fmt: skip


q4 = Question(
    "q4",
    _check_outcomes,
    hints=[
        "A child reads through to its parent but writes only to itself. A name already visible is a duplicate unless "
        "you say replace=True; unknown names and mismatched cards are errors too.",
        "Lesson 02 shows it in section '4. Scoped registries', and the errors in section '2. The workbook's `Registry`'.",
        "The outcomes are 'ok', 'DuplicateModelError', 'ModelNotFoundError' and 'ValueError'; register() in "
        "zoo_patterns/registry.py raises each of them.",
    ],
    solution="""predicted = {
    "register 'minilm-l6' in the child": "DuplicateModelError",  # the child sees the parent's names
    "register 'minilm-l6' in the child, replace=True": "ok",  # shadows it in the child only
    "get 'minilm-l7'": "ModelNotFoundError",  # with 'minilm-l6' suggested
    "register 'my-model' twice": "DuplicateModelError",
    "unregister 'digits-cnn-torch' from the child": "ModelNotFoundError",  # only the child's own entries
    "register 'my-model' with digits-cnn-torch's card": "ValueError",  # the name must be the card's
}""",
)
