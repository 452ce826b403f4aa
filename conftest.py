"""Fixtures and Hypothesis profiles shared by the whole suite: tests/ and docs/.

They live at the top so that the executed docs reuse the one 200,000-epoch run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from linreg import least_squares
from linreg.experiment import ArticleRun, Fit, Split, fit_sklearn, load_diabetes_split, run_article

# "ci": deterministic (derandomised, no example database) so a red CI run is
# reproducible; "dev": fewer examples for a quick loop. CI sets CI=true.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session")
def diabetes_split() -> Split:
    """The article's 80/20 split of the diabetes data (section 3)."""
    return load_diabetes_split()


@pytest.fixture(scope="session")
def diabetes_optimum(diabetes_split: Split) -> Fit:
    """The exact least-squares model of the training rows, scored (cheap: one lstsq)."""
    return Fit.of(diabetes_split, least_squares(diabetes_split.X_train, diabetes_split.y_train))


@pytest.fixture(scope="session")
def sklearn_fit(diabetes_split: Split) -> Fit:
    """scikit-learn's LinearRegression on the training rows, scored (cheap: no training loop)."""
    return fit_sklearn(diabetes_split)


@pytest.fixture(scope="session")
def article_run(diabetes_split: Split) -> ArticleRun:
    """The article's 200,000-epoch run at learning rate 0.01, computed once per session."""
    return run_article(diabetes_split)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Collect tests/benchmarks/ only when benchmarks are enabled (``make benchmark``).

    Collected without ``--benchmark-enable``, pytest-benchmark would run each
    benchmarked call once as a plain test: here a second 200,000-epoch run.
    """
    if collection_path.parent.name == "benchmarks" and not config.getoption("benchmark_enable"):
        return True
    return None


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the subprocesses that selected tests will wait for, so they run beside the suite.

    A test module may define ``start_early()``, which starts its subprocesses and returns at
    once (its fixture calls it too, and it starts them only once). Called here, when the
    suite is collected, they run on a spare core while the other tests run: the suite is
    mostly one busy process, and the subprocesses mostly import libraries.
    """
    if session.config.option.collectonly:
        return
    modules = {item.module for item in session.items if isinstance(item, pytest.Function)}
    for module in sorted(modules, key=lambda m: m.__name__):
        start = getattr(module, "start_early", None)
        if callable(start):
            start()
