"""Bind a feature file to a step module, with test ids a reader recognises.

pytest-bdd's ``scenarios()`` names each test after its scenario with everything but
letters, digits and underscores dropped, so "Residuals of 1, -2 and 2 cost 1.5" becomes
``test_residuals_of_1_2_and_2_cost_15``. :func:`bind` binds the same scenarios (through
pytest-bdd's public ``scenario`` decorator) under their own words, ``Scenario: Residuals
of 1, -2 and 2 cost 1.5``, and labels each example of an outline with its row as the
Examples table shows it (``[10,000,000 | 0.01 | 12.11]``). pytest collects them because
``python_functions`` in pyproject.toml lists ``Scenario`` beside ``test``; a test id can
be copied back to the command line in quotes.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from pytest_bdd import scenario
from pytest_bdd.feature import get_feature
from pytest_bdd.scenario import get_features_base_dir

EXAMPLE_ARGUMENT = "_pytest_bdd_example"


def _nothing() -> None:
    """The body of every bound scenario: the steps are the test."""


def bind(feature_name: str, namespace: dict[str, Any]) -> None:
    """Bind every scenario of ``feature_name`` into ``namespace`` (a step module's ``globals()``).

    Parameters
    ----------
    feature_name : str
        The feature file, relative to ``bdd_features_base_dir``.
    namespace : dict
        Where pytest will find the tests: ``Scenario: <name>`` or ``Scenario Outline: <name>``.
    """
    base_dir = get_features_base_dir(namespace.get("__file__", os.getcwd()))
    feature = get_feature(base_dir, feature_name)
    for name, template in feature.scenarios.items():
        test = scenario(feature_name, name, features_base_dir=base_dir)(_nothing)
        _label_examples(test)
        namespace[f"{template.keyword}: {name}"] = test


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
