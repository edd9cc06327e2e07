"""The zoo browser without a browser: the view model in plain pytest, the widgets in-process, the layers.

The view-model tests import no widget library and start no kernel: that is the point of MVVM.
The real-browser tests are in test_ui_browser.py.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys

import pytest
from helpers import ROOT

import zoo_patterns as zp
from zoo_patterns.loader import Loader, ZooServer
from zoo_patterns.ui.model import ZooBrowserModel
from zoo_patterns.ui.viewmodel import ZooBrowserViewModel

DIGITS = "digits-cnn-torch"


def vm_with(tmp_path, **loader_options) -> ZooBrowserViewModel:
    loader_options.setdefault("cache", tmp_path / "cache")
    return ZooBrowserViewModel(ZooBrowserModel(loader=Loader(progress=False, **loader_options)))


@pytest.fixture
def vm(tmp_path):
    return vm_with(tmp_path)


@pytest.fixture
def small_zoo(tmp_path):
    """A copy of the workbook zoo holding only the torch digits CNN (fast to serve and to tamper with)."""
    source = zp.zoo_dir()
    index = json.loads((source / "index.json").read_text())
    index["models"] = [m for m in index["models"] if m["name"] == DIGITS]
    root = tmp_path / "zoo"
    shutil.copytree(source / DIGITS, root / DIGITS)
    (root / "index.json").write_text(json.dumps(index))
    return root


# -- the view model: rules, with no view at all ---------------------------------------------
def test_the_view_model_imports_no_widget_library():
    code = "import sys, zoo_patterns.ui.viewmodel, zoo_patterns.ui.model; print('ipywidgets' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"


def test_filters_update_results(vm):
    assert vm.results == zp.list_models() and len(vm.results) >= 10
    vm.query = "cnn-t"
    assert vm.results == ["digits-cnn-torch", "digits-cnn-torchhub"]
    vm.query = "digits-*"
    vm.framework = "gluon"
    assert vm.results == ["digits-cnn-gluon", "digits-resnet18-gluon"]
    vm.query, vm.framework, vm.task = "", "", "sentence-embedding"
    assert vm.results == ["minilm-l6"]
    assert "onnx" in vm.frameworks and "sentence-embedding" in vm.tasks
    assert vm.status == "1 match"


def test_selecting_fills_the_card_and_filtering_it_out_clears_it(vm):
    vm.selected = DIGITS
    assert vm.card_markdown.startswith(f"# {DIGITS} 1.0.0") and "handwritten-digits" in vm.card_markdown
    assert vm.error == ""
    vm.query = "minilm"
    assert vm.selected == "" and vm.card_markdown == ""


def test_an_unknown_name_sets_error_with_suggestions_and_raises_nothing(vm):
    vm.selected = "digits-cnn-torh"
    assert "No model named 'digits-cnn-torh'" in vm.error and "Did you mean: digits-cnn-torch" in vm.error
    assert vm.card_markdown == ""
    vm.selected = DIGITS
    assert vm.error == ""


def test_load_goes_through_the_loader_with_progress_and_busy(tmp_path, small_zoo):
    with ZooServer(small_zoo) as url:
        vm = vm_with(tmp_path, zoo=url)
        seen = []
        vm.observe(lambda change: seen.append((change["new"], vm.busy)), "progress")
        busy = []
        vm.observe(lambda change: busy.append(change["new"]), "busy")
        vm.selected = DIGITS
        assert vm.load() is True and "downloaded 3 file(s)" in vm.status
        # a second load is a verified cache hit: nothing downloaded, progress still ends at 1
        assert vm.load() and "from the cache" in vm.status and vm.progress == 1.0
        seen = seen[: len(seen) - 2]  # the second load's 0 -> 1
    fractions = [f for f, _ in seen]
    assert fractions[0] < 1.0 and fractions[-1] == 1.0 and fractions == sorted(fractions), fractions
    assert all(during for _, during in seen), "progress moved while busy was False"
    assert busy == [True, False, True, False] and vm.busy is False
    assert vm.loaded == DIGITS


def test_predict_digits_and_sentences(vm):
    assert vm.predict("digit #3") is False and "Load a model first" in vm.error
    vm.selected = DIGITS
    assert vm.load()
    assert vm.predict("digit #3")
    rows = vm.prediction["rows"]
    assert len(rows) == 3 and rows[0][0] == "digit 3" and rows[0][1] > 0.9
    assert vm.predict("a cat") is False and "expected 'digit #N'" in vm.error
    vm.selected = "minilm-l6"
    assert vm.load() and vm.predict("two identical amounts were taken from my card")
    assert vm.prediction["kind"].startswith("nearest help-desk") and vm.prediction["rows"][0][0].endswith("[billing]")


def test_offline_with_an_empty_cache_is_an_error_not_an_exception(tmp_path, small_zoo):
    with ZooServer(small_zoo) as url:
        vm = vm_with(tmp_path, zoo=url, offline=True)
        vm.selected = DIGITS
        assert vm.load() is False
    assert "offline mode is on" in vm.error and vm.busy is False and vm.loaded == ""
    assert vm.status == f"could not load {DIGITS}"


def test_network_and_integrity_errors_land_in_error(tmp_path, small_zoo):
    vm = vm_with(tmp_path, zoo="http://127.0.0.1:9", retries=0, timeout=1)  # port 9: nothing listens
    vm.selected = DIGITS
    assert vm.load() is False and vm.error and vm.busy is False
    weights = small_zoo / DIGITS / "1.0.0" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF  # the server's file no longer matches its index
    weights.write_bytes(bytes(data))
    with ZooServer(small_zoo) as url:
        vm = vm_with(tmp_path, zoo=url, retries=0)
        vm.selected = DIGITS
        assert vm.load() is False
    assert "sha256" in vm.error and vm.loaded == ""


# -- the widgets, in-process: set values, click buttons --------------------------------------
def test_browser_view_follows_and_drives_the_view_model(vm):
    from zoo_patterns.ui.views import BrowserView, TextView

    view = BrowserView(vm)
    text = TextView(vm)
    view.w.search.value = "cnn-t"  # the user types
    assert vm.query == "cnn-t" and list(view.w.results.options) == vm.results == ["digits-cnn-torch", "digits-cnn-torchhub"]
    assert view.w.results.value is None and view.w.load.disabled
    view.w.results.value = DIGITS  # the user picks
    assert vm.selected == DIGITS and "handwritten-digits" in view.w.card.value and not view.w.load.disabled
    view.w.load.click()
    assert view.w.progress.value == 1.0 and "loaded digits-cnn-torch" in view.w.status.value
    view.w.sample.value = "digit #3"
    view.w.predict.click()
    assert "digit 3" in view.w.prediction.value
    vm.query = "minilm"  # a change from code reaches both views
    assert list(view.w.results.options) == ["minilm-l6"]
    assert "1 result(s):\n   minilm-l6\n" in text.screen and text.updates > 0
    vm.selected = "nope"
    assert "zp-error" in view.w.status.value and "error: No model named 'nope'" in text.screen
    for name in ("search", "results", "card", "load", "status", "progress"):
        assert f"zp-{name}" in getattr(view.w, name)._dom_classes


def test_mvc_controller_pushes_into_its_view(vm):
    from zoo_patterns.ui.mvc import MVCView, mvc_browser

    app = mvc_browser(vm.model)
    app.w.search.value = "onnx"
    assert list(app.w.results.options) == ["digits-cnn-onnx", "silero-vad-onnx"]
    app.w.results.value = "digits-cnn-onnx"
    assert "onnx" in app.w.card.value
    app.w.load.click()
    assert "loaded digits-cnn-onnx" in app.w.status.value and app.w.progress.value == 1.0
    app.w.predict.click()
    assert "class probabilities" in app.w.prediction.value
    app.controller.select("nope")
    assert "No model named 'nope'" in html.unescape(app.w.status.value)
    # A second view the controller was not written for stays stale: MVC pushes to one view.
    second = MVCView()
    app.w.search.value = "minilm"
    assert list(second.w.results.options) == []


# -- the layers, from the real imports ---------------------------------------------------------
def test_nothing_below_ui_imports_it_or_ipywidgets():
    from zoo_patterns.architecture import import_graph, importers_of, layers

    graph = import_graph()
    assert importers_of(graph, "ui") <= {"cli", "exercises"}, "only the command line and the exercise checks sit above the UI"
    assert importers_of(graph, "ipywidgets") == {"ui"}
    assert {"model_registry", "loader", "zoo_patterns"} <= graph.parts["ui"]  # adapters only through the facade
    level = layers(graph.parts)
    assert all(level["ui"] > level[p] for p in graph.parts["ui"])
    assert graph.modules["ui.viewmodel"] <= {"errors", "ui.model"}, graph.modules["ui.viewmodel"]


def test_the_import_graph_sees_lazy_and_relative_imports(tmp_path, monkeypatch):
    from zoo_patterns import architecture

    package = tmp_path / "pkg"
    (package / "low").mkdir(parents=True)
    (package / "low" / "__init__.py").write_text("")
    (package / "low" / "core.py").write_text("def f():\n    from ..high import view\n")  # an upward, lazy import
    (package / "high.py").write_text("from .low import core\nimport ipywidgets\n")
    monkeypatch.setattr(architecture, "PACKAGE", package)
    graph = architecture.import_graph(package)
    assert graph.parts["high"] == {"low"} and graph.parts["low"] == {"high"}
    assert architecture.cycles(graph.parts) == [("high", "low")]
    assert architecture.importers_of(graph, "ipywidgets") == {"high"}


# -- the command line ----------------------------------------------------------------------------
def test_browse_without_voila_says_how_to_install(monkeypatch, capsys):
    import importlib.util

    from zoo_patterns.ui import app

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "voila" else real(name, *a))
    assert app.browse(0, open_browser=False) == 1
    err = capsys.readouterr().err
    assert "Voila is not installed" in err and "zoo-patterns[lab]" in err


def test_the_view_model_picks_a_version(tmp_path):
    """A zoo with two versions: the newest is shown first, a chosen version changes the card and what load() loads."""
    from helpers import version_folder as folder

    from zoo_patterns.zoo import publish

    zoo = tmp_path / "versions"
    publish(folder(tmp_path / "a", "1.0.0"), zoo=zoo)
    publish(folder(tmp_path / "b", "1.1.0"), zoo=zoo)
    vm = ZooBrowserViewModel(
        ZooBrowserModel(zp.registry_from_zoo(zoo), loader=Loader(zoo=str(zoo), cache=tmp_path / "c", progress=False))
    )
    vm.selected = "tiny-mlp"
    assert vm.versions == ["1.0.0", "1.1.0"] and vm.version == "" and vm.card_markdown.startswith("# tiny-mlp 1.1.0")
    vm.version = "1.0.0"
    assert vm.card_markdown.startswith("# tiny-mlp 1.0.0") and vm.ref == "tiny-mlp@1.0.0"
    vm.selected = ""
    assert vm.versions == [] and vm.version == ""


# -- the suite's own shape (lesson 12, section 5, says most UI tests need no browser) -----------------
def _test_functions(path):
    import ast

    return [n for n in ast.parse(path.read_text()).body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]


def test_most_ui_tests_run_without_a_browser_and_two_drive_chromium():
    headless = _test_functions(ROOT / "tests" / "test_ui.py")
    in_browser = _test_functions(ROOT / "tests" / "test_ui_browser.py")
    drive_chromium = [t.name for t in in_browser if "browser" in {a.arg for a in t.args.args}]
    assert len(headless) >= 10 and len(headless) > len(in_browser), (len(headless), len(in_browser))
    assert drive_chromium == ["test_voila_app", "test_jupyterlab_notebook"]
