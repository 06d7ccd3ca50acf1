# Seekline: `make run` and `make test` set everything up on a fresh Debian machine (as root).
# Each step is skipped when it is already done, so both are quick the second time.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

# Debian packages: what the server needs, and what the tests need on top.
APT_RUN  := ffmpeg espeak-ng libespeak-ng-dev festival-dev libestools-dev build-essential python3-dev python3-venv
APT_TEST := chromium fonts-dejavu-core redis-server postgresql
# The API benchmark (make bench-api) needs a load generator on top.
APT_BENCH := wrk

.PHONY: run test setup setup-test apt apt-test bench bench-api lint clean demo

run: setup
	$(BIN)/seekline serve --host $(HOST) --port $(PORT)

test: setup-test
	$(BIN)/python -m aeneas.diagnostics
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: apt $(VENV)/.installed

setup-test: apt-test $(VENV)/.installed-test

apt:
	@bash .ci/apt-install $(APT_RUN)

apt-test: apt
	@bash .ci/apt-install $(APT_TEST)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: setup
	$(BIN)/python media/build_demo.py

bench: setup-test
	$(BIN)/python bench/accuracy.py

bench-api: setup-test
	@bash .ci/apt-install $(APT_BENCH)
	$(BIN)/python bench/api.py

lint: setup-test
	$(BIN)/ruff check aligner server tests bench media

clean:
	rm -rf $(VENV) instance .pytest_cache
