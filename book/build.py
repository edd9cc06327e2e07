"""Build the book of the lessons: `make book` runs this (python book/build.py).

Sphinx reads one source folder, so this script lays one out in build/book/src from copies of the
repository's own files (notebooks/, exercises/, docs/, README.md and the pages in book/), copies
the JavaScript the pages need from book/node_modules into build/book/static/vendor (so that no page
loads anything from outside the site), then runs Sphinx with book/conf.py. The executed
notebooks are cached in build/book/jupyter_cache: a lesson whose code did not change is not run again.

    python book/build.py [--jupyterhub-url https://hub.example.edu] [--clean]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
OUT = ROOT / "build" / "book"
SRC = OUT / "src"
VENDOR = OUT / "static" / "vendor"
NODE = BOOK / "node_modules"

# What the book takes from the repository. Copied, not linked: Sphinx resolves links between pages
# through the real path of a file, and a link would lead out of the source folder. Copies keep their
# modification times, so Sphinx rereads only what changed; jupyter-cache matches notebooks by their code.
COPIED = ["notebooks/*.ipynb", "exercises/*.ipynb", "docs/*.md", "README.md"]
# (what, from book/node_modules, to build/book/static/vendor): only the files a page loads.
VENDORED = [
    ("require.js", "requirejs/require.js", "require.js"),
    ("the widgets' HTML manager", "@jupyter-widgets/html-manager/dist", "npm/@jupyter-widgets/html-manager/dist"),
    ("MathJax", "mathjax/es5", "mathjax"),
]
SKIP_IN_HTML_MANAGER = {"embed.js", "embed.js.map", "libembed-amd.js", "embed.js.LICENSE.txt"}


def lay_out_sources() -> None:
    """build/book/src: the notebooks, exercises, docs and README, and the book's own pages."""
    if SRC.exists():
        shutil.rmtree(SRC)
    for pattern in COPIED:
        for path in sorted(ROOT.glob(pattern)):
            target = SRC / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    for page in BOOK.glob("*.md"):
        shutil.copy2(page, SRC / page.name)


def vendor_javascript() -> None:
    """Copy require.js, the widgets' HTML manager and MathJax out of book/node_modules."""
    if not NODE.is_dir():
        sys.exit(
            "book/build.py: book/node_modules is missing, so the pages would have to load require.js, the widgets'\n"
            "      scripts and MathJax from a CDN. Run `npm ci` in book/ (or `make book`, which does), then build again."
        )
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    VENDOR.mkdir(parents=True)
    for what, source, target in VENDORED:
        path = NODE / source
        if not path.exists():
            sys.exit(f"book/build.py: {what} is not at book/node_modules/{source}; run `npm ci` in book/ again.")
        if path.is_file():
            shutil.copy2(path, VENDOR / target)
        else:
            shutil.copytree(path, VENDOR / target, ignore=lambda _d, names: [n for n in names if n in SKIP_IN_HTML_MANAGER])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--jupyterhub-url",
        default=os.environ.get("ZOO_BOOK_JUPYTERHUB_URL", ""),
        help="the JupyterHub the lesson pages' JupyterHub links open (nbgitpuller); default: %(default)r",
    )
    parser.add_argument("--clean", action="store_true", help="forget the executed notebooks and build from nothing")
    args = parser.parse_args(argv)
    if args.clean and OUT.exists():
        shutil.rmtree(OUT)
    lay_out_sources()
    vendor_javascript()
    if args.jupyterhub_url:
        os.environ["ZOO_BOOK_JUPYTERHUB_URL"] = args.jupyterhub_url

    from sphinx.cmd.build import build_main

    start = time.perf_counter()
    # -c: the configuration stays in book/; -d: Sphinx's doctrees beside the site, not in it.
    rc = build_main(["-b", "html", "-c", str(BOOK), "-d", str(OUT / "doctrees"), str(SRC), str(OUT / "html")])
    seconds = time.perf_counter() - start
    if rc:
        print(f"book/build.py: the build failed after {seconds:.0f} s (the notebook and cell are named above)", file=sys.stderr)
        return rc
    pages = sum(1 for _ in (OUT / "html").rglob("*.html"))
    print(
        f"book/build.py: {pages} pages in {seconds:.0f} s; open {OUT / 'html' / 'index.html'} "
        f"(or serve it: python -m http.server -d {OUT / 'html'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
