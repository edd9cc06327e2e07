"""The zoo browser, built twice on one model layer: MVC and MVVM (lesson 12).

The top layer of the package. It imports downward only (registry, cards,
loader, adapters); nothing below it imports ``ui`` or ipywidgets
(``tests/test_ui.py`` proves it from the import graph).

- ``model``      :class:`ZooBrowserModel`, search / describe / load / predict (no UI at all)
- ``viewmodel``  :class:`ZooBrowserViewModel`, MVVM's observable state and commands (traitlets only)
- ``views``      :class:`BrowserView` (ipywidgets) and :class:`TextView` (text), two views of one view model
- ``mvc``        :class:`MVCView` (passive) and :class:`MVCController`, the same app as MVC
- ``widgets``    the widgets both front ends draw with, each with a ``zp-*`` CSS class

``ZooBrowser()`` in a notebook cell shows the MVVM app; ``python -m
zoo_patterns browse`` serves it with Voila. Names are imported lazily, so
``from zoo_patterns.ui import ZooBrowserViewModel`` needs no ipywidgets.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "ANY": "model",
    "Loaded": "model",
    "Prediction": "model",
    "PredictionError": "model",
    "ZooBrowserModel": "model",
    "ZooBrowserViewModel": "viewmodel",
    "BrowserView": "views",
    "TextView": "views",
    "MVCController": "mvc",
    "MVCView": "mvc",
    "mvc_browser": "mvc",
}


def ZooBrowser(model=None, **traits):  # noqa: N802  (reads as a class in a notebook)
    """The MVVM zoo browser, ready to display: a :class:`BrowserView` on a new view model (``.vm``)."""
    from .viewmodel import ZooBrowserViewModel
    from .views import BrowserView

    return BrowserView(ZooBrowserViewModel(model, **traits))


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ZooBrowser", *_WHERE]
