"""The book of the lessons (`make book`) in a real browser: Debian's chromium, driven by Playwright.

The site in build/book/html/ is served on 127.0.0.1 and every request for anything outside it is
blocked and counted: the book must work with no network. Each page must load with no console
error; every internal link must resolve; every lesson page must show the outputs and the plots of
its executed notebook; lesson 12's zoo browser must render as a widget; the offline search must
find "content id"; no exercise page may contain solution code; and axe-core (from book/node_modules)
must find nothing serious or critical.

Without a built book these tests skip, saying how to build it; `.ci/run` builds it and sets
ZOO_BOOK_REQUIRED=1, so that a skip there is a failure.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from helpers import ROOT

pytestmark = pytest.mark.serial  # browsers wait on page loads with timeouts: alone on the CPU

BUILT = Path(os.environ.get("ZOO_BOOK_BUILD", ROOT / "build" / "book"))  # where book/build.py wrote it
SITE = BUILT / "html"
CACHE = BUILT / "jupyter_cache"
AXE = ROOT / "book" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
]
LESSONS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = sorted(p.stem for p in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))


def _skip_or_fail(why: str) -> None:
    if os.environ.get("ZOO_BOOK_REQUIRED") == "1":
        pytest.fail(f"the book tests are required (ZOO_BOOK_REQUIRED=1) but {why}")
    pytest.skip(f"book tests skipped: {why}")


def _pages() -> list[Path]:
    return sorted(p for p in SITE.rglob("*.html") if "_static" not in p.parts)  # _static holds theme templates


# -- what needs no browser -----------------------------------------------------------------------


class _Anchors(HTMLParser):
    """The hrefs, srcs and ids of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name) and tag in {"a", "link", "script", "img"}:
                self.links.append(attrs[name])


@functools.cache
def _parsed(page: Path) -> _Anchors:
    parser = _Anchors()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def site() -> Path:
    if not (SITE / "index.html").exists():
        _skip_or_fail(f"no book at {SITE.relative_to(ROOT)} (run `make book`)")
    return SITE


def test_the_book_has_every_lesson_exercise_and_reference_page(site):
    missing = [
        f"{folder}/{name}.html"
        for folder, names in [
            ("notebooks", LESSONS),
            ("exercises", EXERCISES),
            ("docs", ["glossary", "teaching"]),
            ("", ["quickstart", "index", "search"]),
        ]
        for name in names
        if not (site / folder / f"{name}.html").exists()
    ]
    assert len(LESSONS) == 16 and len(EXERCISES) == 16, (LESSONS, EXERCISES)
    assert not missing, f"pages missing from the book: {missing}"
    assert (site / "searchindex.js").exists(), "no search index: the search page cannot work offline"


def test_every_internal_link_resolves(site):
    broken = []
    for page in _pages():
        for link in _parsed(page).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {link}")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in _parsed(target).ids:
                broken.append(f"{page.relative_to(site)} -> {link} (no id {parts.fragment!r} there)")
    assert not broken, f"{len(broken)} internal links do not resolve:\n" + "\n".join(broken[:40])


def test_lesson_pages_have_their_outputs_the_run_line_and_the_launch_links(site):
    for name in LESSONS:
        html = (site / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        assert html.count('class="cell_output') >= 3, f"{name}: the page shows fewer than 3 cell outputs"
        run = re.search(r'<p class="zoo-book-run">(.*?)</p>', html, re.S)
        assert run, f"{name}: no line saying when and with what the lesson was executed"
        text = re.sub(r"<[^>]+>", "", run.group(1))
        for what in (
            "executed 20",
            "every cell passing",
            "Python 3.",
            "torch ",
            "tensorflow ",
            "mxnet ",
            "transformers ",
            "huggingface_hub ",
            " on ",
        ):
            assert what in text, f"{name}: the run line lacks {what!r}: {text}"
        assert f"colab.research.google.com/github/zoo-patterns/zoo-patterns/blob/main/notebooks/{name}.ipynb" in html
        assert f"mybinder.org/v2/gh/zoo-patterns/zoo-patterns/main?urlpath=lab/tree/notebooks/{name}.ipynb" in html
        assert re.search(
            rf"/hub/user-redirect/git-pull\?repo=https%3A//github.com/zoo-patterns/zoo-patterns&amp;branch=main&amp;urlpath=lab/tree/zoo-patterns/notebooks/{name}.ipynb",
            html,
        ), f"{name}: no nbgitpuller link to the lesson"
        shown = _colab_cell_lines(name) & _code_lines(html)
        assert not shown, f"{name}: the Colab-only install cell is on the page: {sorted(shown)[:3]}"


def _notebook(folder: str, name: str) -> dict:
    return json.loads((ROOT / folder / f"{name}.ipynb").read_text(encoding="utf-8"))


def _colab_cell_lines(name: str) -> set[str]:
    """The lines of code only the lesson's cell tagged ``colab`` (the Colab-only install) has.

    Lines any other cell has too (``import subprocess``, say) are left out: a page may show those. The
    prose may mention ``google.colab`` (lesson 12 explains Colab's widget manager); the cell's code may not.
    """
    cells = _notebook("notebooks", name)["cells"]
    colab = [c for c in cells if "colab" in c["metadata"].get("tags", [])]
    elsewhere = {line.strip() for c in cells if c not in colab for line in "".join(c["source"]).splitlines()}
    lines = {line.strip() for c in colab for line in "".join(c["source"]).splitlines()}
    lines = {line for line in lines if len(line) >= 12 and line not in elsewhere}
    assert len(lines) >= 3, f"{name}: no Colab-only cell to look for, so the check that it is left out would prove nothing"
    return lines


def _solution_only_lines(name: str) -> list[str]:
    """Lines of code the solution has only inside its # BEGIN SOLUTION / # END SOLUTION regions.

    A line the exercise shows too is part of the question, not its answer: one the solution has outside
    the regions (the question's text may quote the code to fix), or a region's ``#> `` line, which
    scripts/make_exercises.py puts in the exercise in place of the region (a stub such as ``def f(x):``).
    """
    inside, outside = [], set()
    for cell in _notebook("solutions", name)["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "code":
            for line in (line.strip() for region in REGION.findall(text) for line in region.splitlines()):
                if line.startswith("#>"):
                    outside.add(line[2:].strip())
                else:
                    inside.append(line)
            text = REGION.sub("", text)
        outside |= {line.strip() for line in text.splitlines()}
    return [line for line in inside if len(line) >= 12 and not line.startswith("#") and line not in outside]


REGION = re.compile(r"# BEGIN SOLUTION\n(.*?)# END SOLUTION", re.S)


class _Code(HTMLParser):
    """The lines of code on a page: the text inside its <pre> blocks."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.depth += tag == "pre"

    def handle_endtag(self, tag):
        self.depth -= tag == "pre"

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def _code_lines(html: str) -> set[str]:
    code = _Code()
    code.feed(html)
    return {line.strip() for line in "".join(code.text).splitlines()}


def test_no_exercise_page_contains_solution_code(site):
    checked = 0
    for name in EXERCISES:
        html = (site / "exercises" / f"{name}.html").read_text(encoding="utf-8")
        lines = _code_lines(html)
        assert len(lines) > 10, f"exercises/{name}: no code on the page"
        assert "BEGIN SOLUTION" not in html, f"exercises/{name}: a solution marker is on the page"
        secret = _solution_only_lines(name)
        leaked = [line for line in secret if line in lines]
        assert not leaked, f"exercises/{name}: solution code on the page: {leaked[:5]}"
        checked += len(secret)
    assert checked > 50, f"only {checked} solution lines to look for: the check would prove nothing"


# -- in the browser ------------------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser(site):
    if not CHROMIUM.exists():
        _skip_or_fail(f"no chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("Playwright is not installed (pip install playwright; never `playwright install`)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class Visit:
    """A browser context that lets through only the site's own URLs, and counts the rest."""

    def __init__(self, browser, base: str):
        self.base = base
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context()
        # Generous: on a loaded 2-core machine a page with lesson 12's 3.6 MB widget script takes a while.
        self.context.set_default_timeout(180_000)
        self.context.route("**/*", self._route)

    def _route(self, route):
        if route.request.url.startswith(self.base) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, path: str, wait: str = "load"):
        page = self.context.new_page()
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"{path}: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"{path}: {e}"))
        page.goto(urljoin(self.base, path), wait_until=wait)
        return page


@pytest.fixture(scope="module")
def visit(browser, server):
    v = Visit(browser, server)
    yield v
    v.context.close()


def test_every_page_loads_with_no_outside_request_and_no_console_error(site, visit):
    for page_path in _pages():
        path = page_path.relative_to(site).as_posix()
        page = visit.open(path)
        try:
            page.wait_for_load_state("networkidle", timeout=90_000)
        except Exception as exc:  # the page never settles: say which
            raise AssertionError(f"{path}: still loading after 90 s ({exc})") from None
        page.close()
    assert visit.outside == [], f"{len(visit.outside)} requests outside the site: {sorted(set(visit.outside))[:20]}"
    assert visit.errors == [], "console errors:\n" + "\n".join(visit.errors[:20])


def _executed(name: str):
    """The lesson as the book executed it: jupyter-cache's record for the notebook's code as it is now.

    Not build/book/jupyter_execute/: MyST-NB writes the notebook there without its outputs when they
    came from the cache (myst_nb/sphinx_.py writes the notebook it read, and the cache client keeps the
    merged one to itself), and book/build.py puts every lesson in the cache before Sphinx reads it.
    """
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(str(CACHE))
    try:
        record = cache.match_cache_notebook(nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4))
    except KeyError:
        pytest.fail(f"{name}: {CACHE} has no execution of the lesson as it is now: the book is older than the lesson (make book)")
    return cache.get_cache_bundle(record.pk).nb


def test_lesson_plots_are_images_that_load(site, visit):
    """Every PNG a lesson's executed notebook produced is an image on its page, and the browser decoded it."""
    total = 0
    for name in LESSONS:
        executed = _executed(name)
        pngs = sum("image/png" in out.get("data", {}) for cell in executed.cells for out in cell.get("outputs", []))
        page = visit.open(f"notebooks/{name}.html")
        shown = page.eval_on_selector_all(".cell_output img", "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")
        page.close()
        assert len(shown) == pngs, f"{name}: the executed notebook has {pngs} plots, the page shows {len(shown)}"
        assert all(shown), f"{name}: an image on the page did not load"
        total += pngs
    assert total >= 5, f"only {total} plots in all the lessons"
    assert visit.outside == []


def test_lesson_12s_zoo_browser_renders_as_a_widget(visit):
    page = visit.open("notebooks/12_mvc_mvvm.html")
    page.wait_for_selector(".jupyter-widgets.widget-text, .jupyter-widgets input, .widget-select", timeout=60_000)
    rendered = page.eval_on_selector_all(".cell_output .jupyter-widgets", "els => els.length")
    text = page.inner_text("article")
    page.close()
    assert rendered >= 3, f"only {rendered} widget elements rendered"
    assert "digits-cnn" in text, "the rendered zoo browser does not list the zoo's models"
    assert "Loading widget" not in text and "Error displaying widget" not in text
    assert visit.outside == [] and visit.errors == [], (visit.outside, visit.errors)


def test_offline_search_finds_content_id(visit):
    page = visit.open("search.html?q=content+id")
    page.wait_for_selector("#search-results ul.search li", timeout=60_000)
    results = page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.getAttribute('href'))")
    page.close()
    assert any("glossary" in href for href in results), f"search for 'content id' found {results}"
    assert visit.outside == []


AXE_PAGES = [
    "index.html",
    "quickstart.html",
    "notebooks/00_setup.html",
    "notebooks/07_fine_tuning_torch.html",
    "notebooks/12_mvc_mvvm.html",
    "exercises/04_layered_loader.html",
    "docs/glossary.html",
    "search.html",
]


@pytest.mark.parametrize("path", AXE_PAGES)
def test_axe_finds_nothing_serious_or_critical(visit, path):
    if not AXE.exists():
        _skip_or_fail("axe-core is missing from book/node_modules (run `npm ci` in book/)")
    page = visit.open(path)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    page.close()
    bad = {
        v["id"]: f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    }
    assert not bad, f"{path}: axe-core found\n" + "\n".join(bad.values())
