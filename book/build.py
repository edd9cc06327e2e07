"""Build the book of the lessons: `make book` runs this (python book/build.py).

Sphinx reads one source folder, so this script lays one out in build/book/src from copies of the
repository's own files (notebooks/, exercises/, docs/, README.md and the pages in book/), copies
the JavaScript the pages need from book/node_modules into build/book/static/vendor (so that no page
loads anything from outside the site), then runs Sphinx with book/conf.py. The executed
notebooks are cached in build/book/jupyter_cache: a lesson whose code did not change is not run again.

Before Sphinx starts, every lesson missing from the cache is executed here, two at a time (the
lessons that assert a timing afterwards, one at a time, alone on the CPU, as `make test` runs them),
and stored in the cache the way MyST-NB stores its own executions; MyST-NB then finds every lesson
there and executes nothing. Executing inside Sphinx would run the lessons one after another.

    python book/build.py [--jupyterhub-url https://hub.example.edu] [--workers 2] [--clean]
"""

from __future__ import annotations

import argparse
import fnmatch
import multiprocessing
import os
import runpy
import shutil
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
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
    # The manager's stylesheet asks for its icon fonts (FontAwesome) relative to the module folder
    # require.js gives it, npm/@jupyter-widgets/, not beside its script: they are copied there too
    # (a fresh-clone build met ten 404s for them on lesson 12's page).
    manager = VENDOR / "npm" / "@jupyter-widgets"
    for font in (manager / "html-manager" / "dist").iterdir():
        if font.suffix in {".woff", ".woff2", ".ttf", ".eot", ".svg"}:
            shutil.copy2(font, manager / font.name)


def asserts_timing(notebook) -> bool:
    """True for a lesson with a cell tagged ``timing``: a claim about wall time, so it runs alone (as in `make test`)."""
    return any("timing" in cell.get("metadata", {}).get("tags", []) for cell in notebook.cells)


def execute_one(path: str, timeout: int, threads: int | None) -> tuple[str, str, float, str | None]:
    """Run one notebook in a fresh kernel (in a worker process); return it as JSON, the seconds, and the failure."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    if threads is not None:  # the kernel inherits it: torch and MXNet start this many OpenMP threads
        os.environ["OMP_NUM_THREADS"] = str(threads)
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    try:
        # What MyST-NB runs on a cache miss (myst_nb/core/execute/cache.py), with the same arguments.
        result = single_nb_execution(
            notebook, cwd=str(Path(path).parent), timeout=timeout, allow_errors=False, meta_override=True
        )
    except Exception:  # not a failing cell (those come back in result): a dead kernel, a kernel that never started
        return path, "", time.perf_counter() - start, traceback.format_exc()
    return path, nbformat.writes(notebook), result.time, result.exc_string if result.err else None


def execute_lessons(workers: int) -> int:
    """Execute every notebook the book executes and the cache lacks, `workers` at a time; cache each success.

    Which notebooks, the timeout and the cache are read from book/conf.py, so that what is cached here is
    what MyST-NB looks for. Returns how many failed (each named, with the failing cell, on stderr).
    """
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    conf = runpy.run_path(str(BOOK / "conf.py"))
    cache = get_cache(conf["nb_execution_cache_path"])
    excluded = conf.get("nb_execution_excludepatterns", [])
    alone, shared = [], []
    for path in sorted(SRC.rglob("*.ipynb")):
        relative = path.relative_to(SRC).as_posix()
        if any(fnmatch.fnmatch(relative, pattern) for pattern in excluded):
            continue
        notebook = nbformat.read(path, as_version=4)
        try:
            cache.match_cache_notebook(notebook)
            continue  # executed before, with this code
        except KeyError:
            pass
        (alone if asserts_timing(notebook) or workers == 1 else shared).append(str(path))
    if not alone and not shared:
        print("book/build.py: every executed notebook is in the cache; nothing to run")
        return 0
    workers = min(workers, len(shared))  # one lesson to run (one changed, say) runs alone, with every core
    if workers <= 1:
        alone, shared = sorted(alone + shared), []

    sys.path.insert(0, str(BOOK / "_ext"))
    from zoo_book import RunLog, environment_now

    here = environment_now()
    log = RunLog(conf["nb_execution_cache_path"])
    timeout = conf.get("nb_execution_timeout", 900)
    # Each of the `workers` kernels gets its share of the cores, as under `make test`'s pytest-xdist: OpenMP
    # threads that outnumber the cores wait for each other at every step (an explicit OMP_NUM_THREADS is kept).
    threads = None if "OMP_NUM_THREADS" in os.environ else max(1, (os.cpu_count() or 1) // workers)
    failed: list[tuple[str, str]] = []

    def keep(path: str, executed: str, seconds: float, error: str | None, together: bool) -> None:
        name = Path(path).relative_to(SRC).as_posix()
        if error:
            failed.append((name, error))
            print(f"book/build.py: {name} FAILED after {seconds:.0f} s", flush=True)
            return
        record = cache.add_nb_to_project(path)
        bundle = CacheBundleIn(nbformat.reads(executed, as_version=4), record.uri, data={"execution_seconds": seconds})
        cached = cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
        device = here["device"]
        if together:
            device += f", {workers} lessons at a time, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', threads)}"
        log.record(cached.hashkey, {"finished": time.time(), "seconds": seconds, "versions": here["versions"], "device": device})
        print(f"book/build.py: executed {name} in {seconds:.0f} s", flush=True)

    start = time.perf_counter()
    if shared:
        print(
            f"book/build.py: executing {len(shared)} notebooks {workers} at a time, then {len(alone)} that assert timings alone",
            flush=True,
        )
    else:
        print(f"book/build.py: executing {len(alone)} notebooks one at a time", flush=True)
    # spawn: each worker starts clean, not a copy of this process and its open cache database.
    if shared:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for result in pool.map(execute_one, shared, [timeout] * len(shared), [threads] * len(shared)):
                keep(*result, together=True)
    for path in alone:
        keep(*execute_one(path, timeout, None), together=False)
    print(f"book/build.py: executed {len(shared) + len(alone)} notebooks in {time.perf_counter() - start:.0f} s", flush=True)
    for name, error in failed:
        print(f"\nbook/build.py: {name} failed; the cell and its error:\n{error}", file=sys.stderr)
    return len(failed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--jupyterhub-url",
        default=os.environ.get("ZOO_BOOK_JUPYTERHUB_URL", ""),
        help="the JupyterHub the lesson pages' JupyterHub links open (nbgitpuller); default: %(default)r",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("ZOO_BOOK_WORKERS", "2")),
        help="lessons executed at once (those that assert timings always run alone); default: %(default)s",
    )
    parser.add_argument("--clean", action="store_true", help="forget the executed notebooks and build from nothing")
    args = parser.parse_args(argv)
    if args.clean and OUT.exists():
        shutil.rmtree(OUT)
    lay_out_sources()
    vendor_javascript()
    if args.jupyterhub_url:
        os.environ["ZOO_BOOK_JUPYTERHUB_URL"] = args.jupyterhub_url

    start = time.perf_counter()
    if execute_lessons(max(1, args.workers)):
        print(
            f"book/build.py: the build failed after {time.perf_counter() - start:.0f} s (the notebook and cell are named above)",
            file=sys.stderr,
        )
        return 1

    from sphinx.cmd.build import build_main

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
