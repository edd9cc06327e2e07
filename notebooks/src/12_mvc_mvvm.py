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
# # 12 · MVC, MVVM and layers
#
# **Time:** about 30 minutes; the cells run in about 10 s on a 2-core CPU.
#
# **Prerequisites:** lessons 01–04 (the registry, cards and the loader); Python classes, and
# ipywidgets if you have used them (not required).
#
# **You will learn to:**
#
# - write a passive view and a controller (MVC) and drive them without a browser;
# - write a small view model with traitlets: typed traits, an `@observe` rule, and `link`/`dlink` bindings;
# - explain, by counting source lines, why a new view changes the controller but not the view model;
# - test a view model's rules as plain functions, with no widget or browser;
# - read a package's layers from its imports and find an import that points up.
#
# A model zoo is also an *application*: a catalogue you search, cards you read, a Load button,
# a progress bar, a prediction. This lesson builds that application, a **zoo browser**, twice,
# on the same model layer:
#
# - **MVC**: a *[passive view](../docs/glossary.md#passive-view)* draws what it is told and reports clicks; a *controller* handles
#   each click, calls the model, and pushes every result back into the view.
# - **MVVM**: a *view model* holds the screen's state as observable traits (`query`, `results`,
#   `card_markdown`, `progress`...); views *bind* to those traits and call its commands. The
#   view model never knows a view exists.
#
# ipywidgets is itself MVC across two processes: each widget is a model in the kernel, synced
# over comm messages (Jupyter's channel between the kernel and the page)
# to a view in the browser (a `Text` names its `TextModel` and its `TextView`, and holds a comm:
# `ipywidgets/widgets/widget.py`, class `Widget`). traitlets' [`observe`](../docs/glossary.md#observe) (call a function
# when a trait changes), [`link`](../docs/glossary.md#link) (keep two traits equal, both ways) and
# [`dlink`](../docs/glossary.md#dlink) (copy one trait to another, one way) are the data binding
# MVVM needs. We measure what each pattern buys: what changes when the view changes,
# and how much can be tested without a browser. Then we draw the layers of the whole package
# from its real imports.

# %%
import ast
import inspect
import re
import tempfile
import time
from pathlib import Path

from IPython.display import display

import zoo_patterns as zp
from zoo_patterns.loader import Loader

zp.quiet()
# A fresh cache, so that pressing Load really downloads through every loader layer (lesson 04).
cache = Path(tempfile.mkdtemp(prefix="lesson12-cache-"))
print("zoo:", zp.zoo_dir(), "| fresh cache:", cache)

# %% [markdown]
# ## 1. The model layer: what the app can do
#
# `ZooBrowserModel` is plain Python over the layers below it: the registry and cards (search,
# describe), the loader (fetch, with progress) and, through the facade `zp.build`, the adapters
# (one `predict` for every framework). It has no UI state and imports no widget library. Both
# front ends will call it.

# %%
from zoo_patterns.ui import ZooBrowserModel

model = ZooBrowserModel(loader=Loader(cache=cache, progress=False))
print("search 'digits', onnx only:", model.search("digits", framework="onnx"))
print(model.describe("digits-cnn-torch").splitlines()[0])
fractions = []
loaded = model.load("digits-cnn-torch", on_progress=fractions.append)
print(loaded.describe())
print(f"progress reported {len(fractions)} times: {fractions[0]:.3f} ... {fractions[-1]:.3f}")
prediction = model.predict(loaded, "digit #3")
print(prediction.rows)
assert model.search("digits", framework="onnx") == ["digits-cnn-onnx"]
assert loaded.downloaded and fractions[0] < 1.0 and fractions[-1] == 1.0
assert prediction.rows[0][0] == "digit 3"

# %% [markdown]
# ## 2. MVC: a passive view and a controller
#
# A **passive view** only draws what it is told (`show_*` methods) and reports what the user did
# (`on_*` events); it decides nothing. A **controller** subscribes to those events, calls the
# model, keeps the app's state (what is selected, what is loaded) and pushes every result back
# into the view. Here are both, written with plain ipywidgets over the model layer above:

# %%
import html

import ipywidgets as widgets

from zoo_patterns.errors import ZooError


class PassiveView(widgets.VBox):
    """Draws what it is told (show_*) and reports what the user did (on_*). It decides nothing."""

    def __init__(self):
        self.search, self.sample = widgets.Text(description="Search"), widgets.Text(description="Sample")
        self.results, self.card = widgets.Select(rows=6, description="Models"), widgets.HTML()
        self.load, self.predict = widgets.Button(description="Load"), widgets.Button(description="Predict")
        self.status, self.prediction = widgets.HTML(), widgets.HTML()
        self.drawing = False  # True while show_results sets the list: those changes are not the user's
        rows = [self.search, widgets.HBox([self.results, self.card]), self.load, self.status]
        super().__init__([*rows, widgets.HBox([self.sample, self.predict]), self.prediction])

    def show_results(self, names, selected=""):
        self.drawing = True
        self.results.options = names
        self.results.value = selected if selected in names else None
        self.drawing = False

    def show_card(self, markdown):
        self.card.value = f"<pre>{html.escape(markdown)}</pre>"

    def show_status(self, text):
        self.status.value = html.escape(text)

    def show_prediction(self, rows):
        cells = "".join(f"<tr><td>{html.escape(label)}</td><td>{score:.3f}</td></tr>" for label, score in rows)
        self.prediction.value = f"<table>{cells}</table>"

    def on_search(self, handler):
        self.search.observe(lambda change: handler(change["new"]), "value")

    def on_select(self, handler):
        self.results.observe(lambda change: None if self.drawing else handler(change["new"] or ""), "value")

    def on_load(self, handler):
        self.load.on_click(lambda button: handler())

    def on_predict(self, handler):
        self.predict.on_click(lambda button: handler(self.sample.value))


class Controller:
    """Handles the view's events: calls the model, keeps the state, pushes every result into the view."""

    def __init__(self, model, view):
        self.model, self.view = model, view
        self.selected, self.loaded = "", None
        view.on_search(self.search)
        view.on_select(self.select)
        view.on_load(self.load)
        view.on_predict(self.predict)
        self.search("")

    def search(self, query):
        names = self.model.search(query)
        if self.selected not in names:
            self.select("")  # what is not listed cannot stay selected
        self.view.show_results(names, self.selected)
        self.view.show_status(f"{len(names)} match" + ("" if len(names) == 1 else "es"))

    def select(self, name):
        self.selected = name
        self.view.show_card(self.model.describe(name) if name else "")

    def load(self):
        if not self.selected:
            self.view.show_status("Select a model first, then press Load.")
            return
        try:
            self.loaded = self.model.load(self.selected)
            self.view.show_status(self.loaded.describe())
        except ZooError as exc:  # offline, a damaged file: a message for the user, never a crash
            self.view.show_status(str(exc))

    def predict(self, sample):
        if self.loaded is None:
            self.view.show_status("Load a model first: select it, then press Load.")
            return
        self.view.show_prediction(self.model.predict(self.loaded, sample).rows)


my_view = PassiveView()
my_controller = Controller(model, my_view)
display(my_view)

# %% [markdown]
# Try it: type in the box, pick a model, press Load, then Predict. Setting a widget's `value` and
# calling a button's `click()` run the same handlers as the messages a browser sends when you type
# or click (`ipywidgets/widgets/widget.py`, `Widget._handle_msg`, which sets the state a message
# carries; `widget_button.py`, `Button.click`; `tests/test_claims_10_12.py` sends both and
# compares), so a cell can drive the app without a browser, action by action.
#
# **Predict, then run:** the next cell presses Load with nothing selected, then predicts before
# anything is loaded. What will the status line say after each?

# %%
my_view.load.click()
after_empty_load = my_view.status.value
my_view.predict.click()
print("after Load with nothing selected:", after_empty_load)
print("after Predict with nothing loaded:", my_view.status.value)
assert after_empty_load.startswith("Select a model first") and my_controller.loaded is None
assert my_view.status.value.startswith("Load a model first")

# %% [markdown]
# The package's `MVCView` and `MVCController` are these two grown up: framework and task filters,
# a progress bar, a busy state that disables the buttons. Drive both apps with the same actions,
# the way a user would, and compare the state they end in:

# %%
from zoo_patterns.ui import MVCController, MVCView

mvc_view = MVCView()
controller = MVCController(model, mvc_view)
display(mvc_view)


def act(search, results, load, status, sample, predict):
    """A user's session: type a query, pick a model, press Load, type a sample, press Predict."""
    search.value = "cnn-t"
    results.value = "digits-cnn-torch"
    load.click()
    after_load = status.value
    sample.value = "digit #3"
    predict.click()
    return after_load


mine_after_load = act(my_view.search, my_view.results, my_view.load, my_view.status, my_view.sample, my_view.predict)
w = mvc_view.w
theirs_after_load = act(w.search, w.results, w.load, w.status, w.sample, w.predict)
table_rows = re.compile(r"<td>(.*?)</td><td>(.*?)</td>")
mine_shown, theirs_shown = table_rows.findall(my_view.prediction.value), table_rows.findall(w.prediction.value)
print("lists:", my_view.results.options, mvc_view.w.results.options)
print("selected and loaded:", (my_controller.selected, my_controller.loaded.name), (controller.selected, controller.loaded.name))
print("predictions shown:", mine_shown, theirs_shown)
assert my_view.results.options == mvc_view.w.results.options == ("digits-cnn-torch", "digits-cnn-torchhub")
assert my_controller.selected == controller.selected == my_controller.loaded.name == controller.loaded.name
assert mine_shown == theirs_shown and mine_shown[0][0] == "digit 3"
assert "loaded digits-cnn-torch" in mine_after_load and "loaded digits-cnn-torch" in theirs_after_load

# %% [markdown]
# ## 3. MVVM: the state, with no view at all
#
# First a view model small enough to read at once. A `HasTraits` class declares its state as typed
# **traits**; a method decorated with `@observe("query")` runs every time `query` changes, which is
# where the rules live. Nothing in it knows a widget exists.

# %%
from traitlets import HasTraits, List, Unicode, dlink, link, observe


class SearchViewModel(HasTraits):
    """The search half of the zoo browser: type a query, get the matching names, select one, read its card."""

    query = Unicode("")
    framework = Unicode("")
    results = List(Unicode())
    selected = Unicode("")
    card_markdown = Unicode("")
    error = Unicode("")

    def __init__(self, model, **traits):
        self.model = model
        super().__init__(**traits)
        self._search()

    @observe("query", "framework")
    def _search(self, change=None):
        self.results = self.model.search(self.query, self.framework)
        if self.selected and self.selected not in self.results:
            self.selected = ""  # what is not listed cannot stay selected

    @observe("selected")
    def _describe(self, change):
        self.error, self.card_markdown = "", ""
        if self.selected:
            try:
                self.card_markdown = self.model.describe(self.selected)
            except ZooError as exc:  # an unknown name is a message for the view, never an exception
                self.error = str(exc)


# %% [markdown]
# Now bind it. `link` ties a text box's `value` to `query` both ways; `dlink` copies `results` one
# way into a list's `options`, `error` into a label, and (through a function) the number of results
# into another label, so the view shows state it cannot change. Then we act *on the widget*, the
# way typing would, and watch the state follow.
#
# **Predict, then run:** after typing `cnn-t` into the box and then selecting the misspelt
# `digits-cnn-torh` in code, what will the list show, and what will the error label say?

# %%
import ipywidgets as widgets

mine = SearchViewModel(model)
box, listing, count, message = widgets.Text(), widgets.Select(), widgets.Label(), widgets.Label()
link((mine, "query"), (box, "value"))
dlink((mine, "results"), (listing, "options"))
dlink((mine, "results"), (count, "value"), lambda names: f"{len(names)} match(es)")
dlink((mine, "error"), (message, "value"))
changes = []
mine.observe(lambda change: changes.append(change["name"]), ["results", "selected", "error"])

box.value = "cnn-t"  # as if typed: link sets mine.query, @observe recomputes results, dlink fills the list
mine.selected = "digits-cnn-torh"
typed = (listing.options, count.value, message.value)
print("list:", typed[0], "|", typed[1], "| error label:", typed[2][:92], "...")
mine.query = "onnx"  # from code: the box follows, because link works both ways
print("box:", repr(box.value), "| list:", listing.options, "| error label:", repr(message.value))
print("changes the observer saw:", changes)
assert typed[:2] == (("digits-cnn-torch", "digits-cnn-torchhub"), "2 match(es)") and "Did you mean: digits-cnn-torch" in typed[2]
assert box.value == "onnx" and listing.options == tuple(mine.results) and mine.selected == message.value == ""
assert changes.count("results") == 2 and "error" in changes  # each typed query recomputed results once
listed = list(mine.results)
listing.options = ("x",)  # the view writes what dlink gave it: nothing flows back
assert mine.results == listed
listing.options = tuple(listed)

# %% [markdown]
# The typo became a message in a trait, not an exception in a view, and the new query dropped the
# selection it no longer lists, which cleared the message. **Try changing this:** replace
# the `dlink` on `results` with `link` and set `listing.options = ("x",)`: now the view can write
# the results, which is exactly what a derived trait must not allow. Or add a `task` trait and add it
# to `@observe`.
#
# The package's `ZooBrowserViewModel` is this class grown up: the same traits and rules plus
# `task`, the filter choices, `status`, and the `load`/`predict` commands with `busy` and
# `progress`. The same actions must give the same state:

# %%
from zoo_patterns.ui import ZooBrowserViewModel

theirs = ZooBrowserViewModel(model)
for vm_ in (mine, theirs):
    vm_.framework, vm_.query, vm_.selected = "", "cnn-t", "digits-cnn-torh"
same_typo = (mine.results, mine.error) == (theirs.results, theirs.error)
for vm_ in (mine, theirs):
    vm_.selected = "digits-cnn-torch"
print("same results and error after the typo:", same_typo, "| same card:", mine.card_markdown == theirs.card_markdown)
assert same_typo and mine.results == theirs.results == ["digits-cnn-torch", "digits-cnn-torchhub"]
assert mine.card_markdown == theirs.card_markdown != "" and mine.error == theirs.error == ""
mine.query = theirs.query = "minilm"  # the selection is no longer listed: both drop it
assert mine.selected == theirs.selected == "" and mine.results == theirs.results == ["minilm-l6"]

# %% [markdown]
# `ZooBrowserViewModel` holds the traits and the rules between them: changing `query`, `framework`
# or `task` updates `results`; setting `selected` fills `card_markdown`; a load sets `busy`, moves
# `progress` from 0 to 1 and never lets an exception reach a view (it lands in `error`). All of
# that runs here with no widget in sight.

# %%
vm = ZooBrowserViewModel(model)
vm.query = "minilm"
print("results:", vm.results)
vm.selected = "digits-cnn-torh"  # a typo
typo_error = vm.error
print("error:", typo_error)
vm.query, vm.framework = "digits", "onnx"
vm.selected = "digits-cnn-onnx"
busy_seen = []
vm.observe(lambda change: busy_seen.append(change["new"]), "busy")
vm.load()
print("status:", vm.status, "| busy went", busy_seen, "| progress", vm.progress)
assert vm.results == ["digits-cnn-onnx"] and busy_seen == [True, False] and vm.progress == 1.0
assert "Did you mean: digits-cnn-torch" in typo_error and vm.error == ""  # the next selection cleared it
assert vm.loaded == "digits-cnn-onnx"

# %% [markdown]
# Now a view: `BrowserView` creates the same widgets as the MVC view and binds each one to a trait
# (`link` for inputs, `dlink` for outputs, `observe` where a widget needs its own format). It holds
# no state of its own.

# %%
from zoo_patterns.ui import BrowserView

mvvm_view = BrowserView(vm)
display(mvvm_view)

# %% [markdown]
# ## 4. Change the view
#
# Add a second, different view to the running app: `TextView`, the same state as text for a
# terminal (it needs no widget library at all). Then change the state *from code*: both views
# follow, because both are bound to the view model.

# %%
from zoo_patterns.ui import TextView

text_view = TextView(vm)
vm.framework, vm.query = "", "cnn-t"
print(text_view)
assert list(mvvm_view.w.results.options) == vm.results == ["digits-cnn-torch", "digits-cnn-torchhub"]
assert "2 result(s):" in text_view.screen

# %% [markdown]
# The same move in MVC: a second `MVCView` next to the first, then a new search typed into the first.
#
# **Predict, then run:** what will the second view's list hold? (Hint: who pushes results into a
# passive view, and which view was that controller given?)

# %%
second_mvc_view = MVCView()
mvc_view.w.search.value = "minilm"
print("first MVC view:", mvc_view.w.results.options, "| second MVC view:", second_mvc_view.w.results.options)
assert mvc_view.w.results.options == ("minilm-l6",) and second_mvc_view.w.results.options == ()

# %% [markdown]
# Empty: the controller only ever pushes into the view it was given.

# %% [markdown]
# Now count. A line of the controller that calls `self.view` is a line that must change (or be
# answered by every new view, method for method) when the view changes. A line of the view model
# that mentions a view or a widget would be the same for MVVM. We count both from the source.


# %%
def lines_touching(cls, words):
    """Source lines of ``cls`` whose code (not comments or docstrings) names one of ``words``."""
    tree = ast.parse(inspect.getsource(cls))
    hits = set()
    for node in ast.walk(tree):
        name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
        if any(w in name.lower() for w in words):
            hits.add(node.lineno)
    return sorted(hits)


mvc_lines = lines_touching(MVCController, ("view",))
mvvm_lines = lines_touching(ZooBrowserViewModel, ("view", "widget"))
view_methods = [n for n in vars(MVCView) if n.startswith(("show_", "on_"))]
text_view_lines = len(inspect.getsource(TextView).splitlines())
print(f"MVC : {len(mvc_lines)} controller lines call the view; a new view must offer {len(view_methods)} methods: {view_methods}")
print(f"MVVM: {len(mvvm_lines)} view-model lines mention a view; the text view is {text_view_lines} lines of its own and reads only traits")
assert len(mvvm_lines) == 0 and len(mvc_lines) >= 10

# %% [markdown]
# So: in MVC the controller is written against one view's interface and drives it step by step.
# A passive view with a stable `show_*`/`on_*` interface keeps that contained, but every new view
# must implement all of it, and two views at once need a controller that knows about both. In
# MVVM the view model is finished when its rules are: views come and go without touching it.

# %% [markdown]
# ## 5. What runs without a browser
#
# Because the rules live in the view model, its tests are plain functions. Here are three,
# run right here with no widget, kernel comm or browser involved:


# %%
def rule_query_narrows_results(vm):
    vm.query = "cnn-t"
    assert vm.results == ["digits-cnn-torch", "digits-cnn-torchhub"]


def rule_unknown_name_is_an_error_not_an_exception(vm):
    vm.selected = "digits-cnn-torh"
    assert "Did you mean: digits-cnn-torch" in vm.error and vm.card_markdown == ""


def rule_load_without_selection_says_what_to_do(vm):
    vm.selected = ""
    assert vm.load() is False and vm.error.startswith("Select a model first")


start = time.perf_counter()
for rule in (rule_query_narrows_results, rule_unknown_name_is_an_error_not_an_exception, rule_load_without_selection_says_what_to_do):
    rule(ZooBrowserViewModel(model))
print(f"3 view-model rules checked in {time.perf_counter() - start:.3f} s")

# %% [markdown]
# The repository's own suite does the same at scale: the UI tests in `tests/test_ui.py` start no
# browser, and only two tests, in `tests/test_ui_browser.py`, start Chromium (driven by Playwright,
# against Voila and against JupyterLab, screenshots in `build/screenshots/`). A test in
# `tests/test_ui.py` keeps that balance.

# %% [markdown]
# ## 6. The layers of the whole package, from its imports
#
# Layered architecture says each layer uses only the layers below it. `zoo_patterns.architecture`
# reads every module's imports (lazy ones inside functions too) without importing anything, and
# `architecture.LAYERS` is the order the design declares, bottom to top: the ground (errors,
# settings, cards, registry, hashing, the index format, the model classes), then `loader` and
# `adapters` side by side, then the facade `zp.load`, then the zoo's build and the workflows, then
# the apps (`ui`, the command line, the exercise checks). A red arrow would be an import that does
# not point down.

# %%
from zoo_patterns.architecture import LAYERS, cycles, import_graph, importers_of, plot_layers, upward_arrows

graph = import_graph()
plot_layers(graph, declared=True)
arrows = sum(len(deps) for deps in graph.parts.values())
print("declared layers, bottom to top:", " -> ".join(name for name, _ in LAYERS))
print(f"{len(graph.parts)} parts, {arrows} arrows; cycles: {cycles(graph.parts)}; upward arrows: {upward_arrows(graph.parts)}")
print("ui imports:", sorted(graph.parts["ui"]))
print("who imports ui:", sorted(importers_of(graph, "ui")), "| who imports ipywidgets:", sorted(importers_of(graph, "ipywidgets")))
assert cycles(graph.parts) == [] and upward_arrows(graph.parts) == []
assert "adapters" not in graph.parts["loader"] and "loader" not in graph.parts["adapters"]
assert importers_of(graph, "ui") <= {"cli", "exercises"} and importers_of(graph, "ipywidgets") == {"ui"}

# %% [markdown]
# The UI is at the top: only the command line (`python -m zoo_patterns browse`) and the exercise
# checks, which are front ends themselves, import it. There are no cycles, and the suite keeps it
# so (`tests/test_architecture.py` runs these checks on every change). It was not always like this:
# the package once had a knot of eight parts that all reached each other, and three of its cycles
# were drawn in this lesson. What moved, and why:
#
# - **The loader stops at decode.** It used to adapt what it loaded, while an adapter reloaded
#   saved folders through the loader: a circle. Now the facade `zp.load` joins the two
#   (`zp.build(snapshot, adapt=True)`), and `zp.load(folder, adapt=True)` opens a saved model.
# - **The loader is handed its zoo.** It used to build the whole zoo when a name was resolved. Now
#   its default zoo is a setting: `settings.default_zoo()` finds the builder *by name*
#   (`settings.ZOO_BUILDER`), so `zp.load` still builds the zoo on first use while the ground never
#   imports the layer above it (dependency inversion, the way a plug-in's entry point works).
# - **Shared things moved down to the ground**: the model classes (`zoo_patterns.models`, which the
#   decoders, adapters, zoo and trainers all need), one hashing helper, and the index format.
# - **Things that belong together moved together**: the derived-card writer and the parser that
#   reads its provenance line (`lineage`), one mean-pooling helper, and the zoo's build split into
#   recipes, builder and fingerprint.
#
# The UI itself now loads through the facade, with a progress callback for that one call, instead
# of redoing decode, card and adapt and swapping a callback into a shared loader.
#
# ## 7. The same app as a web page
#
# `python -m zoo_patterns browse` (or `make app`) serves the MVVM browser with **Voila**, offline,
# on `http://127.0.0.1:8866`: the notebook runs in a kernel and the page shows its outputs, the
# widgets, without its code (`voila/configuration.py`: `strip_sources` is on by default).
# In JupyterLab, `ZooBrowser()` in a cell gives the same app. On Colab, the first cell calls
# `google.colab.output.enable_custom_widget_manager()`, Colab's switch for widget libraries it does
# not ship; nothing in this workbook's tests can run Colab, so check it there.
#
# ## Summary
#
# - The model layer (`ZooBrowserModel`) is shared: plain Python, no UI state, used by both front ends.
# - A passive view and a controller fit in a screenful of plain ipywidgets code; driven by the same
#   actions as the package's `MVCView` and `MVCController`, they ended in the same list, selection,
#   loaded model and prediction.
# - MVC puts the state in a controller that pushes into one view: a second view stayed empty, and
#   10 or more controller lines call the view.
# - MVVM puts it in a view model that any number of views bind to: a small `HasTraits` class with
#   `@observe`, `link` and `dlink` gave the same results, errors and cards as the package's, and no
#   line of the package's view model mentions a view.
# - Because the rules live in the view model, they are tested as plain functions, with no browser.
# - The package's layers are a fact read from its imports: no cycles, no arrow pointing up.
#
# **Exercise:** [exercises/12_mvc_mvvm.ipynb](../exercises/12_mvc_mvvm.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [13 · Capstone: your model, in a zoo, end to end](13_capstone.ipynb).
