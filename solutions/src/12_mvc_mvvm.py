# ---
# jupyter:
#   jupytext:
#     formats: ipynb,src//py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% tags=["colab"] cellView="form" jupyter={"source_hidden": true}
#@title Colab only: install the workbook and MXNet, keeping Colab's torch and numpy; let ipywidgets 8 render (does nothing elsewhere) { display-mode: "form" }
import sys

if "google.colab" in sys.modules:
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "zoo-patterns[colab] @ git+https://github.com/zoo-patterns/zoo-patterns"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "mxnet==1.9.1"], check=True)
    from google.colab import output
    output.enable_custom_widget_manager()

# %% [markdown]
# # Exercise 12 · MVC, MVVM and layers
#
# Four checked questions on the zoo browser of lesson 12: a new trait in the view model, kept in
# sync by a rule (Q1), a new handler in the controller (Q2), a test of a view-model rule that needs
# no browser and must fail on a broken view model (Q3), and a prediction of when a trait tells its
# observers (Q4, "predict, then run": `q4.predict(...)` records your first prediction before it
# shows the measurement, and `q4.check()` scores that first prediction). Three review questions at
# the end are not checked.

# %%
from traitlets import Int, observe

import zoo_patterns as zp
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex12 import STEPS, q1, q2, q3, q4, shared_model
from zoo_patterns.ui import BrowserView, MVCController, MVCView, ZooBrowserViewModel

zp.quiet()

# %% [markdown]
# ## Question 1: add a trait and bind it
#
# Make `CountingViewModel`, a `ZooBrowserViewModel` with one more trait, `count`, that always
# equals the number of results. Use a trait (so views can bind to it) and an `@observe` rule
# (so it follows `results` whoever changes them).

# %%
# BEGIN SOLUTION
#> CountingViewModel = ____
class CountingViewModel(ZooBrowserViewModel):
    count = Int(0)

    @observe("results")
    def _count(self, change):
        self.count = len(change["new"])
# END SOLUTION


# %% tags=["check"]
q1.check(CountingViewModel)

# %% [markdown]
# Bound to a widget, the count follows the search box with no code in between:

# %%
import ipywidgets as widgets
from IPython.display import display
from traitlets import dlink

counting = CountingViewModel(shared_model()) if isinstance(CountingViewModel, type) else None
if counting is not None:
    label = widgets.Label()
    dlink((counting, "count"), (label, "value"), lambda n: f"{n} models match")
    counting.query = "digits"
    display(widgets.VBox([BrowserView(counting), label]))

# %% [markdown]
# ## Question 2: a controller handler
#
# Give the MVC app a "clear" action: `ClearingController.clear()` empties the search box, lists
# every model again, selects nothing and empties the card.

# %%
# BEGIN SOLUTION
#> ClearingController = ____
class ClearingController(MVCController):
    def clear(self):
        self.select("")
        self.view.w.search.value = ""  # the view reports it as a search, which lists everything
# END SOLUTION


# %% tags=["check"]
q2.check(ClearingController)

# %% [markdown]
# ## Question 3: test a view-model rule without a browser
#
# Write `test_unknown_name_is_reported(vm)`: it sets an unknown (misspelt) name on the view model
# and asserts that `vm.error` suggests the right one. The check runs it twice: on the real view
# model, where it must pass, and on a broken one that ignores unknown names, where it must fail.

# %%
# BEGIN SOLUTION
#> def test_unknown_name_is_reported(vm):
#>     raise NotImplementedError("set vm.selected to a misspelt name and assert on vm.error")
def test_unknown_name_is_reported(vm):
    vm.selected = "minilm-l7"
    assert "Did you mean" in vm.error and "minilm-l6" in vm.error
    assert vm.card_markdown == ""
# END SOLUTION


# %% tags=["check"]
q3.check(test_unknown_name_is_reported)

# %% [markdown]
# ## Question 4: predict, then run: when is an observer told?
#
# A fresh `ZooBrowserViewModel` gets an observer on `results` (as `CountingViewModel`'s rule is).
# Then the five steps below run in order. **Predict** for each step how many times the observer
# is told that `results` changed. `q4.predict(predicted)` records your first prediction, then
# runs the steps on a fresh view model and shows both.

# %%
for step, _, _ in STEPS:
    print(step)
# BEGIN SOLUTION
#> predicted = ____  # {step: number of notifications, ...} for each step above
predicted = {
    "1. query = 'digits'": 1,  # a new list
    "2. query = 'digits' again": 0,  # the same value: the query's rule does not even run
    "3. framework = 'onnx'": 1,  # a shorter list
    "4. query = 'digits-cnn'": 0,  # the rule runs, but the new list equals the old one: silent
    "5. selected = 'digits-cnn-onnx'": 0,  # selecting does not touch results
}
# END SOLUTION

# %% tags=["check"]
q4.predict(predicted)

# %% tags=["check"]
q4.check()

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. What can you test in MVVM without a browser that you cannot in MVC?
# 2. Why must a test be shown to fail on a broken implementation?
# 3. Where should a rule such as 'count follows results' live, and why?

# %%
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. The whole state and its rules: the view model is plain objects with traits, so tests set
#    inputs and read outputs; in MVC the logic talks to the widgets.
# 2. A test that passes on everything proves nothing; running it against a deliberately broken
#    view model shows it checks the rule.
# 3. In the view model, as an observer on results, so every view bound to count stays right and
#    the rule is tested once.
# END SOLUTION
