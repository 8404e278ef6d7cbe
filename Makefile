# Two commands do everything on a fresh machine with Python 3.11+:
#   make run   – set up .venv, install, start the watcher on inbox/ -> outbox/ and the review station
#   make test  – set up .venv, install, run ruff, mypy and the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# the watcher and the review station in one process; it prints the station's address
run: $(STAMP)
	$(BIN)/pipeline serve --watch --inbox inbox --outbox outbox --state state

# ruff, then mypy, then the suite (pyproject.toml holds their settings); with
# CI=true a test whose LibreOffice, CJK font, Chromium or OCR models are
# missing fails instead of skipping (tests/conftest.py)
test: lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests bench scripts
	$(BIN)/mypy pipeline

clean:
	rm -rf $(VENV)
