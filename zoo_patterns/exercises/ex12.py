"""Checks for exercise 12: MVC, MVVM and layers."""

from __future__ import annotations

from . import PredictionQuestion, Question, expect

_MODEL = None


def shared_model():
    """One ZooBrowserModel for the whole exercise (the registry is read once)."""
    global _MODEL
    if _MODEL is None:
        from ..ui.model import ZooBrowserModel

        _MODEL = ZooBrowserModel()
    return _MODEL


# -- q1: a new trait, kept in sync by a rule ---------------------------------------------------
def _check_counting(cls) -> None:
    from traitlets import TraitType

    from ..ui.viewmodel import ZooBrowserViewModel

    expect(isinstance(cls, type) and issubclass(cls, ZooBrowserViewModel), "expected a subclass of ZooBrowserViewModel.")
    expect(
        isinstance(getattr(cls, "count", None), TraitType),
        "'count' should be a trait (for example Int(0)), so views can bind to it.",
    )
    vm = cls(shared_model())
    expect(vm.count == len(vm.results), f"at start there are {len(vm.results)} results but count is {vm.count}.")
    seen = []
    vm.observe(lambda change: seen.append(change["new"]), "count")
    for query, framework in (("digits", ""), ("digits", "onnx"), ("nothing-matches-this", ""), ("", "")):
        vm.query, vm.framework = query, framework
        expect(
            vm.count == len(vm.results),
            f"after query={query!r}, framework={framework!r}: {len(vm.results)} results, count {vm.count}.",
        )
    expect(seen, "count never notified its observers: set the trait (self.count = ...), so a bound view hears of it.")


q1 = Question(
    "q1",
    _check_counting,
    hints=[
        "In MVVM the state is traits, and a rule keeps a derived trait in sync by observing the one it depends on.",
        "Lesson 12 shows it in section '3. MVVM: the state, with no view at all'.",
        "count = Int(0) on the class, and an @observe('results') method that sets self.count = len(change['new']).",
    ],
    solution=(
        "class CountingViewModel(ZooBrowserViewModel):\n    count = Int(0)\n\n"
        "    @observe('results')\n    def _count(self, change):\n        self.count = len(change['new'])"
    ),
)


# -- q2: a controller handler ---------------------------------------------------------------------
def _check_clearing(cls) -> None:
    from ..ui.mvc import MVCController, MVCView

    expect(isinstance(cls, type) and issubclass(cls, MVCController), "expected a subclass of MVCController.")
    expect(callable(getattr(cls, "clear", None)), "the controller needs a clear() method.")
    view = MVCView()
    controller = cls(shared_model(), view)
    everything = tuple(shared_model().search())
    view.w.search.value = "onnx"
    view.w.results.value = "digits-cnn-onnx"
    expect(
        "digits-cnn-onnx" in view.w.card.value,
        "the MVC app should show a card once a name is selected (did you change the view?).",
    )
    controller.clear()
    expect(view.w.search.value == "", "after clear() the search box should be empty.")
    expect(view.w.results.options == everything, f"after clear() the list should show all {len(everything)} models again.")
    expect(view.w.results.value is None and controller.selected == "", "after clear() nothing should be selected.")
    expect(view.w.card.value == "", "after clear() the card should be empty.")


q2 = Question(
    "q2",
    _check_clearing,
    hints=[
        "In MVC the controller updates the view; reuse the handlers it already has rather than writing the view by hand.",
        "Lesson 12 shows it in section '2. MVC: a passive view and a controller'.",
        "def clear(self): self.select(''), then set self.view.w.search.value = '' (which fires on_search).",
    ],
    solution=(
        "class ClearingController(MVCController):\n    def clear(self):\n        self.select('')\n"
        "        self.view.w.search.value = ''"
    ),
)


# -- q3: a view-model rule, tested without a browser -----------------------------------------------
def _check_rule_test(test) -> None:
    from ..ui.viewmodel import ZooBrowserViewModel

    expect(callable(test), "expected a function test(vm).")
    test(ZooBrowserViewModel(shared_model()))  # must pass on the real view model

    class SwallowsErrors(ZooBrowserViewModel):  # a broken view model: unknown names fail silently
        def _describe(self, change):
            self.card_markdown = ""

    class QuietModel:  # the real model, except that an unknown name describes as nothing instead of raising
        def __init__(self, inner):
            self._inner = inner

        def __getattr__(self, name):
            return getattr(self._inner, name)

        def describe(self, ref):
            try:
                return self._inner.describe(ref)
            except Exception:
                return ""

    # The real class, broken the same way through its model: a test that checks the class instead of the behaviour
    # (type(vm) is ZooBrowserViewModel) passes here, and is caught.
    unplugged = ZooBrowserViewModel(QuietModel(shared_model()))
    for broken, how in (
        (SwallowsErrors(shared_model()), "a subclass"),
        (unplugged, "the real class over a model that hides them"),
    ):
        try:
            test(broken)
        except AssertionError:
            continue
        expect(
            False,
            f"your test also passes on a view model that ignores unknown names ({how}): it cannot fail on the rule, so it "
            "proves nothing about it.",
        )


q3 = Question(
    "q3",
    _check_rule_test,
    hints=[
        "A test proves something only if it can fail: it must fail on a view model that hides unknown names.",
        "Lesson 12 shows it in section '5. What runs without a browser'.",
        "vm.selected = a misspelt name, then assert on vm.error (it should suggest the real one) and on vm.card_markdown.",
    ],
    solution=(
        "def test_unknown_name_is_reported(vm):\n    vm.selected = 'minilm-l7'\n"
        "    assert 'Did you mean' in vm.error and 'minilm-l6' in vm.error\n    assert vm.card_markdown == ''"
    ),
)


# -- q4: when does a trait tell its observers? ---------------------------------------------------------------------
STEPS = (
    ("1. query = 'digits'", "query", "digits"),
    ("2. query = 'digits' again", "query", "digits"),
    ("3. framework = 'onnx'", "framework", "onnx"),
    ("4. query = 'digits-cnn'", "query", "digits-cnn"),
    ("5. selected = 'digits-cnn-onnx'", "selected", "digits-cnn-onnx"),
)


def _notifications() -> dict:
    """Question 4, measured: how many times an observer of `results` hears of each step, on a fresh view model."""
    from ..ui.viewmodel import ZooBrowserViewModel

    vm = ZooBrowserViewModel(shared_model())
    heard = []
    vm.observe(lambda change: heard.append(change["new"]), "results")
    counts = {}
    for step, trait, value in STEPS:
        before = len(heard)
        setattr(vm, trait, value)
        counts[step] = len(heard) - before
    return counts


q4 = PredictionQuestion(
    "q4",
    "ex12",
    [step for step, _, _ in STEPS],
    _notifications,
    shape="step: how many times an observer of results is told",
    keys_are="steps",
    value_ok=lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
    value_rule="each prediction is a whole number of notifications (0, 1, ...).",
    ask="Does a trait tell its observers when it is set, or when its value changes? Compare the results before and "
    "after each step.",
    hints=[
        "A trait tells its observers only when its new value differs from the old one; setting the same value again, "
        "or a new list equal to the old, is silent.",
        "Lesson 12 shows the view model's rules in section '3. MVVM: the state, with no view at all': results are "
        "recomputed whenever query, framework or task change.",
        "Step 1 changes the list, step 2 sets the same query, step 3 narrows it, step 4 gives the same one-name list "
        "again, step 5 does not touch results: 1, 0, 1, 0, 0.",
    ],
    solution=(
        "predicted = {\"1. query = 'digits'\": 1, \"2. query = 'digits' again\": 0, \"3. framework = 'onnx'\": 1,\n"
        "             \"4. query = 'digits-cnn'\": 0, \"5. selected = 'digits-cnn-onnx'\": 0}"
    ),
)
