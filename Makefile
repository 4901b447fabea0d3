# Two commands on a fresh machine: `make run` (service with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-pooled test-oldest-postgres lint typecheck contract install clean

run: $(STAMP)
	$(BIN)/shouhu serve

# Tests in parallel processes (pytest-xdist), each with its own embedded PostgreSQL: they
# wait on the database more than they compute, so two run well even on one core.
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print(max(2, os.cpu_count() or 1))")

# graphql-http's GraphQL-over-HTTP audit (tests/api/test_graphql_over_http.py), from npm;
# without npm the test says it was skipped and why.
AUDIT_DIR := tests/http_conformance
AUDIT_TOOL := $(AUDIT_DIR)/node_modules/.package-lock.json
$(AUDIT_TOOL): $(AUDIT_DIR)/package-lock.json
	@if command -v npm >/dev/null; then \
		cd $(AUDIT_DIR) && npm ci --no-audit --no-fund --silent; \
	else \
		echo "npm not found: the GraphQL-over-HTTP audit will be skipped"; \
	fi

test: $(STAMP) $(AUDIT_TOOL) lint typecheck contract
	$(BIN)/pytest -n $(TEST_WORKERS)
	@$(MAKE) --no-print-directory test-pooled
	@$(MAKE) --no-print-directory test-oldest-postgres

# The authorization suite again with the service behind PgBouncer in transaction mode
# (tests/pgbouncer.py), where Debian's pgbouncer is installed (.ci/run installs it).
test-pooled: $(STAMP)
	@if [ -x /usr/sbin/pgbouncer ]; then \
		SHOUHU_TEST_POOLER=pgbouncer $(BIN)/pytest -n $(TEST_WORKERS) -q tests/authz; \
	else \
		echo "pgbouncer not installed (apt-get install -y pgbouncer): the pooled run is skipped"; \
	fi

# The tests that exercise the SQL most, on the oldest PostgreSQL supported in production
# (docs/database.md) where its Debian server package is installed (.ci/run installs it);
# skipped elsewhere.
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
