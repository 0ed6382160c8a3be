# Sentinel: `make policy-check` runs the main job on this repository; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: policy-check test lint typecheck verify unit bench clean tools fuzz screenshot browser servers pythons kafka

# The real OPA and conftest, built from the Go module proxy: test oracles and the optional
# `--engine opa`, never needed by `pip install`. Cached by Go's module and build caches.
TOOLS := $(CURDIR)/.tools/bin
# Go's official install location, for a shell whose PATH lacks it.
export PATH := $(PATH):/usr/local/go/bin
OPA_VERSION := v1.22.4
CONFTEST_VERSION := v0.71.1
GO_TOOLS := github.com/open-policy-agent/opa@$(OPA_VERSION) github.com/open-policy-agent/conftest@$(CONFTEST_VERSION)

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
	$(BIN)/ruff check sentinel tests testsupport benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

verify: $(STAMP)
	$(BIN)/sentinel verify -p policy-as-code/policies -d policy-as-code/data
	$(BIN)/sentinel verify -p policy-as-code/runtime

tools:
	@mkdir -p $(TOOLS)
	@for spec in $(GO_TOOLS); do \
	  mod=$${spec%@*}; ver=$${spec#*@}; exe=$(TOOLS)/$${mod##*/}; \
	  if go version -m $$exe 2>/dev/null | grep -Eq "^[[:space:]]+mod[[:space:]]+$$mod[[:space:]]+$$ver([[:space:]]|$$)"; then continue; fi; \
	  echo "go install $$spec (a few minutes the first time)"; \
	  GOBIN=$(TOOLS) GOFLAGS=-buildvcs=false go install $$spec || exit 1; \
	done

# Headless Chromium (Debian's package) renders the PR comment for tests/bot/test_comment_page.py.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# Real servers the runtime tests start on free loopback ports (Debian's packages): Redis, nginx,
# NATS with JetStream, PostgreSQL (the governance plan's DDL is run for real), and wrk for the HTTP
# load benchmark.
SERVER_PROGRAMS := redis-server nginx nats-server wrk
servers:
	@missing=""; for p in $(SERVER_PROGRAMS); do PATH="$$PATH:/usr/sbin" command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then apt-get update -qq && apt-get install -y -qq redis-server nginx nats-server wrk postgresql >/dev/null; fi

# A real Kafka broker (one KRaft node, started by the tests on loopback): its jars from Maven Central,
# cached in ~/.m2 (testsupport/kafka/pom.xml). Java 17 is enough.
KAFKA_JAR := .tools/kafka/libs/kafka_2.13-4.1.0.jar
kafka: $(KAFKA_JAR)
$(KAFKA_JAR): testsupport/kafka/pom.xml
	mvn -q -f testsupport/kafka/pom.xml dependency:copy-dependencies -DoutputDirectory=$(CURDIR)/.tools/kafka/libs
	@touch $@

unit: $(STAMP) node_modules/.installed-stamp tools browser servers kafka
	SENTINEL_REQUIRE_ORACLES=1 PATH="$(TOOLS):$$PATH" $(BIN)/pytest -n 2 -p no:cacheprovider

# The suite again on every newer CPython this machine has (pyenv's builds, or python3.1x on PATH), each
# in its own venv (.venv-3.x) with the same editable install. CI (.ci/run) runs it after `make test`.
NEWER_PYTHONS := $(sort $(wildcard $(HOME)/.pyenv/versions/3.1[2-9].*/bin/python3) \
	$(foreach v,12 13 14,$(shell command -v python3.$(v) 2>/dev/null)))
pythons: node_modules/.installed-stamp tools browser servers kafka
	@seen=""; for py in $(NEWER_PYTHONS); do \
	  ver=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue; \
	  case " $$seen " in *" $$ver "*) continue;; esac; seen="$$seen $$ver"; venv=.venv-$$ver; \
	  echo "== Python $$ver ($$py)"; \
	  test -x $$venv/bin/python || $$py -m venv $$venv || exit 1; \
	  $$venv/bin/python -m pip install --quiet --upgrade pip && $$venv/bin/python -m pip install --quiet -e '.[dev]' || exit 1; \
	  SENTINEL_REQUIRE_ORACLES=1 PATH="$(TOOLS):$$PATH" $$venv/bin/pytest -n 2 -p no:cacheprovider || exit 1; \
	done

test: lint typecheck verify unit

# The property tests (parsers, extract stage, CLI exit codes) with many random examples; make test runs a fixed few.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -p no:cacheprovider -n 2 tests/parsers/test_fuzz.py tests/extractors/test_extract_fuzz.py \
		tests/cli/test_exit_codes_fuzz.py

# docs/images/pr-comment.png: the getting-started PR comment, captured by headless Chromium; the
# test checks what the page shows before the image is copied.
screenshot: $(STAMP) browser
	SENTINEL_SCREENSHOT=docs/images/pr-comment.png $(BIN)/pytest -p no:cacheprovider -q tests/bot/test_comment_page.py

bench: $(STAMP)
	for f in benchmarks/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .venv-3.* node_modules .tools .sentinel .pytest_cache .mypy_cache .ruff_cache
