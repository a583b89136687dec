# Two commands for a fresh clone: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
# Tests run in parallel (pytest-xdist, one database per worker on either engine); a module's
# tests stay on one worker so module-level set-up can be shared. TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= auto
PYTEST_ARGS ?= -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --durations=10

.PHONY: install run test test-sqlite test-postgres lint format clean screenshots

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed tests/browser/node_modules/.package-lock.json

# axe-core for the accessibility browser tests (npm package pinned in tests/browser/); without
# Node.js those tests skip locally and fail under CI.
tests/browser/node_modules/.package-lock.json: tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: install Node.js for the axe-core browser tests"; fi

## Embedded mode: SQLite file ./backoffice.db, in-process jobs, demo data, http://127.0.0.1:8000
run: install
	$(BIN)/backoffice demo
	$(BIN)/backoffice run --no-migrate

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## The whole suite on SQLite; again on PostgreSQL + Redis when BACKOFFICE_TEST_POSTGRES_URL is set.
test: install lint test-sqlite
	@if [ -n "$$BACKOFFICE_TEST_POSTGRES_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL run skipped: set BACKOFFICE_TEST_POSTGRES_URL (and BACKOFFICE_TEST_REDIS_URL) to run it"; fi

test-sqlite: install
	@echo "== suite on SQLite, in-process jobs"
	env -u BACKOFFICE_TEST_DATABASE_URL -u BACKOFFICE_TEST_REDIS_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	@echo "== suite on PostgreSQL, Redis broker"
	BACKOFFICE_TEST_DATABASE_URL="$$BACKOFFICE_TEST_POSTGRES_URL" $(BIN)/pytest $(PYTEST_ARGS)

## PNG screenshots of the main pages (demo data, Debian's Chromium) into docs/screenshots/
screenshots: install
	$(BIN)/python docs/screenshots/make.py

clean:
	rm -rf $(VENV) tests/browser/node_modules var backoffice.db backoffice.db-shm backoffice.db-wal *.egg-info
