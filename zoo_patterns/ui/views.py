"""MVVM views: two different views bound to one :class:`ZooBrowserViewModel`.

- :class:`BrowserView` draws the full app with ipywidgets. Every widget is
  *bound* to a trait of the view model (traitlets ``link``/``dlink`` and
  ``observe``); its buttons call the view model's commands. It holds no state
  of its own.
- :class:`TextView` draws the same state as plain text, for a terminal or a
  log. It needs no widget library at all.

Both follow the view model whoever changes it (the other view, a test, a
notebook cell), and neither needed a line of the view model to change.
"""

from __future__ import annotations

import ipywidgets as w
from traitlets import dlink, link

from .viewmodel import ZooBrowserViewModel
from .widgets import BrowserWidgets, filter_options, prediction_html, render_markdown, status_html


class BrowserView(w.VBox):
    """The zoo browser as ipywidgets, bound to a view model. Display it in a cell, or serve it with Voila."""

    def __init__(self, vm: ZooBrowserViewModel):
        self.vm = vm
        self.w = ws = BrowserWidgets.create()
        super().__init__(ws.children())
        self.add_class("zp-browser")
        # inputs <-> view model: two-way links
        link((vm, "query"), (ws.search, "value"))
        dlink((vm, "frameworks"), (ws.framework, "options"), lambda v: filter_options(v, "framework"))
        dlink((vm, "tasks"), (ws.task, "options"), lambda v: filter_options(v, "task"))
        link((vm, "framework"), (ws.framework, "value"))
        link((vm, "task"), (ws.task, "value"))
        # outputs <- view model: one-way, with a transform to the widget's own format
        dlink((vm, "card_markdown"), (ws.card, "value"), render_markdown)
        dlink((vm, "progress"), (ws.progress, "value"))
        dlink((vm, "prediction"), (ws.prediction, "value"), prediction_html)
        vm.observe(self._show_status, ["status", "error"])
        vm.observe(self._enable, ["selected", "loaded", "busy"])
        # the list: a Select picks its first option by itself, so options and value move together
        vm.observe(self._show_results, ["results", "selected"])
        ws.results.observe(self._pick, "value")
        # commands
        ws.load.on_click(lambda _: vm.load())
        ws.predict.on_click(lambda _: vm.predict(ws.sample.value))
        self._show_results()
        self._show_status()
        self._enable()

    def _show_results(self, change=None) -> None:
        select = self.w.results
        self._syncing = True
        try:
            if list(select.options) != self.vm.results:
                select.options = self.vm.results
            select.value = self.vm.selected if self.vm.selected in self.vm.results else None  # an unknown name selects nothing
        finally:
            self._syncing = False

    def _pick(self, change) -> None:
        if not self._syncing:
            self.vm.selected = change["new"] or ""

    def _show_status(self, change=None) -> None:
        self.w.status.value = status_html(self.vm.status, self.vm.error)

    def _enable(self, change=None) -> None:
        vm = self.vm
        self.w.load.disabled = vm.busy or not vm.selected
        self.w.predict.disabled = vm.busy or not vm.loaded
        self.w.progress.bar_style = "info" if vm.busy else ("success" if vm.progress >= 1.0 else "")


class TextView:
    """The same view model as text: what a terminal (or a log) shows. ``print(view)`` or ``view.screen``."""

    WATCHED = ("query", "framework", "task", "results", "selected", "status", "error", "progress", "loaded", "prediction")

    def __init__(self, vm: ZooBrowserViewModel, width: int = 72):
        self.vm, self.width, self.updates = vm, width, 0
        vm.observe(self._redraw, list(self.WATCHED))
        self._redraw()

    def _redraw(self, change=None) -> None:
        vm = self.vm
        filters = ", ".join(f"{k}={v}" for k, v in (("framework", vm.framework), ("task", vm.task)) if v) or "no filters"
        lines = [f"search: {vm.query!r} ({filters})", f"{len(vm.results)} result(s):"]
        lines += [f" {'>' if n == vm.selected else ' '} {n}" for n in vm.results]
        bar = int(round(vm.progress * 20))
        lines.append(f"[{'#' * bar}{'.' * (20 - bar)}] {vm.progress:4.0%}  loaded: {vm.loaded or '-'}")
        lines.append(f"error: {vm.error}" if vm.error else f"status: {vm.status}")
        if vm.prediction:
            lines.append(f"prediction for {vm.prediction['sample']!r} ({vm.prediction['kind']}):")
            lines += [f"  {score:6.3f}  {label}" for label, score in vm.prediction["rows"]]
        self.screen = "\n".join(line[: self.width] for line in lines)
        self.updates += change is not None

    def __str__(self) -> str:
        return self.screen

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.screen)
