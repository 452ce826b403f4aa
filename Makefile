# Everything needs only python3 (>= 3.10) and make; the virtual environment lives in .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# One stamp per extra: `make reproduce` installs what reproduction needs (the `reproduce`
# extra: scikit-learn, matplotlib, tqdm), the other targets the development tools (`dev`).
BASE_STAMP      := $(VENV)/.venv-stamp
REPRODUCE_STAMP := $(VENV)/.reproduce-stamp
DEV_STAMP       := $(VENV)/.dev-stamp

.PHONY: setup browser test lint reproduce spec report claims figure benchmark benchmark-suite benchmark-gradcheck mutants clean

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

## Debian's Chromium, which the report's browser test drives (Playwright's own download is not used).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "Chromium is needed at $(CHROMIUM) (set CHROMIUM=/path/to/chromium)"; exit 1; }
	$(SUDO) apt-get install -y --no-install-recommends chromium >/dev/null \
	  || { $(SUDO) apt-get update >/dev/null && $(SUDO) apt-get install -y --no-install-recommends chromium >/dev/null; }

browser: $(CHROMIUM)

## The whole test suite: scenarios, properties, doctests, docs, the report in a browser.
# pytest caches the test modules it rewrites as bytecode; an environment that sets
# PYTHONDONTWRITEBYTECODE makes every run (and every interpreter the suite starts) rewrite them.
test: setup browser
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## The main job: the article's experiment end to end (table + loss curve in out/).
reproduce: $(REPRODUCE_STAMP)
	$(BIN)/linreg reproduce --out out

## The implementation the spec judges: linreg unless IMPL=<module or path/to/file.py> is given.
IMPL ?= linreg

## The spec read as prose, claim by claim (each feature and rule once, every step with its status).
spec: setup
	$(BIN)/python -m pytest tests --gherkin-terminal-reporter -v --impl=$(IMPL)

## The reviewer's report of one spec run: out/report.html, built from out/cucumber.json beside it.
report: setup
	$(BIN)/python -m pytest tests -q --impl=$(IMPL) --report-html=out/report.html

## Speed and memory targets (tests/benchmarks/, collected only here), each printing the machine it ran on.
benchmark: setup
	$(BIN)/python -m pytest tests/benchmarks --benchmark-enable -s

## Every wrong implementation judged on every claim; fails if a scenario is failed by none of them.
mutants: setup
	PYTHONPATH=tests $(BIN)/python -m tooling.mutants

## How long the suite takes (the README's test command, one claim), with the machine: docs/benchmarks.md.
benchmark-suite: setup browser
	$(BIN)/python tests/benchmarks/suite_timing.py

## linreg.gradcheck against jax, autograd, scipy, numdifftools and torch's rule (the table in docs/gradcheck.md).
benchmark-gradcheck: setup
	$(BIN)/python -m pip install --quiet -e ".[dev,benchmark]"
	$(BIN)/python -m linreg.gradcheck.benchmark

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis .benchmarks cucumber.json

## The claims ledger (docs/claims.md and README's summary), regenerated from features/ and a run.
claims: setup
	PYTHONPATH=tests $(BIN)/python -m tooling.ledger --write

## The loss curve in the docs, drawn by the same code as `linreg reproduce`.
figure: $(REPRODUCE_STAMP)
	$(BIN)/linreg reproduce --out docs/figures
