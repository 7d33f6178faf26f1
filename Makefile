# The two commands of the README, and what they stand on. Everything installs itself.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
APP     = $(VENV)/.installed-app
STAMP   = $(VENV)/.installed

.PHONY: run test lint install clean budget bench services

# serving needs the product only, not the test tools
run: $(APP)
	$(BIN)/theater serve

test: $(STAMP) node_modules/.installed services lint
	$(BIN)/python -m pytest

# PostgreSQL, Redis and nginx for the scaled-out and proxy tests (the tests start and stop their
# own instances on 127.0.0.1)
services:
	scripts/system-packages.sh redis-server:redis-server pg_ctlcluster:postgresql nginx:nginx

lint: $(STAMP) node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy game cards app
	npx --no-install eslint web/static

install: $(STAMP)

budget: $(STAMP) node_modules/.installed
	$(BIN)/python bench/page_budget.py

bench: $(STAMP) services
	$(BIN)/python bench/load.py

node_modules/.installed: package.json package-lock.json
	scripts/system-packages.sh npm:npm chromium:chromium
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(APP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(APP)

$(STAMP): $(APP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
