"""MVVM: the zoo browser's view model, the state of the screen with no screen attached.

A view model holds everything a view shows as observable traits (``query``,
``results``, ``card_markdown``, ``progress``...) and offers commands
(:meth:`load`, :meth:`predict`). Views *bind* to the traits with traitlets'
``link``/``dlink``/``observe`` and call the commands; the view model never
knows they exist. So:

- the rules of the app (typing narrows the list, selecting shows the card,
  errors land in ``error`` and never escape) are tested in plain pytest,
  with no widget and no kernel;
- any number of views, of any kind, stay in sync, and adding one changes no
  line here (lesson 12 counts).

It imports traitlets, not ipywidgets: ipywidgets is one way to draw it.
"""

from __future__ import annotations

from traitlets import Bool, Dict, Float, HasTraits, List, Unicode, observe

from ..errors import ZooError
from .model import ANY, Loaded, ZooBrowserModel


class ZooBrowserViewModel(HasTraits):
    """The browser's state and commands. ``ZooBrowserViewModel(model)``; the model defaults to the workbook zoo."""

    # what the user sets (a view links its inputs to these)
    query = Unicode("", help="text the model names must contain; * and ? are wildcards")
    framework = Unicode(ANY, help="'' for any framework")
    task = Unicode(ANY, help="'' for any task")
    selected = Unicode("", help="the chosen model's name, '' for none")
    version = Unicode("", help="the chosen version of it, '' for the newest")
    # what the app derives (a view shows these)
    frameworks = List(Unicode(), help="choices for the framework filter")
    tasks = List(Unicode(), help="choices for the task filter")
    results = List(Unicode(), help="names matching query, framework and task")
    versions = List(Unicode(), help="the selected model's versions, oldest first")
    card_markdown = Unicode("", help="the selected model's card")
    status = Unicode("", help="one line: what just happened")
    error = Unicode("", help="what went wrong and how to fix it; '' when all is well")
    progress = Float(0.0, min=0.0, max=1.0, help="download progress of the current load")
    busy = Bool(False, help="True while a command runs")
    loaded = Unicode("", help="the name of the loaded model, '' for none")
    prediction = Dict(help="the last prediction: {'sample', 'kind', 'rows': [[label, score], ...]}")

    def __init__(self, model: ZooBrowserModel | None = None, **traits):
        self.model = model if model is not None else ZooBrowserModel()
        self._loaded: Loaded | None = None
        super().__init__(**traits)
        self.frameworks, self.tasks = self.model.choices()
        self._search()
        self.status = f"{len(self.results)} models in the zoo"

    # -- rules: the derived traits follow the inputs ------------------------------------------
    @observe("query", "framework", "task")
    def _search(self, change=None) -> None:
        try:
            self.results = self.model.search(self.query, self.framework, self.task)
        except ZooError as exc:  # a bad filter is a message, not a crash
            self.results, self.error = [], str(exc)
            return
        if self.selected and self.selected not in self.results:
            self.selected = ""  # what is not listed cannot stay selected
        if change is not None:
            self.status = f"{len(self.results)} match" + ("" if len(self.results) == 1 else "es")

    @property
    def ref(self) -> str:
        """What load() loads: the selected name, pinned to ``version`` when one is chosen."""
        return f"{self.selected}@{self.version.split()[0]}" if self.selected and self.version else self.selected

    @observe("selected")
    def _list_versions(self, change) -> None:
        try:
            self.versions = self.model.versions(self.selected) if self.selected else []
        except ZooError:
            self.versions = []  # _describe shows the error
        self.version = ""

    @observe("selected", "version")
    def _describe(self, change) -> None:
        self.error = ""
        if not self.selected:
            self.card_markdown = ""
            return
        try:
            self.card_markdown = self.model.describe(self.ref)
        except ZooError as exc:  # an unknown name: the message carries the registry's suggestions
            self.card_markdown, self.error = "", str(exc)

    # -- commands -----------------------------------------------------------------------------
    def load(self) -> bool:
        """Load the selected model through the loader; progress goes 0 to 1. Returns True when it loaded."""
        if not self.selected:
            self.error = "Select a model first: type in the search box, then pick a name from the list."
            return False
        name = self.ref
        self.busy, self.error, self.progress, self.prediction = True, "", 0.0, {}
        self.status = f"loading {name}..."
        try:
            self._loaded = self.model.load(name, on_progress=self._set_progress)
        except Exception as exc:  # offline, integrity, network, adapter: shown, never raised into a view
            self.error = _message(exc)
            self.status = f"could not load {name}"
            return False
        finally:
            self.busy = False
        self.loaded = name
        self.status = self._loaded.describe()
        return True

    def predict(self, sample: str = "") -> bool:
        """Run the loaded model on ``sample`` ('digit #3', or a sentence for MiniLM); '' uses a default."""
        if self._loaded is None:
            self.error = "Load a model first: select it, then press Load."
            return False
        self.busy, self.error = True, ""
        try:
            result = self.model.predict(self._loaded, sample)
        except Exception as exc:
            self.error = _message(exc)
            return False
        finally:
            self.busy = False
        self.prediction = {"sample": result.sample, "kind": result.kind, "rows": [[lab, s] for lab, s in result.rows]}
        self.status = f"{self.loaded} predicted on {result.sample!r}"
        return True

    def _set_progress(self, fraction: float) -> None:
        self.progress = min(1.0, max(0.0, fraction))


def _message(exc: Exception) -> str:
    return str(exc) if isinstance(exc, ZooError) else f"{type(exc).__name__}: {exc}"
