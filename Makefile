# Everything needs only python3 (>= 3.10) and make; the virtual environment lives in .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup test lint reproduce spec claims figure benchmark benchmark-gradcheck clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## The whole test suite: scenarios, properties, doctests, docs.
test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## The main job: the article's experiment end to end (table + loss curve in out/).
reproduce: setup
	$(BIN)/linreg reproduce --out out

## The spec read as prose, claim by claim.
spec: setup
	$(BIN)/python -m pytest tests --gherkin-terminal-reporter -v

benchmark: setup
	$(BIN)/python -m pytest tests/benchmarks --benchmark-enable

## linreg.gradcheck against scipy, numdifftools and torch's and jax's rules (the table in docs/gradcheck.md).
benchmark-gradcheck: setup
	$(BIN)/python -m pip install --quiet -e ".[dev,benchmark]"
	$(BIN)/python tests/benchmarks/gradcheck_benchmark.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis .benchmarks cucumber.json

## The claims ledger (docs/claims.md and README's summary), regenerated from features/ and a run.
claims: setup
	$(BIN)/python tests/ledger.py --write

## The loss curve in the docs, drawn by the same code as `linreg reproduce`.
figure: setup
	$(BIN)/linreg reproduce --out docs/figures
