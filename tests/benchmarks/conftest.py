"""Benchmarks are collected only when asked for (``make benchmark``, ``--benchmark-enable``).

Collected without it, pytest-benchmark would run each benchmarked call once as a
plain test: here a second 200,000-epoch run the suite does not need.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path.name.startswith("test_") and not config.getoption("benchmark_enable"):
        return True
    return None
