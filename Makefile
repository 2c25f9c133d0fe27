# The README's commands. Each runs the idempotent set-up first: Debian packages, the libvirt daemons, the venv.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: setup demo test lint bench clean

setup:
	@bash scripts/setup.sh all
	@# pip compiles an installed package's bytecode; an editable checkout must do it itself, or every start
	@# recompiles it (PYTHONDONTWRITEBYTECODE is set on these machines).
	@$(PY) -m compileall -q vdbgsh

demo: setup
	$(BIN)/vdbgsh attach --scratch

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) .setup .mypy_cache .ruff_cache .pytest_cache
