# integration-kg — the two commands of the README:
#   make serve   install, build the graph from data/corpus, serve the web app
#   make test    install, run the whole test suite (non-zero exit on any failure)

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
KG     := $(VENV)/bin/kg
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: help install serve ingest test test-fast lint clean

help:
	@echo "make serve      install, ingest data/corpus into the store, serve http://$(HOST):$(PORT)/"
	@echo "make test       install and run the whole test suite"
	@echo "make test-fast  the tests not marked slow"
	@echo "make lint       ruff check"

$(PY):
	$(PYTHON) -m venv $(VENV)

# Re-install when pyproject.toml changes. If pip cannot reach the package index but the
# environment already works, go on with it (offline machines with a prepared venv).
$(STAMP): pyproject.toml | $(PY)
	@echo "==> [1/3] Installing integration-kg and its dependencies into $(VENV) (a few minutes the first time)"
	$(PY) -m pip install -q -e '.[dev]' || { \
	  $(PY) -c 'import click, pytest, spacy, pyoxigraph' 2>/dev/null && test -x $(KG) \
	  && echo "warning: pip install failed; using the packages already in $(VENV)" >&2; } \
	  || { echo "error: installing the project into $(VENV) failed" >&2; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

ingest: install
	@echo "==> [2/3] Building the graph from data/corpus (loads the language pipeline, then one document at a time)"
	$(KG) ingest data/corpus

serve: ingest
	@echo "==> [3/3] Serving http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	$(KG) serve --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not slow"

lint: install
	$(VENV)/bin/ruff check kg webapp tests

clean:
	rm -rf .pytest_cache .ruff_cache build *.egg-info
