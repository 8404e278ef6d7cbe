# Two commands do everything on a fresh machine with Python 3.11+:
#   make run   – set up .venv, install, start the watcher on inbox/ -> outbox/
#   make test  – set up .venv, install, run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/pipeline watch --inbox inbox --outbox outbox --state state

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV)
