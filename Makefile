# Everything needs only python3 (>= 3.10) and make; the virtual environment lives in .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# One stamp per extra: `make reproduce` installs what reproduction needs (the `reproduce`
# extra: scikit-learn, matplotlib, tqdm), the other targets the development tools (`dev`).
BASE_STAMP      := $(VENV)/.venv-stamp
REPRODUCE_STAMP := $(VENV)/.reproduce-stamp
DEV_STAMP       := $(VENV)/.dev-stamp

.PHONY: setup test lint reproduce spec claims figure benchmark clean

setup: $(DEV_STAMP)

$(BASE_STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $(BASE_STAMP)

$(REPRODUCE_STAMP): pyproject.toml $(BASE_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[reproduce]"
	touch $(REPRODUCE_STAMP)

# dev includes reproduce, so it stamps both.
$(DEV_STAMP): pyproject.toml $(BASE_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(REPRODUCE_STAMP) $(DEV_STAMP)

## The whole test suite: scenarios, properties, doctests, docs.
test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## The main job: the article's experiment end to end (table + loss curve in out/).
reproduce: $(REPRODUCE_STAMP)
	$(BIN)/linreg reproduce --out out

## The spec read as prose, claim by claim.
spec: setup
	$(BIN)/python -m pytest tests --gherkin-terminal-reporter -v

## Speed and memory targets (tests/benchmarks/, collected only here), each printing the machine it ran on.
benchmark: setup
	$(BIN)/python -m pytest tests/benchmarks --benchmark-enable -s

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis .benchmarks cucumber.json

## The claims ledger (docs/claims.md and README's summary), regenerated from features/ and a run.
claims: setup
	$(BIN)/python tests/ledger.py --write

## The loss curve in the docs, drawn by the same code as `linreg reproduce`.
figure: $(REPRODUCE_STAMP)
	$(BIN)/linreg reproduce --out docs/figures
