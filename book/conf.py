"""Sphinx configuration of the book of the lessons (`make book`, which runs book/build.py).

The stack is Jupyter Book 1's: Sphinx, MyST-NB (notebooks executed and cached with jupyter-cache),
sphinx-book-theme (table of contents, previous/next links, launch buttons). Everything it loads is
served from the site: require.js, the widgets' HTML manager and MathJax come from book/node_modules.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "zoo-patterns"
author = "the zoo-patterns authors"
copyright = "the zoo-patterns authors, Apache-2.0"
html_title = "zoo-patterns: the workbook"
language = "en"

extensions = ["myst_nb", "zoo_book"]
root_doc = "index"
# README.md is read through the quick start page's include; the .py sources are the notebooks' twins.
exclude_patterns = ["README.md", "**/*.py", "**/.ipynb_checkpoints"]
# The glossary steps from its title straight to one H3 per term, on purpose.
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]

# -- MyST ---------------------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3  # README and glossary links such as glossary.md#content-id

# -- execution: every lesson runs, every cell must pass, results are cached ------------------------
nb_execution_mode = "cache"
nb_execution_cache_path = str(Path(__file__).resolve().parent.parent / "build" / "book" / "jupyter_cache")
nb_execution_raise_on_error = True  # a failing cell fails the build, naming the notebook and the cell
nb_execution_show_tb = True
nb_execution_timeout = 900  # per cell; lessons take about a minute in all on a laptop, longer under load
# Exercises are shown, not run: their check cells fail by design until the learner fills the gaps.
nb_execution_excludepatterns = ["exercises/*"]
nb_merge_streams = True

# Widgets (lesson 12's zoo browser) render from their saved state with the HTML manager served
# from the site. require.js resolves module ids under _static/vendor/npm/ (zoo_book_require.js), and
# the manager asks for its icon fonts there (book/build.py copies them to npm/@jupyter-widgets/).
# Its script bundles @jupyter-widgets/base, controls and output; the module base below (for other
# widget libraries; lesson pages are one folder down) is never used.
nb_ipywidgets_js = {
    "vendor/require.js": {},
    "zoo_book_require.js": {},
    "vendor/npm/@jupyter-widgets/html-manager/dist/embed-amd.js": {"data-jupyter-widgets-cdn": "../_static/vendor/npm/"},
}
mathjax_path = "vendor/mathjax/tex-chtml.js"

# -- HTML ---------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
templates_path = ["_templates"]  # accessibility fixes to the theme's templates (see each file)
html_static_path = [str(Path(__file__).resolve().parent.parent / "build" / "book" / "static"), "_static"]
html_css_files = ["zoo_book.css"]
html_last_updated_fmt = None
html_copy_source = True  # the download button offers the page's notebook (without outputs)
html_show_sourcelink = False

REPOSITORY = "https://github.com/zoo-patterns/zoo-patterns"
# The JupyterHub a class uses: `make book JUPYTERHUB_URL=https://hub.example.edu` (nbgitpuller must be installed there).
JUPYTERHUB_URL = os.environ.get("ZOO_BOOK_JUPYTERHUB_URL") or "http://localhost:8000"

html_theme_options = {
    "repository_url": REPOSITORY,
    "repository_branch": "main",
    "path_to_docs": "",
    "use_repository_button": True,
    "launch_buttons": {
        "notebook_interface": "jupyterlab",
        "colab_url": "https://colab.research.google.com",
        "binderhub_url": "https://mybinder.org",
        "jupyterhub_url": JUPYTERHUB_URL,
    },
    "show_navbar_depth": 1,
    "home_page_in_toc": True,
}
html_static_path = [p for p in html_static_path if Path(p).is_absolute() or (Path(__file__).parent / p).is_dir()]
# The theme's first script reads the colour mode from localStorage, else this; left empty, a
# first visit logs "Got invalid theme mode" as a console error.
html_context = {"default_mode": "auto"}
