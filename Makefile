# The two commands of the README, and what they stand on. Everything installs itself, and only
# the versions uv.lock holds (see "Dependencies" in the README).
PYTHON ?= python3
VENV   ?= .venv
TOOLS  ?= .tools
BIN     = $(VENV)/bin
UV      = $(TOOLS)/bin/uv
APP     = $(VENV)/.installed-app
STAMP   = $(VENV)/.installed

# uv installs into $(VENV) with this Python and never downloads one of its own
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test lint lock lock-check install clean budget bench services

# serving needs the product only, not the test tools
run: $(APP)
	$(BIN)/theater serve

test: lock-check $(STAMP) node_modules/.installed services lint
	$(BIN)/python -m pytest

# PostgreSQL, Redis and nginx for the scaled-out and proxy tests (the tests start and stop their
# own instances on 127.0.0.1), libfaketime for the clock-jump test
services:
	scripts/system-packages.sh redis-server:redis-server pg_ctlcluster:postgresql nginx:nginx faketime:faketime

lint: lock-check $(STAMP) node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy game cards app
	npx --no-install eslint web/static

# refresh the lock on purpose: the newest versions pyproject.toml allows, for every platform
lock: $(UV)
	$(UV) lock --upgrade

# pyproject.toml changed without `make lock`? Then say so, before anything installs.
lock-check: $(UV)
	@$(UV) lock --check --quiet || { \
	  echo "uv.lock does not match pyproject.toml: run 'make lock' and commit uv.lock"; exit 1; }

install: $(STAMP)

budget: $(STAMP) node_modules/.installed
	$(BIN)/python bench/page_budget.py

bench: $(STAMP) services
	$(BIN)/python bench/load.py --repeat 3 --tables 500
	$(BIN)/python bench/recovery.py --sessions 1000 --repeat 3

node_modules/.installed: package.json package-lock.json
	scripts/system-packages.sh npm:npm chromium:chromium
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# uv itself, at the version and hashes uv.lock holds (again whenever the lock changes)
$(UV): uv.lock scripts/uv_requirement.py
	$(PYTHON) -m venv $(TOOLS)
	$(PYTHON) scripts/uv_requirement.py uv.lock \
	  | $(TOOLS)/bin/pip install --quiet --no-deps --require-hashes -r /dev/stdin
	touch $(UV)

# --frozen: exactly the lock, never a new resolution; --inexact keeps the test tools if present
$(APP): pyproject.toml uv.lock $(UV)
	$(UV) sync --quiet --frozen --inexact
	touch $(APP)

$(STAMP): pyproject.toml uv.lock $(UV)
	$(UV) sync --quiet --frozen --extra dev
	touch $(APP) $(STAMP)

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .hypothesis
