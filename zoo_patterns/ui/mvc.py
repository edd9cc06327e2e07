"""MVC: the same zoo browser as a passive view, a controller, and the shared model.

- The **model** is :class:`~zoo_patterns.ui.model.ZooBrowserModel`, the same
  object the MVVM version uses.
- The **view** (:class:`MVCView`) is passive: it draws what it is told
  (``show_results``, ``show_card``, ...) and reports what the user did
  (``on_search``, ``on_select``, ``on_load``, ``on_predict``), nothing else.
- The **controller** (:class:`MVCController`) handles each event: it calls the
  model, keeps the app's state (what is loaded), and pushes every result into
  the view.

Compare with MVVM (``viewmodel.py``): here the state lives in the controller
and reaches the screen only because the controller calls the view, so the
controller knows the view's interface and must call every view it serves.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import ipywidgets as w

from .model import ZooBrowserModel
from .widgets import BrowserWidgets, filter_options, prediction_html, render_markdown, status_html


class MVCView(w.VBox):
    """A passive view: ``show_*`` methods in, ``on_*`` events out."""

    def __init__(self):
        self.w = BrowserWidgets.create()
        super().__init__(self.w.children())
        self.add_class("zp-browser")
        self._quiet = False  # True while show_* sets a widget, so that it is not reported as a user event

    # -- drawing: what the controller calls -----------------------------------------------
    def show_choices(self, frameworks: list[str], tasks: list[str]) -> None:
        with self._programmatic():
            self.w.framework.options = filter_options(frameworks, "framework")
            self.w.task.options = filter_options(tasks, "task")

    def show_results(self, names: list[str], selected: str = "") -> None:
        with self._programmatic():
            self.w.results.options = names
            self.w.results.value = selected if selected in names else None
        self.w.load.disabled = not selected

    def show_card(self, markdown: str) -> None:
        self.w.card.value = render_markdown(markdown)

    def show_status(self, text: str, error: str = "") -> None:
        self.w.status.value = status_html(text, error)

    def show_progress(self, fraction: float) -> None:
        self.w.progress.value = fraction

    def show_busy(self, busy: bool, loaded: bool) -> None:
        self.w.load.disabled = busy or self.w.results.value is None
        self.w.predict.disabled = busy or not loaded

    def show_prediction(self, prediction: dict) -> None:
        self.w.prediction.value = prediction_html(prediction)

    # -- events: what the controller subscribes to --------------------------------------
    def on_search(self, handler: Callable[[str, str, str], None]) -> None:
        """``handler(query, framework, task)`` whenever one of the three inputs changes."""

        def fire(change) -> None:
            if not self._quiet:
                handler(self.w.search.value, self.w.framework.value, self.w.task.value)

        for widget in (self.w.search, self.w.framework, self.w.task):
            widget.observe(fire, "value")

    def on_select(self, handler: Callable[[str], None]) -> None:
        self.w.results.observe(lambda change: None if self._quiet else handler(change["new"] or ""), "value")

    def on_load(self, handler: Callable[[], None]) -> None:
        self.w.load.on_click(lambda _: handler())

    def on_predict(self, handler: Callable[[str], None]) -> None:
        self.w.predict.on_click(lambda _: handler(self.w.sample.value))

    @contextlib.contextmanager
    def _programmatic(self):
        """Widget changes made inside are the controller's own, not the user's: no events for them."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False


class MVCController:
    """Handles the view's events, calls the model, and pushes the results back into the view."""

    def __init__(self, model: ZooBrowserModel, view: MVCView):
        self.model, self.view = model, view
        self.selected, self.loaded = "", None
        view.on_search(self.search)
        view.on_select(self.select)
        view.on_load(self.load)
        view.on_predict(self.predict)
        view.show_choices(*model.choices())
        self.search("", "", "")

    def search(self, query: str, framework: str, task: str) -> None:
        names = self.model.search(query, framework, task)
        if self.selected not in names:
            self.select("")
        self.view.show_results(names, self.selected)
        self.view.show_status(f"{len(names)} match" + ("" if len(names) == 1 else "es"))

    def select(self, name: str) -> None:
        self.selected = name
        try:
            self.view.show_card(self.model.describe(name) if name else "")
        except Exception as exc:  # an unknown name: the message carries the registry's suggestions
            self.view.show_card("")
            self.view.show_status("", str(exc))
        self.view.show_busy(False, self.loaded is not None)

    def load(self) -> None:
        name = self.selected
        self.view.show_busy(True, False)
        self.view.show_progress(0.0)
        self.view.show_status(f"loading {name}...")
        try:
            self.loaded = self.model.load(name, on_progress=self.view.show_progress)
            self.view.show_status(self.loaded.describe())
        except Exception as exc:  # offline, integrity, network, adapter: shown, never raised
            self.view.show_status("", str(exc))
        self.view.show_busy(False, self.loaded is not None)

    def predict(self, sample: str) -> None:
        if self.loaded is None:
            self.view.show_status("", "Load a model first: select it, then press Load.")
            return
        try:
            result = self.model.predict(self.loaded, sample)
        except Exception as exc:
            self.view.show_status("", str(exc))
            return
        self.view.show_prediction({"sample": result.sample, "kind": result.kind, "rows": [list(r) for r in result.rows]})
        self.view.show_status(f"{self.loaded.name} predicted on {result.sample!r}")


def mvc_browser(model: ZooBrowserModel | None = None) -> MVCView:
    """The MVC app, ready to display: ``mvc_browser()`` in a cell."""
    view = MVCView()
    view.controller = MVCController(model if model is not None else ZooBrowserModel(), view)
    return view
