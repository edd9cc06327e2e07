"""Checks for exercise 02: the registry pattern."""

from __future__ import annotations

from ..registry import Registry
from . import Question, expect


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
