#!/usr/bin/env python3
"""Gate: every jupytext pair is in sync and every committed .ipynb is stripped of outputs.

The ``.py`` percent file is the source. For each one, the ``.ipynb`` is
regenerated in a temporary copy with ``jupytext --to ipynb --update`` (which
keeps cell ids, so the bytes are stable) and compared byte for byte with the
committed file. ``jupytext --sync`` is no gate (it picks a direction by file
time) and neither is ``jupytext --diff`` (it exits 0 when files differ).

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


def sources() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (ROOT / folder).glob("*.py"))


def stored_outputs(nb_path: Path) -> list[int]:
    """Indexes of code cells that carry outputs or an execution count."""
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    return [i for i, c in enumerate(cells) if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]


def regenerate(py_files: list[Path]) -> None:
    subprocess.run([sys.executable, "-m", "jupytext", "--quiet", "--to", "ipynb", "--update", *map(str, py_files)], check=True)


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
            rel = py.relative_to(ROOT)
            nb = py.with_suffix(".ipynb")
            if not nb.exists():
                problems.append(f"{rel} has no paired {rel.with_suffix('.ipynb')}")
                continue
            (tmp_root / rel.parent).mkdir(exist_ok=True)
            shutil.copy(py, tmp_root / rel)
            shutil.copy(nb, tmp_root / rel.with_suffix(".ipynb"))
            copies.append(tmp_root / rel)
            if stored_outputs(nb):
                problems.append(f"{rel.with_suffix('.ipynb')} has stored outputs in cells {stored_outputs(nb)}")
        if copies:
            regenerate(copies)
        for copy in copies:
            rel = copy.relative_to(tmp_root).with_suffix(".ipynb")
            if copy.with_suffix(".ipynb").read_bytes() != (ROOT / rel).read_bytes():
                problems.append(f"{rel} is out of sync with {rel.with_suffix('.py')}")
    orphans = [nb for f in FOLDERS for nb in (ROOT / f).glob("*.ipynb") if not nb.with_suffix(".py").exists()]
    problems += [f"{nb.relative_to(ROOT)} has no .py source" for nb in orphans]
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print("Edit the .py file, then run: make notebooks-sync", file=sys.stderr)
        return 1
    print(f"{len(files)} notebook pairs in sync, no stored outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
