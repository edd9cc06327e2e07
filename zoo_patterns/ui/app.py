"""Serving the zoo browser as a web app with Voila: ``python -m zoo_patterns browse``.

Voila runs a notebook in a kernel and shows only its widgets, no code. The
app notebook is written on the fly (three lines: import, quiet, display), so
the installed package needs no notebook file of its own. Everything stays on
127.0.0.1 and offline: the zoo is the built workbook zoo (or ``--zoo``), and
Voila serves its JavaScript from the installed package, not from a CDN.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

APP_CELLS = (
    "import zoo_patterns as zp\nzp.quiet()",
    "from zoo_patterns.ui import ZooBrowser\n\nbrowser = ZooBrowser()\nbrowser",
)


def write_app_notebook(folder: str | Path, name: str = "zoo_browser.ipynb") -> Path:
    """The app as a notebook: what Voila serves and what JupyterLab opens."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in APP_CELLS]
    path = Path(folder) / name
    nbformat.write(nb, path)
    return path


def voila_command(notebook: Path, port: int, open_browser: bool) -> list[str]:
    command = [sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--Voila.ip=127.0.0.1", "--show_tracebacks=True"]
    return command if open_browser else [*command, "--no-browser"]


def browse(port: int = 8866, *, open_browser: bool = True, zoo: str | None = None) -> int:
    """Serve the browser with Voila until Ctrl-C; returns Voila's exit code."""
    import importlib.util

    if importlib.util.find_spec("voila") is None:
        print(
            "error: Voila is not installed; it serves the zoo browser as a web app. Install it with "
            "`pip install 'zoo-patterns[lab]'` (or `make lab`), or display ZooBrowser() in a notebook instead.",
            file=sys.stderr,
        )
        return 1
    from ..zoo import ensure_built_once

    env = dict(os.environ)
    if zoo:
        env["ZOO_PATTERNS_ZOO"] = str(Path(zoo).resolve())
    ensure_built_once(env.get("ZOO_PATTERNS_ZOO"))  # build before serving, not in the first visitor's kernel
    with tempfile.TemporaryDirectory(prefix="zoo-browser-") as folder:
        notebook = write_app_notebook(folder)
        print(f"zoo browser: http://127.0.0.1:{port}/ (Ctrl-C stops it)", flush=True)
        try:
            return subprocess.call(voila_command(notebook, port, open_browser), env=env)
        except KeyboardInterrupt:
            return 0
