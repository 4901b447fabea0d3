# Two commands on a fresh machine: `make run` (service with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-oldest-postgres lint typecheck contract install clean

run: $(STAMP)
	$(BIN)/shouhu serve

# Tests in parallel processes (pytest-xdist), each with its own embedded PostgreSQL: they
# wait on the database more than they compute, so two run well even on one core.
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print(max(2, os.cpu_count() or 1))")

test: $(STAMP) lint typecheck contract
	$(BIN)/pytest -n $(TEST_WORKERS)
	tests/oldest_postgres.sh

# The tests that exercise the SQL most, on the oldest PostgreSQL supported in production
# (docs/database.md) where its Debian server package is installed; skipped elsewhere.
test-oldest-postgres: $(STAMP)
	tests/oldest_postgres.sh

# The mobile app's operations still validate and the schema breaks nothing they use.
contract: $(STAMP)
	$(BIN)/shouhu contract check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy app schema authz migrations tests bench

install: $(STAMP)

# Reinstall whenever the dependencies change.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
