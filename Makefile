# zoo-patterns: the two commands a learner needs.
#   make lab    create .venv if missing, install, build the zoo if missing, start JupyterLab
#   make test   create .venv if missing, then run every test (unit, pairs, notebooks, exercises)
#   make test-colab  every lesson and solution again, in a Colab-like .venv-colab (Python 3.12,
#                    numpy 2, torch's CUDA build with triton), the environment the Colab badges open
# Override the interpreter with `make PYTHON=python3.11 ...`.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.zoo-patterns-installed
PORT   ?= 8888
PYTEST_NB := --nbval-lax --nbval-current-env --nbval-cell-timeout=600 \
             --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

.PHONY: help lab app test test-colab test-classroom flakes flakes-distributed mutants unit lesson bench zoo notebooks-sync doctor clean classroom book

help:
	@echo "make lab          start JupyterLab on the lessons (installs on first run)"
	@echo "make app          serve the zoo browser (lesson 12) with Voila on http://127.0.0.1:8866"
	@echo "make test         run every test: unit, notebook pairs, lessons, solutions, exercises"
	@echo "make test-colab   run every lesson and solution in a Colab-like environment (.venv-colab)"
	@echo "make lesson N=01  run one lesson, its solution and its exercise under nbval"
	@echo "make flakes N=5   run every notebook that asserts a timing N times, in .venv and .venv-colab"
	@echo "make flakes-distributed N=30  lesson 14's torchrun jobs N times each beside a busy CPU; count failures"
	@echo "make mutants      break each library claim the lessons cite, once, and check its test fails"
	@echo "make bench        run the benchmarks (ratios measured side by side)"
	@echo "make doctor       say what is installed and what is missing"
	@echo "make test-classroom  the classroom hub's end-to-end test (root, node, npm, chromium)"
	@echo "make classroom ROSTER=roster.csv  a JupyterHub lab for a class on this machine (root; docs/teaching.md)"
	@echo "make book         build the lessons with their outputs as a static site in build/book/html/"
	@echo "make notebooks-sync  regenerate every .ipynb (and exercises/) from the .py sources"

# The install stamp depends on the files that say what to install, so editing
# them reinstalls; a missing or wrong Python gets a message, not a traceback.
$(STAMP): pyproject.toml constraints.txt jupyter/overrides.json
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "make: no Python found as '$(PYTHON)'. Install Python 3.10, 3.11 or 3.12 (python.org, your" >&2; \
	  echo "      package manager, or conda), then run 'make $(MAKECMDGOALS) PYTHON=/path/to/python3'." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 12) else 1)' 2>/dev/null || { \
	  echo "make: '$(PYTHON)' is not a usable Python 3.10-3.12 (it says: $$($(PYTHON) --version 2>&1 | head -n 1))." >&2; \
	  echo "      TensorFlow, torch and mxnet wheels need 3.10-3.12: run 'make $(MAKECMDGOALS) PYTHON=python3.11'." >&2; exit 1; }
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV) || { \
	  echo "make: could not create $(VENV). On Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }
	$(PY) -m pip install --upgrade --quiet "pip>=23.2"
	$(PY) -m pip install -c constraints.txt -e ".[all]"
	$(PY) -m pip check
	@# JupyterLab reads overrides.json from its app settings folder: no "official Jupyter news?" prompt on first start
	mkdir -p $(VENV)/share/jupyter/lab/settings && cp jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(STAMP)

zoo: $(STAMP)
	$(PY) -m zoo_patterns build --if-missing

lab: zoo
	$(PY) -m jupyter lab --ServerApp.root_dir=. --port=$(PORT) --ServerApp.default_url=/lab/tree/notebooks \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

APP_PORT ?= 8866
app: zoo
	$(PY) -m zoo_patterns browse --port $(APP_PORT) --no-browser

# A classroom lab on this machine, as root: JupyterHub for ROSTER (a CSV: username,role), accounts,
# PAM logins, the lab mirror and nbgrader's exchange (docs/teaching.md). Ctrl-C stops it all.
HUB_DATA ?= /srv/zoo-patterns/hub
HUB_HOST ?= 127.0.0.1
HUB_PORT ?= 8000
# Every student's server reads the zoo, so it cannot live in root's home: this folder, unless ZOO_PATTERNS_ZOO is set.
classroom: export ZOO_PATTERNS_ZOO ?= /srv/zoo-patterns/zoo
classroom: zoo
	@[ -n "$(ROSTER)" ] || { echo "usage: make classroom ROSTER=roster.csv [HUB_DATA=$(HUB_DATA) HUB_HOST=0.0.0.0 HUB_PORT=8000]" >&2; exit 2; }
	$(PY) -m zoo_patterns classroom hub --roster $(ROSTER) --data $(HUB_DATA) --host $(HUB_HOST) --port $(HUB_PORT)

# The classroom hub's end-to-end test (tests/test_classroom_hub.py), as root on a machine with node,
# npm, git and chromium: it makes real accounts and removes them. The folders above .venv's Python,
# this clone and the zoo must be open to other accounts (o+x); .ci/run does that on CI's machine.
test-classroom: zoo
	ZOO_PATTERNS_HUB_TEST=1 ZOO_PATTERNS_REQUIRE_HUB=1 $(PY) -m pytest -p no:cacheprovider -v \
	  --junitxml=build/test-classroom.xml tests/test_classroom_hub.py

doctor: $(STAMP)
	$(PY) -m zoo_patterns doctor

# Two pytest runs over the same tests. The parallel part: pytest-xdist, one file (a notebook, a test
# module) per worker, so a notebook's cells stay in order on one kernel. The serial part, alone on the
# CPU: what is marked `serial` (notebooks with a cell tagged `timing`, and the browser tests; see
# conftest.py). scripts/test_summary.py then prints the ten slowest tests, what was skipped, and one
# closing line for both, and fails when a test failed or nothing ran.
#   $(call pytest_in_two_parts,PYTHON,PATHS,LABEL)
WORKERS ?= 2
define pytest_in_two_parts
mkdir -p build; rm -f build/$(3)-parallel.xml build/$(3)-serial.xml; \
  $(1) -m pytest $(2) $(PYTEST_NB) -m "not serial" -n $(WORKERS) --dist loadfile --junitxml=build/$(3)-parallel.xml; a=$$?; \
  $(1) -m pytest $(2) $(PYTEST_NB) -m serial --junitxml=build/$(3)-serial.xml; b=$$?; \
  $(1) scripts/test_summary.py --label $(3) build/$(3)-parallel.xml:$$a build/$(3)-serial.xml:$$b
endef

test: zoo
	@$(call pytest_in_two_parts,$(PY),tests notebooks solutions exercises,test)

# -- the Colab path ----------------------------------------------------------------------
# Colab runs Python 3.12 with numpy 2 and torch's default (CUDA) build, which brings triton;
# each lesson's Colab cell then adds the `colab` extra and mxnet with --no-deps. This target
# builds exactly that in .venv-colab (pip's cache keeps the large downloads for next time),
# with its own zoo, since the zoo's fingerprint includes the framework versions.
COLAB_VENV   ?= .venv-colab
COLAB_PY     := $(COLAB_VENV)/bin/python
COLAB_STAMP  := $(COLAB_VENV)/.zoo-patterns-colab-installed
COLAB_ZOO    ?= $(CURDIR)/build/colab/zoo
COLAB_CACHE  ?= $(CURDIR)/build/colab/cache
# What Colab has before the notebook's first cell runs (the versions the Colab issue was found with).
COLAB_PREINSTALLED := "numpy==2.3.5" "torch==2.13.0" "tensorflow==2.21.0" "keras>=3.15,<4" "transformers>=5,<6" \
                      "scikit-learn>=1.4" "matplotlib>=3.8" "ipykernel>=6.29" "ipywidgets>=8.1,<9"
# The first Python 3.12 that runs: PYTHON312=..., python3.12 on PATH, then pyenv's and the system's.
PYTHON312 ?= $(firstword $(foreach p,python3.12 $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) \
               /usr/bin/python3.12 /usr/local/bin/python3.12,$(shell $(p) -c 'import sys; assert sys.version_info[:2] == (3, 12); print("$(p)")' 2>/dev/null)))

$(COLAB_STAMP): pyproject.toml
	@[ -n "$(PYTHON312)" ] || { \
	  echo "make test-colab: needs Python 3.12 (Colab's version) and found none. Install it (pyenv install 3.12," >&2; \
	  echo "      deadsnakes, python.org), then run 'make test-colab PYTHON312=/path/to/python3.12'." >&2; exit 1; }
	@[ -x $(COLAB_PY) ] || $(PYTHON312) -m venv $(COLAB_VENV)
	$(COLAB_PY) -m pip install --upgrade --quiet "pip>=23.2"
	$(COLAB_PY) -m pip install --quiet $(COLAB_PREINSTALLED)
	$(COLAB_PY) -m pip install --quiet -e ".[colab,test]"
	$(COLAB_PY) -m pip install --quiet --no-deps "mxnet==1.9.1"
	@touch $(COLAB_STAMP)

test-colab: $(COLAB_STAMP)
	@$(COLAB_PY) -c 'import importlib.util as u, numpy, sys; print("colab-like: Python", sys.version.split()[0], "numpy", numpy.__version__, "triton", "installed" if u.find_spec("triton") else "MISSING")'
	ZOO_PATTERNS_ZOO=$(COLAB_ZOO) ZOO_PATTERNS_CACHE=$(COLAB_CACHE) $(COLAB_PY) -m zoo_patterns build --if-missing --quiet
	@export ZOO_PATTERNS_ZOO=$(COLAB_ZOO) ZOO_PATTERNS_CACHE=$(COLAB_CACHE) ZOO_PATTERNS_COLAB_ENV=1; \
	  $(call pytest_in_two_parts,$(COLAB_PY),tests/test_colab.py notebooks solutions,test-colab)

# The flake gate: every notebook with a `timing` cell, N times in .venv and in .venv-colab; per cell,
# the runs it passed and the spread of the numbers it asserts on (scripts/flakes.py).
N ?= 5
flakes: zoo $(COLAB_STAMP)
	ZOO_PATTERNS_ZOO=$(COLAB_ZOO) ZOO_PATTERNS_CACHE=$(COLAB_CACHE) $(COLAB_PY) -m zoo_patterns build --if-missing --quiet
	$(PY) scripts/flakes.py --runs $(N)

# The distributed flake loop: lesson 14's restart job and exercise 14's `--plan full` job, N times each,
# beside one busy process standing in for the suite's other worker (scripts/torchrun_flakes.py).
flakes-distributed: zoo
	$(PY) scripts/torchrun_flakes.py --jobs $(N)

# Break each claim the claims tests stand behind (inside the test process only) and check its test fails.
mutants: $(STAMP)
	$(PY) scripts/mutate_claims.py

unit: $(STAMP)
	$(PY) -m pytest tests

lesson:
	@[ -n "$(N)" ] || { echo "usage: make lesson N=01" >&2; exit 2; }
	@$(MAKE) --no-print-directory zoo
	$(PY) -m pytest $(PYTEST_NB) $(wildcard notebooks/$(N)_*.ipynb solutions/$(N)_*.ipynb exercises/$(N)_*.ipynb)

bench: zoo
	@for b in benchmarks/*.py; do echo "== $$b"; $(VENV)/bin/python $$b || exit 1; done

notebooks-sync: $(STAMP)
	$(PY) scripts/make_exercises.py
	$(PY) scripts/check_notebooks.py --fix

# -- the book ---------------------------------------------------------------------------------
# Every lesson executed (cached in build/book/jupyter_cache, so an unchanged lesson is not run again)
# and rendered with the exercises, glossary and teaching guide into build/book/html/; the pages'
# JavaScript (require.js, the widgets' HTML manager, MathJax) comes from book/node_modules, not a CDN.
# `make book JUPYTERHUB_URL=https://hub.example.edu` points the pages' JupyterHub links at your hub.
BOOK_STAMP := $(VENV)/.zoo-patterns-book-installed
JUPYTERHUB_URL ?=

$(BOOK_STAMP): $(STAMP)
	$(PY) -m pip install -c constraints.txt -e ".[book]"
	@touch $(BOOK_STAMP)

book/node_modules/.package-lock.json: book/package.json book/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "make book: needs npm (Node.js 18 or later) to fetch the JavaScript the book serves itself." >&2; \
	  echo "      Debian/Ubuntu: apt-get install npm; elsewhere: https://nodejs.org" >&2; exit 1; }
	cd book && npm ci --ignore-scripts --no-audit --no-fund

book: zoo $(BOOK_STAMP) book/node_modules/.package-lock.json
	$(PY) book/build.py $(if $(JUPYTERHUB_URL),--jupyterhub-url $(JUPYTERHUB_URL))

clean:
	rm -rf $(VENV) $(COLAB_VENV) build .pytest_cache
