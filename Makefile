# zoo-patterns: the two commands a learner needs.
#   make lab    create .venv if missing, install, build the zoo if missing, start JupyterLab
#   make test   create .venv if missing, then run every test (unit, pairs, notebooks, exercises)
# Override the interpreter with `make PYTHON=python3.11 ...`.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.zoo-patterns-installed
PORT   ?= 8888
PYTEST_NB := --nbval-lax --nbval-current-env --nbval-cell-timeout=600 \
             --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

.PHONY: help lab test unit lesson bench zoo notebooks-sync doctor clean

help:
	@echo "make lab          start JupyterLab on the lessons (installs on first run)"
	@echo "make test         run every test: unit, notebook pairs, lessons, solutions, exercises"
	@echo "make lesson N=01  run one lesson, its solution and its exercise under nbval"
	@echo "make bench        run the benchmarks (ratios measured side by side)"
	@echo "make doctor       say what is installed and what is missing"
	@echo "make notebooks-sync  regenerate every .ipynb (and exercises/) from the .py sources"

# The install stamp depends on the files that say what to install, so editing
# them reinstalls; a missing or wrong Python gets a message, not a traceback.
$(STAMP): pyproject.toml constraints.txt
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
	@touch $(STAMP)

zoo: $(STAMP)
	$(PY) -m zoo_patterns build --if-missing

lab: zoo
	$(PY) -m jupyter lab --ServerApp.root_dir=. --port=$(PORT) --ServerApp.default_url=/lab/tree/notebooks \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

doctor: $(STAMP)
	$(PY) -m zoo_patterns doctor

# One pytest run, so CI reads one closing line. pytest's exit code 5 means it
# collected nothing: that proves nothing, so it fails the target.
test: zoo
	@$(PY) -m pytest tests notebooks solutions exercises $(PYTEST_NB); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests; that proves nothing." >&2; exit 1; fi; exit $$rc

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

clean:
	rm -rf $(VENV) build .pytest_cache
