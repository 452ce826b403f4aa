# Everything needs only python3 (>= 3.10) and make; the virtual environment lives in .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# One stamp per extra: `make reproduce` installs what reproduction needs (the `reproduce`
# extra: scikit-learn, matplotlib, tqdm), the other targets the development tools (`dev`).
BASE_STAMP      := $(VENV)/.venv-stamp
REPRODUCE_STAMP := $(VENV)/.reproduce-stamp
DEV_STAMP       := $(VENV)/.dev-stamp

.PHONY: setup browser test lint reproduce package spec report claims figure benchmark benchmark-suite benchmark-gradcheck mutants mutation styles clean

setup: $(DEV_STAMP)

$(BASE_STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $(BASE_STAMP)

# The distribution is linreg-audit (see pyproject.toml). A .venv made before it was renamed still
# holds it as `linreg`, whose record owns .venv/bin/linreg: that one goes first, before the install.
UNINSTALL_OLD_NAME := $(BIN)/python -m pip uninstall --quiet --yes linreg 2>/dev/null || true

$(REPRODUCE_STAMP): pyproject.toml scripts/linreg.py $(BASE_STAMP)
	$(UNINSTALL_OLD_NAME)
	$(BIN)/python -m pip install --quiet -e ".[reproduce]"
	touch $(REPRODUCE_STAMP)

# dev includes reproduce, so it stamps both. tests/launcher is the spec's own pytest plugin that
# makes `pytest --impl PATH` work from any folder (a local distribution, never in linreg's wheel).
$(DEV_STAMP): pyproject.toml scripts/linreg.py tests/launcher/pyproject.toml $(BASE_STAMP)
	$(UNINSTALL_OLD_NAME)
	$(BIN)/python -m pip install --quiet -e ".[dev]" -e tests/launcher
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

## The package as a user gets it: build the wheel and the sdist and check them, install the wheel
## with the reproduce extra into a fresh environment, and run the command there, outside the checkout.
DIST ?= out/dist
package: setup
	rm -rf $(DIST)
	$(BIN)/python -m build --outdir $(DIST) .
	$(BIN)/twine check --strict $(DIST)/*.whl $(DIST)/*.tar.gz
	# A bare environment, filled by .venv's pip (--python): ensurepip would add ten seconds.
	$(PYTHON) -m venv --without-pip $(DIST)/venv
	$(BIN)/python -m pip --python $(DIST)/venv/bin/python install --quiet "$$(ls $(DIST)/*.whl)[reproduce]"
	cd $(DIST) && venv/bin/python -c "import linreg, sys; assert linreg.__file__.startswith(sys.prefix), linreg.__file__"
	cd $(DIST) && venv/bin/linreg --version
	cd $(DIST) && venv/bin/linreg reproduce --epochs 1000 --out run
	test -s $(DIST)/run/loss_curve.png

## The implementation the spec judges: linreg unless IMPL=<module or path/to/file.py> is given.
IMPL ?= linreg

## The spec read as prose: the article's claims in article order, each feature and rule once, every
## scenario with each step's status; nothing else (the other tests keep their place in `make test`).
spec: setup
	$(BIN)/python -m pytest tests --scenarios-only --gherkin-terminal-reporter -v --impl=$(IMPL)

## The reviewer's report of one spec run: out/report.html, and the run's Cucumber JSON beside it.
# The page shows the article's claims and linreg's contract: the run selects those (every test tagged
# with a section of the article, or @contract), not linreg's own unit tests.
SPEC_MARKERS := section-1 or section-2 or section-3 or section-4 or section-5 or section-6 or contract
report: setup
	$(BIN)/python -m pytest tests -q --impl=$(IMPL) -m "$(SPEC_MARKERS)" --report-html=out/report.html

## Speed and memory targets (tests/benchmarks/, collected only here), each printing the machine it ran on.
benchmark: setup
	$(BIN)/python -m pytest tests/benchmarks --benchmark-enable -s

## Every wrong implementation judged on every claim; fails if a scenario is failed by none of them.
mutants: setup
	PYTHONPATH=tests $(BIN)/python -m tooling.mutants

## Judging power by a mutation-testing engine (cosmic-ray) over a right implementation, the spec as its
## test: prints the score and every surviving mutant (docs/mutation.md). Outside CI: 30 to 40 minutes
## on 2 shared cores (one mutant at a time, niced).
MUTATE ?= tests/implementations/reader.py
MUTATION_STAMP := $(VENV)/.mutation-stamp
$(MUTATION_STAMP): pyproject.toml $(DEV_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,mutation]"
	touch $(MUTATION_STAMP)
mutation: $(MUTATION_STAMP)
	env -u PYTHONDONTWRITEBYTECODE PYTHONPATH=tests nice $(BIN)/python -m tooling.mutation $(MUTATE)

## Every right implementation (tests/implementations/right_*.py) judged on every claim; fails unless each
## passes all (right_flat.py: all but the claims about shapes). Minutes: a loop over the samples is slow.
styles: setup
	PYTHONPATH=tests $(BIN)/python -m tooling.styles

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
