"""The zoo browser's widgets, built once for both front ends (MVC and MVVM).

Each widget carries a stable CSS class (``zp-search``, ``zp-results``, ``zp-card``,
``zp-load``, ``zp-status``, ``zp-progress``, ...): the hooks the browser tests
and a teacher's custom stylesheet use. This module only *draws*: it has no
idea where its values come from. MVC's controller pushes values into it
(``mvc.py``); MVVM's view binds it to a view model (``views.py``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as w

from .model import ANY


def render_markdown(text: str) -> str:
    """Markdown to HTML, with raw HTML in the text escaped (a card is data, not page code)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table").render(text)


def status_html(status: str, error: str) -> str:
    if error:
        return f'<span class="zp-error" style="color:#b00020">{html.escape(error)}</span>'
    return f'<span class="zp-ok">{html.escape(status)}</span>'


def prediction_html(prediction: dict) -> str:
    if not prediction:
        return ""
    rows = "".join(f"<tr><td>{html.escape(str(label))}</td><td>{score:.3f}</td></tr>" for label, score in prediction["rows"])
    head = f"<b>{html.escape(prediction['sample'])}</b>: {html.escape(prediction['kind'])}"
    return f'{head}<table class="zp-prediction-table">{rows}</table>'


def filter_options(values: list[str], what: str) -> list[tuple[str, str]]:
    return [(f"any {what}", ANY), *[(v, v) for v in values]]


@dataclass
class BrowserWidgets:
    """Every widget of the browser, unconnected."""

    search: w.Text
    framework: w.Dropdown
    task: w.Dropdown
    results: w.Select
    card: w.HTML
    load: w.Button
    progress: w.FloatProgress
    status: w.HTML
    sample: w.Text
    predict: w.Button
    prediction: w.HTML

    @classmethod
    def create(cls) -> BrowserWidgets:
        made = cls(
            search=w.Text(placeholder="search: minilm, digits-*, onnx...", description="Search"),
            framework=w.Dropdown(options=filter_options([], "framework"), value=ANY, description="Framework"),
            task=w.Dropdown(options=filter_options([], "task"), value=ANY, description="Task"),
            results=w.Select(options=[], rows=10, description="Models", layout=w.Layout(width="22em")),
            card=w.HTML(layout=w.Layout(width="40em", max_height="26em", overflow="auto")),
            load=w.Button(description="Load", button_style="primary", disabled=True),
            progress=w.FloatProgress(value=0.0, min=0.0, max=1.0, description="Download"),
            status=w.HTML(),
            sample=w.Text(placeholder="digit #3, or a help-desk question", description="Sample"),
            predict=w.Button(description="Predict", disabled=True),
            prediction=w.HTML(),
        )
        for name in (
            "search",
            "framework",
            "task",
            "results",
            "card",
            "load",
            "progress",
            "status",
            "sample",
            "predict",
            "prediction",
        ):
            getattr(made, name).add_class(f"zp-{name}")
        return made

    def children(self) -> list[w.Widget]:
        return [
            w.HBox([self.search, self.framework, self.task]),
            w.HBox([self.results, self.card]),
            w.HBox([self.load, self.progress]),
            self.status,
            w.HBox([self.sample, self.predict]),
            self.prediction,
        ]
