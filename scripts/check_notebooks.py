#!/usr/bin/env python3
"""Gate: every jupytext pair is in sync and every committed .ipynb is stripped of outputs.

The ``.py`` percent file is the source. It lives in a ``src/`` folder beside
its notebook (``notebooks/src/00_setup.py`` is the source of
``notebooks/00_setup.ipynb``: jupytext's prefix pairing, ``ipynb,src//py:percent``
in jupytext.toml), so a learner browsing ``notebooks/`` sees each lesson once.
For each source, the ``.ipynb`` is regenerated in a temporary copy with
``jupytext --to ipynb --update`` (which keeps cell ids, so the bytes are stable)
and compared byte for byte with the committed file. ``jupytext --sync`` is no
gate (it picks a direction by file time) and neither is ``jupytext --diff``
(it exits 0 when files differ).

    python scripts/check_notebooks.py          report, exit 1 on any problem
    python scripts/check_notebooks.py --fix    regenerate the .ipynb files in place
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("notebooks", "exercises", "solutions")


def sources(folders: tuple[str, ...] = FOLDERS, root: Path = ROOT) -> list[Path]:
    """The jupytext sources: ``<folder>/src/NN_name.py`` for each folder."""
    return sorted(p for folder in folders for p in (root / folder / "src").glob("*.py"))


def paired_notebook(source: Path) -> Path:
    """``notebooks/src/00_setup.py`` -> ``notebooks/00_setup.ipynb``."""
    return source.parent.parent / f"{source.stem}.ipynb"


def source_of(notebook: Path) -> Path:
    """``notebooks/00_setup.ipynb`` -> ``notebooks/src/00_setup.py``."""
    return notebook.parent / "src" / f"{notebook.stem}.py"


def stored_outputs(nb_path: Path) -> list[int]:
    """Indexes of code cells that carry outputs or an execution count."""
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    return [i for i, c in enumerate(cells) if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]


def regenerate(py_files: list[Path]) -> None:
    """Write each source's paired .ipynb (the CLI's ``--to ipynb --update --output``, in one process)."""
    if not py_files:
        return
    pairs = [(str(py), str(paired_notebook(py))) for py in py_files]
    script = (
        "import sys, json\n"
        "from jupytext.cli import jupytext\n"
        "for py, nb in json.loads(sys.argv[1]):\n"
        "    jupytext(['--quiet', '--to', 'ipynb', '--update', '--output', nb, py])\n"
    )
    subprocess.run([sys.executable, "-c", script, json.dumps(pairs)], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fix", action="store_true")
    args = parser.parse_args()
    files = sources()
    if args.fix:
        regenerate(files)
        print(f"regenerated {len(files)} notebooks")
        return 0
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_root = Path(tmp)
        shutil.copy(ROOT / "jupytext.toml", tmp_root / "jupytext.toml")
        copies = []
        for py in files:
            rel, nb = py.relative_to(ROOT), paired_notebook(py)
            if not nb.exists():
                problems.append(f"{rel} has no paired {nb.relative_to(ROOT)}")
                continue
            (tmp_root / rel.parent).mkdir(parents=True, exist_ok=True)
            shutil.copy(py, tmp_root / rel)
            shutil.copy(nb, tmp_root / nb.relative_to(ROOT))
            copies.append(tmp_root / rel)
            if stored_outputs(nb):
                problems.append(f"{nb.relative_to(ROOT)} has stored outputs in cells {stored_outputs(nb)}")
        regenerate(copies)
        for copy in copies:
            rel = paired_notebook(copy).relative_to(tmp_root)
            if (tmp_root / rel).read_bytes() != (ROOT / rel).read_bytes():
                problems.append(f"{rel} is out of sync with {copy.relative_to(tmp_root)}")
    orphans = [nb for f in FOLDERS for nb in (ROOT / f).glob("*.ipynb") if not source_of(nb).exists()]
    problems += [f"{nb.relative_to(ROOT)} has no source {source_of(nb).relative_to(ROOT)}" for nb in orphans]
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print("Edit the .py source in src/, then run: make notebooks-sync", file=sys.stderr)
        return 1
    print(f"{len(files)} notebook pairs in sync, no stored outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
