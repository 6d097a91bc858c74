# Two commands on a fresh machine:  `make run` (set up, then start the app)
#                                   `make test` (set up, then run the tests)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
REQ_STAMP := $(VENV)/.req-$(shell cat requirements.txt | sha1sum | cut -c1-12)
DEV_STAMP := $(VENV)/.dev-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)

.PHONY: run test setup setup-dev index eval bench browser

run: setup
	$(PY) app.py

test: setup-dev browser
	$(PY) -m pytest

setup: $(REQ_STAMP)
setup-dev: $(DEV_STAMP)

$(REQ_STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first and alone: the CPU build of 2.13.0 (see requirements.txt)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(DEV_STAMP): $(REQ_STAMP) requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

browser:
	bash scripts/install-browser.sh

index: setup
	$(PY) -m rag build

eval: setup
	$(PY) -m eval

bench: setup
	$(PY) -m eval.bench
