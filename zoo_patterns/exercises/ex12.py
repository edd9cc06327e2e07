"""Checks for exercise 12: MVC, MVVM and layers."""

from __future__ import annotations

from . import Question, expect

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

    try:
        test(SwallowsErrors(shared_model()))
    except AssertionError:
        return
    expect(False, "your test also passes on a view model that ignores unknown names: it cannot fail, so it proves nothing.")


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
