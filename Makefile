# Two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export DATABASE_URL ?= sqlite:///crm.db

.PHONY: run test lint install install-test serve worker console clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Set up, migrate the SQLite database and start the product (the local console without Slack credentials).
run: install
	$(BIN)/crm db upgrade
	@if [ -n "$$SLACK_BOT_TOKEN$$SLACK_APP_TOKEN$$SLACK_CLIENT_ID" ]; then $(BIN)/crm serve; else $(BIN)/crm console; fi

# Set up with test dependencies and run the whole suite (Postgres too when TEST_DATABASE_URL is set).
test: install-test
	$(BIN)/python -m pytest -n auto -q

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core bot jobs cli console integrations wiring
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) crm.db .pytest_cache .mypy_cache .ruff_cache
