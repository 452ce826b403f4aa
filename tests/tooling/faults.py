"""A pytest plugin for the suite's tests of its own reporting: failures the judge itself makes.

``pytest -p tooling.faults --fault-follows=claim-4.1=claim-2.5`` fails every test of claim
4.1, before it runs, with ``FollowsFrom("claim-2.5", ...)``: as the judge does when it found,
before judging, that a more basic claim is broken (tooling/failures.py). The run must name
claim 2.5 among its root causes, although no test of it ran.

``pytest -p tooling.faults --fault-after=claim-2.1`` makes every test of that claim leave
behind an object whose finaliser raises. Python cannot raise that exception anywhere, so it
hands it to ``sys.unraisablehook``; pytest collects it at the end of the test's teardown and,
warnings being errors in this project, fails the teardown with a
``PytestUnraisableExceptionWarning``: what an implementation that leaks a resource per call
did to the spec (issue 15). pytest then counts an error while every step passed; the report,
the Cucumber JSON and the root causes must count it too (tests/test_report.py).
"""

from __future__ import annotations

import pytest

from tooling.failures import FollowsFrom


class _Leak:
    """An object whose finaliser raises, as a leaked resource's might."""

    def __del__(self) -> None:
        raise RuntimeError("a finaliser raised after the test's last step (tooling.faults)")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fault-after",
        default=None,
        metavar="CLAIM",
        help="fail the teardown of every test of CLAIM with an unraisable exception (tooling.faults)",
    )
    parser.addoption(
        "--fault-follows",
        default=None,
        metavar="CLAIM=ROOT",
        help="fail every test of CLAIM, before it runs, as following from ROOT (tooling.faults)",
    )


def pytest_runtest_call(item: pytest.Item) -> None:
    claim, _, root = (item.config.getoption("fault_follows") or "").partition("=")
    if claim and item.get_closest_marker(claim) is not None:
        raise FollowsFrom(root, "made up by tooling.faults")


def pytest_runtest_teardown(item: pytest.Item) -> None:
    claim = item.config.getoption("fault_after")
    if claim and item.get_closest_marker(claim) is not None:
        _Leak()  # dropped at once: its finaliser's exception goes to sys.unraisablehook
