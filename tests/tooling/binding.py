"""Bind a feature file to a step module, with test ids that start with the claim they test.

pytest-bdd's ``scenarios()`` names each test after its scenario with everything but
letters, digits and underscores dropped, so "Residuals of 1, -2 and 2 cost 1.5" becomes
``test_residuals_of_1_2_and_2_cost_15``, and pytest's summary line (``FAILED <test id> -
<message>``), cut to the terminal's width, loses the message first. :func:`bind` binds the
same scenarios (through pytest-bdd's public ``scenario`` decorator) under their claim and
their own words, ``claim-1.2: Residuals of 1, -2 and 2 cost 1.5``, so that every FAILED line
names its claim at any width; a scenario of no claim is ``contract: <its words>``. Each
example of an outline is labelled with its row as the Examples table shows it
(``[10,000,000 | 0.01 | 12.11]``). :func:`titled` gives a claim's other tests (Hypothesis
properties) a title of the same form. pytest collects them because ``python_functions`` in
pyproject.toml lists ``claim-`` and ``contract:`` beside ``test``; a test id can be copied
back to the command line in quotes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from pytest_bdd import scenario
from pytest_bdd.feature import get_feature
from pytest_bdd.scenario import get_features_base_dir

EXAMPLE_ARGUMENT = "_pytest_bdd_example"
Test = TypeVar("Test", bound=Callable[..., Any])


def _nothing() -> None:
    """The body of every bound scenario: the steps are the test."""


def bound_name(template: Any) -> str:
    """``claim-2.3: <scenario name>``: the scenario's first claim (from its own, its rule's and its
    feature's tags), else ``contract: <name>``, else ``Scenario: <name>``."""
    tags = set(template.tags) | set(template.feature.tags)
    if template.rule is not None:
        tags |= set(template.rule.tags)
    claims = sorted(t for t in tags if t.startswith("claim-"))
    prefix = claims[0] if claims else "contract" if "contract" in tags else template.keyword
    return f"{prefix}: {template.name}"


def bind(feature_name: str, namespace: dict[str, Any]) -> None:
    """Bind every scenario of ``feature_name`` into ``namespace`` (a step module's ``globals()``).

    Parameters
    ----------
    feature_name : str
        The feature file, relative to ``bdd_features_base_dir``.
    namespace : dict
        Where pytest will find the tests, each under :func:`bound_name`. Each test carries
        its scenario as ``scenario_template`` (pytest-bdd's), which the run's record reads
        (:mod:`tooling.results`).
    """
    base_dir = get_features_base_dir(namespace.get("__file__", os.getcwd()))
    feature = get_feature(base_dir, feature_name)
    for name, template in feature.scenarios.items():
        test = scenario(feature_name, name, features_base_dir=base_dir)(_nothing)
        _label_examples(test)
        test.scenario_template = template  # type: ignore[attr-defined]
        namespace[bound_name(template)] = test


def titled(title: str) -> Callable[[Test], Test]:
    """Collect the decorated test under ``title`` instead of its function's name.

    For a claim's tests that are not scenarios (Hypothesis properties): the title starts
    with the claim, ``claim-4.2: R^2 is never above 1, whatever the targets and predictions``.
    Name the function ``_`` so that pytest does not collect it a second time::

        @titled("claim-4.2: R^2 is never above 1, whatever the targets and predictions")
        @given(...)
        def _(impl, y_test, data): ...
    """
    namespace = sys._getframe(1).f_globals  # the test module, where the decorator is applied

    def register(test: Test) -> Test:
        namespace[title] = test
        return test

    return register


def _label_examples(test: Any) -> None:
    # pytest-bdd joins an example's values with "-", which makes "-1" and "1" alike.
    marks = getattr(test, "pytestmark", [])
    for i, mark in enumerate(marks):
        if mark.name == "parametrize" and mark.args and mark.args[0] == EXAMPLE_ARGUMENT:
            labelled = [
                pytest.param(*param.values, id=" | ".join(param.values[0].values()), marks=param.marks)
                for param in mark.args[1]
            ]
            marks[i] = pytest.mark.parametrize(EXAMPLE_ARGUMENT, labelled).mark
