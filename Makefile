# bedstretch: `make run` sets up and runs the coach; `make test` sets up and runs every check.
# Everything installs from the lock file (uv.lock) into .venv; uv itself is pinned in .tools.

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
# Byte-compile on install: a CLI that starts in a bed should not compile its imports every time.
export UV_COMPILE_BYTECODE := 1

.PHONY: run test lint typecheck unit bench docs lock clean

run: $(VENV)/.synced
	$(BIN)/bedstretch timeline morning --summary

test: $(VENV)/.synced
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m bedstretch.clidoc --check docs/cli.md
	$(BIN)/pytest

bench: $(VENV)/.synced
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/planning.py

docs: $(VENV)/.synced
	$(BIN)/python -m bedstretch.clidoc > docs/cli.md

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-extras
	$(BIN)/python -m compileall -q src
	@touch $@

lock: $(UV)
	$(UV) lock

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .hypothesis
