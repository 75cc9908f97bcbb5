# Simbiot — run `make` for this help.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
export OMP_NUM_THREADS ?= 1
export OMP_WAIT_POLICY ?= PASSIVE

.DEFAULT_GOAL := help
.PHONY: help venv demo test lint typecheck unit bench clean

help: ## Show this help
	@echo "Simbiot — targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

venv: $(STAMP) ## Create the local virtual environment (.venv) with every dependency

demo: $(STAMP) ## Run the embedded stack: SQLite, in-process cache and bus, simulated market
	$(BIN)/simbiot demo

lint: $(STAMP) ## ruff (lint + format check) on src, tests, bench
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP) ## mypy --strict on src
	$(BIN)/mypy

unit: $(STAMP) ## pytest only
	$(BIN)/pytest -q

test: lint typecheck unit ## Lint, type-check and run every test (uses local PostgreSQL and Redis)

bench: $(BENCH_STAMP) ## Run the benchmarks; prints JSON figures and ratios against reference libraries
	$(BIN)/python -m bench

clean: ## Remove the virtual environment, caches and local data
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache var
