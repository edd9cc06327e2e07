"""The zoo browser in a real browser: Debian's chromium, driven by Playwright, against Voila and JupyterLab.

Each test types a query, sees the list narrow, selects a model, sees its card, presses Load,
sees the download finish and "loaded", makes a prediction, and saves a screenshot to
build/screenshots/. Without chromium or Playwright the tests skip with one line saying what
is missing; with ZOO_PATTERNS_REQUIRE_BROWSER=1 (set by .ci/run) a skip is a failure.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT

# Browsers wait on page loads with timeouts: `make test` runs these alone, after the parallel part.
pytestmark = pytest.mark.serial

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing() -> str:
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright; never `playwright install`)"
    return ""


@pytest.fixture(scope="module")
def browser():
    missing = _missing()
    if missing:
        if os.environ.get("ZOO_PATTERNS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required (ZOO_PATTERNS_REQUIRE_BROWSER=1) but {missing}")
        pytest.skip(f"browser tests skipped: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the server did not answer at {url} within {timeout} s:\n{log.read_text()[-3000:]}")


def _start(command: list[str], env: dict, url: str, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_http(url, process, log)
    except BaseException:
        _stop(process)
        raise
    return process


def _stop(process: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def _env(tmp_path: Path) -> dict:
    # A fresh cache: pressing Load must really download (through the loader) and show progress.
    return {**os.environ, "ZOO_PATTERNS_CACHE": str(tmp_path / "cache"), "ZOO_PATTERNS_OFFLINE": "1"}


def _use_the_browser(page, scope: str, shot: str) -> None:
    """The learner's path through the app, in either host. ``scope`` is a CSS prefix for the output area."""
    search = page.locator(f"{scope} .zp-search input")
    search.wait_for(timeout=120_000)
    options = page.locator(f"{scope} .zp-results option")
    page.wait_for_function(f"document.querySelectorAll('{scope} .zp-results option').length >= 10", timeout=60_000)
    everything = options.count()

    search.fill("cnn-t")  # -> digits-cnn-torch, digits-cnn-torchhub
    page.wait_for_function(f"document.querySelectorAll('{scope} .zp-results option').length === 2", timeout=30_000)
    assert options.count() < everything
    assert options.all_inner_texts() == ["digits-cnn-torch", "digits-cnn-torchhub"]

    page.locator(f"{scope} .zp-results select").select_option("digits-cnn-torch")
    card = page.locator(f"{scope} .zp-card")
    card.get_by_text("handwritten-digits").wait_for(timeout=30_000)
    assert "digits-cnn-torch 1.0.0" in card.inner_text() and "license" in card.inner_text()

    page.locator(f"{scope} button.zp-load").click()
    status = page.locator(f"{scope} .zp-status")
    status.get_by_text("loaded digits-cnn-torch").wait_for(timeout=60_000)
    assert "downloaded 3 file(s)" in status.inner_text(), status.inner_text()  # a fresh cache: a real fetch
    bar = page.locator(f"{scope} .zp-progress .progress-bar, {scope} .zp-progress .widget-progress .progress-bar").first
    assert bar.evaluate("el => el.style.width") in ("100%", "100.0%"), bar.evaluate("el => el.style.width")

    page.locator(f"{scope} .zp-sample input").fill("digit #3")
    page.locator(f"{scope} button.zp-predict").click()
    prediction = page.locator(f"{scope} .zp-prediction")
    prediction.get_by_text("class probabilities").wait_for(timeout=30_000)
    assert "digit 3" in prediction.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / shot), full_page=True)
    assert "Loading widget" not in page.content()


def test_voila_app(browser, tmp_path):
    port = _free_port()
    command = [sys.executable, "-m", "zoo_patterns", "browse", "--no-browser", "--port", str(port)]
    server = _start(command, _env(tmp_path), f"http://127.0.0.1:{port}/", tmp_path / "voila.log")
    try:
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
        _use_the_browser(page, "", "voila.png")
        page.close()
    finally:
        _stop(server)


def test_jupyterlab_notebook(browser, tmp_path):
    from zoo_patterns.ui.app import write_app_notebook

    root = tmp_path / "lab"  # a copy, so Lab's autosave never touches the repository
    root.mkdir()
    write_app_notebook(root)
    # an empty user settings folder: the news prompt must stay off by the repository's overrides.json alone
    env = {
        **_env(tmp_path),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    port = _free_port()
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1"]
    command += [f"--ServerApp.root_dir={root}", "--IdentityProvider.token=", "--ServerApp.password=", "--allow-root"]
    command += ["--LabApp.expose_app_in_browser=True", "--ServerApp.disable_check_xsrf=True"]
    server = _start(command, env, f"http://127.0.0.1:{port}/api/status", tmp_path / "lab.log")
    try:
        url = f"http://127.0.0.1:{port}/lab/api/settings/@jupyterlab/apputils-extension:notification"
        with urllib.request.urlopen(url, timeout=30) as response:
            defaults = json.loads(response.read())["schema"]["properties"]  # overrides.json rewrites the defaults
        assert defaults["fetchNews"]["default"] == "false" and defaults["checkForUpdates"]["default"] is False
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"http://127.0.0.1:{port}/lab/tree/zoo_browser.ipynb", timeout=120_000)
        # "Idle" alone shows for a moment before the kernel exists: wait for the kernel's name with it.
        page.locator(".jp-StatusBar-TextItem", has_text="Python 3 (ipykernel) | Idle").wait_for(timeout=120_000)
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")  # fire and forget
        _use_the_browser(page, ".jp-OutputArea-output", "jupyterlab.png")
        page.close()
    finally:
        _stop(server)


def test_skip_line_names_what_is_missing(monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", Path("/nonexistent/chromium"))
    assert _missing().startswith("no chromium at /nonexistent/chromium (Debian: apt-get install chromium)")
