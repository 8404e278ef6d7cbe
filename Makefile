# Two commands do everything on a fresh machine with Python 3.11+:
#   make run   – set up .venv, install, start the watcher on inbox/ -> outbox/ and the review station
#   make test  – set up .venv, install, run ruff, mypy and the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup clean bench-batch bench-workers bench-ocr

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

# benchmarks, run by hand on a quiet machine (each prints its figures and the load average)
BATCH_ONLY := --skip stages generate pdf reprocess latency startup --batch 200 --batch-runs 3
# the 200-filing mixed batch (README's table): 2 workers on the default runtime beside ONNX Runtime
bench-batch: $(STAMP)
	$(BIN)/python bench/bench_stages.py $(BATCH_ONLY) --configs "2 workers" "2 workers, onnxruntime"
# the same batch on 1 worker and on 2: the speed-up
bench-workers: $(STAMP)
	$(BIN)/python bench/bench_stages.py $(BATCH_ONLY) --configs "1 worker" "2 workers"
# the OCR path per page beside bare rapidocr, then a worker's peak memory, both runtimes
bench-ocr: $(STAMP)
	$(BIN)/python bench/bench_ocr.py --runs 3 --threads 1
	$(BIN)/python bench/bench_ocr_memory.py

clean:
	rm -rf $(VENV)
