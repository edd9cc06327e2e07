"""The package's own imports follow the layered architecture it teaches (lesson 12).

Read from the source with ``zoo_patterns.architecture`` (nothing is imported), lazy imports inside
functions included: zero cycles, and every arrow points down the declared layers.
"""

from __future__ import annotations

import pytest

from zoo_patterns import architecture
from zoo_patterns.architecture import LAYERS, SIDE_BY_SIDE, cycles, declared_layer, import_graph, upward_arrows


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_no_part_reaches_itself(graph):
    assert cycles(graph.parts) == [], "pairs of parts that import each other, lazily or not"


def test_every_part_has_a_declared_layer(graph):
    for part in graph.parts:
        declared_layer(part)  # KeyError names a part nobody placed


def test_every_arrow_points_down_the_declared_layers(graph):
    assert upward_arrows(graph.parts) == [], "imports that go up a layer, or between loader and adapters"


def test_loader_and_adapters_stand_side_by_side(graph):
    assert SIDE_BY_SIDE == {"loader", "adapters"}
    assert "adapters" not in graph.parts["loader"] and "loader" not in graph.parts["adapters"]
    below = set().union(*(parts for name, parts in LAYERS[: declared_layer("loader")]))
    assert graph.parts["loader"] <= below and graph.parts["adapters"] <= below


def test_the_loader_never_imports_the_zoo_builder(graph):
    loader_modules = {m: deps for m, deps in graph.modules.items() if m.startswith("loader")}
    assert not any(d.startswith("zoo") for deps in loader_modules.values() for d in deps), loader_modules


def test_the_ground_imports_only_the_ground(graph):
    ground = LAYERS[0][1]
    assert {(p, d) for p in ground & graph.parts.keys() for d in graph.parts[p] if d not in ground} == set()


def test_the_check_fails_on_an_upward_lazy_import(tmp_path, monkeypatch):
    """A test must be able to fail: a lazy import from the loader up to the facade breaks the order and makes a cycle."""
    package = tmp_path / "pkg"
    (package / "loader").mkdir(parents=True)
    (package / "__init__.py").write_text("def load():\n    from .loader import core\n")
    (package / "loader" / "__init__.py").write_text("")
    (package / "loader" / "core.py").write_text("def f():\n    from .. import load\n")
    (package / "adapters.py").write_text("from .loader import core\n")
    monkeypatch.setattr(architecture, "PACKAGE", package)
    fake = architecture.import_graph(package)
    assert fake.parts["loader"] == {"zoo_patterns"}
    assert cycles(fake.parts) == [("loader", "zoo_patterns")]
    assert upward_arrows(fake.parts) == [("adapters", "loader"), ("loader", "zoo_patterns")]
