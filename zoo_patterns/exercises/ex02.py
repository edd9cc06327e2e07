"""Checks for exercise 02: the registry pattern."""

from __future__ import annotations

import functools

from ..model_registry import Registry
from . import PredictionQuestion, Question, expect


def _zoo():
    from .. import registry

    return registry()


def _check_safe_registry(cls) -> None:
    import secrets

    expect(isinstance(cls, type), f"SafeRegistry should be a class, got {type(cls).__name__}.")
    one, two = cls(), cls()
    word = secrets.token_hex(3)  # names drawn fresh each call, so no name can be hard-coded
    name, other = f"resnet-{word}", f"mobilenet-{word}"
    calls = []

    def builder(**kwargs):
        calls.append(kwargs)
        return ("built", kwargs)

    returned = one.register(name)(builder)
    expect(returned is builder, "register(name) used as a decorator should hand back the function it decorates.")
    expect(not calls, "registering called the builder: a registry stores the factory and builds only when asked.")
    expect(
        one.build(name, width=3) == ("built", {"width": 3}), "build(name, **kwargs) should call the builder with those arguments."
    )
    two.register(other)(lambda: "other")
    with _raises("building a name that only another SafeRegistry has") as raised:
        one.build(other)
    expect(raised.error is not None, "two registries share their entries: keep them in each instance, not in a global.")

    def impostor():
        return "someone else's model"

    with _raises("registering a name twice") as raised:
        one.register(name)(impostor)
    expect(raised.error is not None, "a second registration under the same name was accepted: it should be an error.")
    expect(one.build(name) == ("built", {}), "after a refused duplicate, the name should still build the first model.")
    typo = name.replace("resnet", "resent", 1)  # two letters swapped in the fixed part: never equal to the name
    with _raises("building a misspelt name") as raised:
        one.build(typo)
    expect(raised.error is not None, "an unknown name should raise an error.")
    expect(name in str(raised.error), "the error for a misspelt name should suggest the registered name it is close to.")


class _raises:
    """A context that keeps an exception raised inside it (or None), for checks that expect one."""

    def __init__(self, doing: str):
        self.doing, self.error = doing, None

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb) -> bool:
        if error is not None and not isinstance(error, (NotImplementedError, AssertionError)):
            self.error = error
            return True
        return False


q1 = Question(
    "q1",
    _check_safe_registry,
    hints=[
        "Fix the three faults of lesson 02's ten-line registry: a dict per instance (not a module global), a duplicate "
        "name refused instead of replacing the first model, and an unknown name answered with the close names.",
        "Lesson 02 shows the faults in section '1. A registry in ten lines' and how the workbook's Registry fixes them "
        "in section '2. The workbook's `Registry`'.",
        "In __init__: self._builders = {}. register(name) returns add(builder), which raises if name in self._builders. "
        "build: if the name is missing, raise KeyError with difflib.get_close_matches(name, self._builders).",
    ],
    solution="""import difflib

class SafeRegistry:
    def __init__(self):
        self._builders = {}

    def register(self, name):
        def add(builder):
            if name in self._builders:
                raise ValueError(f"{name!r} is already registered")
            self._builders[name] = builder
            return builder
        return add

    def build(self, name, **kwargs):
        if name not in self._builders:
            close = difflib.get_close_matches(name, self._builders)
            raise KeyError(f"no model {name!r}; did you mean {close}?")
        return self._builders[name](**kwargs)""",
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


def _run_operation(label: str) -> str:
    """Run one of OPERATIONS on a fresh child of the zoo's registry: 'ok', or the name of the exception it raised."""
    child = Registry("lesson", parent=_zoo())
    try:
        _operations()[label](child)
    except Exception as exc:  # the answer is which exception
        return type(exc).__name__
    return "ok"


@functools.lru_cache(maxsize=1)
def _outcomes() -> dict:
    return {label: _run_operation(label) for label in OPERATIONS}


q4 = PredictionQuestion(
    "q4",
    "ex02",
    OPERATIONS,
    _outcomes,
    shape="operation: outcome",
    keys_are="OPERATIONS",
    value_ok=lambda v: isinstance(v, str),
    value_rule="each outcome is 'ok' or an exception's class name (a string).",
    ask="Ask of each: does the child look in its parent, and does it write to its parent?",
    hints=[
        "A child reads through to its parent but writes only to itself. A name already visible is a duplicate unless "
        "you say replace=True; unknown names and mismatched cards are errors too.",
        "Lesson 02 shows it in section '4. Scoped registries', and the errors in section '2. The workbook's `Registry`'.",
        "The outcomes are 'ok', 'DuplicateModelError', 'ModelNotFoundError' and 'ValueError'; register() in "
        "zoo_patterns/model_registry.py raises each of them.",
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
