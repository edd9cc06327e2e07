"""The book's own Sphinx extension: what MyST-NB and sphinx-book-theme do not do for this workbook.

- Each lesson page gets a line saying when its outputs were produced, how long the run took, with
  which Python and framework versions and on which device, and the links that open the lesson's
  notebook in Colab, Binder or a JupyterHub (nbgitpuller).
- The Colab-only install cell (tagged ``colab``) is left out of the pages: it does nothing outside Colab.

The versions are those of the environment that executed the notebook. MyST-NB executes with a
kernel from this same Python (jupyter-cache keeps the result), so they are read here when a
lesson has just been executed and stored beside the cache, keyed by the cache record: a page
built from the cache later shows the versions of the run that made its outputs, not today's.
"""

from __future__ import annotations

import json
import os
import platform
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from urllib.parse import quote, urlencode

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
VERSIONED = ["torch", "tensorflow", "mxnet", "transformers", "huggingface_hub"]
LESSONS = "notebooks/"
BUILD_STARTED = time.time()


def environment_now() -> dict:
    """Python, the framework versions and the device of this environment, read without importing the frameworks."""
    versions = {"Python": platform.python_version()}
    for name in VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {"versions": versions, "device": describe_device()}


def describe_device() -> str:
    """The lessons' torch device (the workbook's own rule: ZOO_PATTERNS_DEVICE, else cuda when torch sees a GPU), and the CPU."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpu = f"{cpu}, {os.cpu_count()} cores"
    try:
        from zoo_patterns.settings import device

        torch_device = device()
    except Exception as exc:  # torch missing or a bad ZOO_PATTERNS_DEVICE: say so on the page, do not fail the book
        return f"CPU ({cpu}); the torch device could not be read: {exc}"
    if torch_device.startswith("cuda"):
        import torch

        return f"{torch_device} ({torch.cuda.get_device_name()}), CPU {cpu}"
    return f"CPU ({cpu})"


class RunLog:
    """runs.json beside jupyter-cache's database: what executed each cached notebook, by the cache's hash of it."""

    def __init__(self, cache_path: str):
        self.path = Path(cache_path) / "zoo_book_runs.json"
        self.runs = json.loads(self.path.read_text()) if self.path.exists() else {}

    def record(self, key: str, run: dict) -> None:
        self.runs[key] = run
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.runs, indent=1, sort_keys=True))


def cache_key(app: Sphinx, docname: str) -> str | None:
    """jupyter-cache's hash of the notebook as it is now (None when it has no cached run)."""
    import nbformat
    from jupyter_cache import get_cache

    notebook = nbformat.read(app.env.doc2path(docname), as_version=4)
    try:
        return get_cache(app.config.nb_execution_cache_path).match_cache_notebook(notebook).hashkey
    except KeyError:
        return None


def run_of(app: Sphinx, docname: str) -> dict | None:
    """When, how long, with what and where this page's notebook was executed."""
    from myst_nb.sphinx_ import NbMetadataCollector

    executed = NbMetadataCollector.get_exec_data(app.env, docname)
    if not executed or not executed.get("succeeded"):
        return None
    key = cache_key(app, docname)
    log = app.zoo_book_runs
    if key is not None and key in log.runs:
        return log.runs[key]
    run = {"finished": executed["mtime"], "seconds": executed.get("runtime")}
    if executed["mtime"] >= BUILD_STARTED:  # executed by this build, in this environment
        run.update(environment_now())
    else:  # cached before the book kept this log
        run.update({"versions": None, "device": None})
    if key is not None:
        log.record(key, run)
    return run


def launch_links(app: Sphinx, docname: str) -> list[tuple[str, str]]:
    """Colab, Binder and JupyterHub (nbgitpuller) links to the lesson's .ipynb on the repository's branch."""
    options = app.config.html_theme_options
    repository = options["repository_url"].rstrip("/")
    branch = options.get("repository_branch", "main")
    owner_name = repository.split("github.com/", 1)[1]
    notebook = f"{docname}.ipynb"
    buttons = options["launch_buttons"]
    hub = buttons["jupyterhub_url"].rstrip("/")
    pull = urlencode(
        {"repo": repository, "branch": branch, "urlpath": f"lab/tree/{owner_name.split('/')[1]}/{notebook}"}, safe="/"
    )
    return [
        ("Colab", f"{buttons['colab_url'].rstrip('/')}/github/{owner_name}/blob/{branch}/{notebook}"),
        ("Binder", f"{buttons['binderhub_url'].rstrip('/')}/v2/gh/{owner_name}/{branch}?urlpath={quote('lab/tree/' + notebook)}"),
        ("JupyterHub", f"{hub}/hub/user-redirect/git-pull?{pull}"),
    ]


def run_paragraph(app: Sphinx, docname: str, run: dict) -> nodes.paragraph:
    finished = datetime.fromtimestamp(run["finished"], tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    took = f" in {run['seconds']:.0f} s" if run.get("seconds") else ""
    para = nodes.paragraph(classes=["zoo-book-run"])
    para += nodes.strong(text="Outputs on this page: ")
    if run["versions"]:
        versions = ", ".join(f"{name} {version}" for name, version in run["versions"].items())
        para += nodes.Text(f"executed {finished}{took}, every cell passing, with {versions}, on {run['device']}. ")
    else:
        para += nodes.Text(f"executed {finished}{took}, every cell passing (versions not recorded for this run). ")
    para += nodes.strong(text="Run it yourself: ")
    for i, (name, url) in enumerate(launch_links(app, docname)):
        if i:
            para += nodes.Text(" · ")
        para += nodes.reference("", name, refuri=url, classes=[f"zoo-book-launch-{name.lower()}"])
    return para


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    for cell in list(doctree.findall(nodes.container)):
        if "tag_colab" in cell.get("classes", []):
            cell.parent.remove(cell)
    if not docname.startswith(LESSONS):
        return
    run = run_of(app, docname)
    if run is None:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    title = next(iter(section.findall(nodes.title)))
    section.insert(section.index(title) + 1, run_paragraph(app, docname, run))


def on_builder_inited(app: Sphinx) -> None:
    app.zoo_book_runs = RunLog(app.config.nb_execution_cache_path)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", on_builder_inited)
    app.connect("doctree-read", on_doctree_read)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
