# Sentinel: `make policy-check` runs the main job on this repository; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: policy-check test lint typecheck verify unit bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

node_modules/.installed-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

policy-check: $(STAMP)
	$(BIN)/sentinel check

lint: $(STAMP)
	$(BIN)/ruff check sentinel extractors tests testsupport benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

verify: $(STAMP)
	$(BIN)/sentinel verify -p policy-as-code/policies -d policy-as-code/data

unit: $(STAMP) node_modules/.installed-stamp
	$(BIN)/pytest -n 2 -p no:cacheprovider

test: lint typecheck verify unit

bench: $(STAMP)
	for f in benchmarks/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) node_modules .sentinel .pytest_cache .mypy_cache .ruff_cache
