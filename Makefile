# disclosure-etl — the two commands a new user runs are `make demo` and `make test`.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: system-packages demo test test-fast test-distributed lint typecheck airflow docs bench bench-scale clean venv lock

venv: $(STAMP)

# The venv is built from requirements.lock (every package pinned) and rebuilt
# whenever the lock or pyproject changes.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24" "uv==0.13.8"
	$(BIN)/uv pip sync --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

# Debian packages for old binary .doc reports (LibreOffice converts them to DOCX, antiword is
# the text fallback); the same list as .ci/run and the Dockerfile. OCR needs none.
system-packages:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	  libreoffice-writer-nogui antiword

lock:
	$(BIN)/uv pip compile pyproject.toml --extra airflow --extra dev --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu -o requirements.lock

demo: $(STAMP)
	$(BIN)/python -m disclosure_etl.demo

test: $(STAMP)
	$(BIN)/ruff check src dags plugins tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -m "not distributed"

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not airflow and not distributed and not browser and not slow"

test-distributed: $(STAMP)
	$(BIN)/python -m pytest -q -m distributed

lint: $(STAMP)
	$(BIN)/ruff check src dags plugins tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

airflow: $(STAMP)
	$(BIN)/python -m disclosure_etl.airflow_env standalone

docs: $(STAMP)
	$(BIN)/python -m disclosure_etl.warehouse.docs docs/warehouse.md

bench: $(STAMP)
	for b in bench/*.py; do [ $$b = bench/scale.py ] || $(BIN)/python $$b || exit 1; done

# Province scale through the Celery deployment (local Postgres + Redis, like test-distributed);
# the full default (21 hosts, >= 1M items) takes hours: e.g. SCALE_ARGS="--districts 3 --items 50000"
bench-scale: $(STAMP)
	$(BIN)/python bench/scale.py $(SCALE_ARGS)

clean:
	rm -rf $(VENV) .airflow data/demo .pytest_cache .mypy_cache .ruff_cache
