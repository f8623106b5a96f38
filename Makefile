# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test demo bench lint install clean

$(BIN)/voordenken: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/voordenken

run: $(BIN)/voordenken  ## run the bot: Slack/Telegram when tokens are set, else the console on ./voordenken.db
	$(BIN)/voordenken run

test: $(BIN)/voordenken  ## the whole test suite (PostgreSQL tests skip when the server is unreachable)
	$(BIN)/pytest

demo: $(BIN)/voordenken
	$(BIN)/voordenken demo en

bench: $(BIN)/voordenken  ## print the benchmark figures (no timed tests)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python -m benchmarks.$$(basename $$b .py) || exit 1; done

lint: $(BIN)/voordenken
	$(BIN)/ruff check bot adapters tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
