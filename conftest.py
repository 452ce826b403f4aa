"""What the whole suite shares, tests/ and docs/: the spec's plugin and the Hypothesis profiles.

The plugin, tests/tooling/plugin.py, chooses the implementation under test (``--impl``) and
holds the session fixtures (the diabetes split, the one 200,000-epoch run, the
implementation's update), so the executed docs reuse the same run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

pytest_plugins = ["tooling.plugin"]

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
# The spec's own runs against other implementations (tests/tooling/judge.py): quick and
# reproducible, so their failure lines read the same every time.
settings.register_profile("judged", derandomize=True, database=None, max_examples=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


#: The implementations the spec judges are data for the judge, never imported by the test
#: process (some misbehave on purpose: tests/implementations/hostile/).
collect_ignore_glob = ["tests/implementations/*"]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Collect tests/benchmarks/ only when benchmarks are enabled (``make benchmark``).

    Collected without ``--benchmark-enable``, pytest-benchmark would run each
    benchmarked call once as a plain test: here a second 200,000-epoch run.
    """
    if collection_path.parent.name == "benchmarks" and not config.getoption("benchmark_enable"):
        return True
    return None


def _waits_on_background(module: object) -> bool:
    return bool(getattr(module, "PYTEST_RUNS", None)) or callable(getattr(module, "start_early", None))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that wait on background processes (see below) last, in their order.

    Until then the suite's own process works on everything else while they run.
    """
    items.sort(key=lambda item: _waits_on_background(getattr(item, "module", None)))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the subprocesses that selected tests will wait for, so they run beside the suite.

    A test module may list pytest runs of the suite itself in ``PYTEST_RUNS`` (started
    together, see tests/tooling/runs.py) and may define ``start_early()``, which starts its
    other subprocesses and returns at once (its fixture calls it too, and it starts them only
    once). Started here, when the suite is collected, they run on a spare core while the other
    tests run: the suite is mostly one busy process, and the subprocesses mostly import
    libraries.
    """
    if session.config.option.collectonly:
        return
    from tooling import runs

    modules = sorted({item.module for item in session.items if isinstance(item, pytest.Function)}, key=str)
    runs.start(run for module in modules for run in getattr(module, "PYTEST_RUNS", {}).values())
    for module in modules:
        start = getattr(module, "start_early", None)
        if callable(start):
            start()
