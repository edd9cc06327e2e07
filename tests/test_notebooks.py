"""The jupytext gate: pairs in sync, no stored outputs, and a gate that can fail."""

import json
import shutil
import subprocess
import sys

from helpers import ROOT


def test_pairs_are_in_sync_and_stripped():
    result = subprocess.run([sys.executable, "scripts/check_notebooks.py"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _copy_repo_notebooks(tmp_path):
    for folder in ("notebooks", "scripts"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    for folder in ("exercises", "solutions"):
        (tmp_path / folder).mkdir()
    shutil.copy(ROOT / "jupytext.toml", tmp_path)
    return tmp_path


def test_gate_catches_an_edited_source_and_stored_outputs(tmp_path):
    repo = _copy_repo_notebooks(tmp_path)
    gate = [sys.executable, "scripts/check_notebooks.py"]
    assert subprocess.run(gate, cwd=repo, capture_output=True).returncode == 0

    source = repo / "notebooks" / "src" / "00_setup.py"
    source.write_text(source.read_text() + "\n# %%\nprint('new cell')\n")
    result = subprocess.run(gate, cwd=repo, capture_output=True, text=True)
    assert result.returncode == 1 and "out of sync" in result.stderr

    subprocess.run([*gate, "--fix"], cwd=repo, check=True, capture_output=True)
    nb_path = repo / "notebooks" / "00_setup.ipynb"
    nb = json.loads(nb_path.read_text())
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}]
    nb_path.write_text(json.dumps(nb, indent=1))
    result = subprocess.run(gate, cwd=repo, capture_output=True, text=True)
    assert result.returncode == 1 and "stored outputs" in result.stderr


def test_a_dead_kernel_fails_its_cell_at_once(tmp_path):
    """A cell that kills its kernel fails within seconds, naming the notebook and cell, instead of hanging."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("print('before')"),
        nbformat.v4.new_code_cell("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)"),
        nbformat.v4.new_code_cell("print('after')"),
    ]
    nbformat.write(nb, tmp_path / "crash.ipynb")
    # `-p conftest` loads the repository's conftest.py (the hook under test) for a notebook outside the repository.
    command = [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env"]
    command += ["--nbval-cell-timeout=600", str(tmp_path / "crash.ipynb")]
    # Without the hook this waits out the 600 s cell timeout: the 120 s here turns a hang into a failure.
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout
    assert "crash.ipynb, Cell 1: the kernel died (killed by SIGSEGV)" in result.stdout, result.stdout
    assert "1 failed, 1 passed, 1 skipped" in result.stdout, result.stdout
