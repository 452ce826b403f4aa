"""Step definitions shared by several feature files (sections 1 and 2, and the contract).

The diabetes-data features (sections 3 to 6) share theirs through tests/diabetes_steps.py.

Session fixtures (the diabetes split, the 200,000-epoch run) and the Hypothesis
profiles live in the top-level conftest.py so the executed docs share them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from hypothesis import strategies as st
from pytest_bdd import given, parsers, when
from strategies import Problem, noisy_linear, problems

import linreg

# ---------------------------------------------------------------- shared steps (sections 1 and 2)
# Module-local steps of the same wording override these.


class Evaluation(NamedTuple):
    """What ``linreg.linear_loss`` returns, by name."""

    y_hat: np.ndarray
    loss: float
    dw: np.ndarray
    db: float


@given(
    parsers.parse("a noisy linear data set of {n:d} samples and {d:d} features"),
    target_fixture="data",
)
def _noisy_linear_data(n: int, d: int) -> Problem:
    return noisy_linear(n, d)


@when("the model is evaluated at some weights and bias", target_fixture="evaluated")
def _evaluated(data: Problem) -> Evaluation:
    return Evaluation(*linreg.linear_loss(data.X, data.y, data.w, data.b))


@given(
    parsers.parse("any data set, weights and bias with values between -{low:g} and {high:g}"),
    target_fixture="any_problem",
)
def _any_problem(low: float, high: float) -> st.SearchStrategy[Problem]:
    """A Hypothesis strategy; Then steps check a property over it with ``hypothesis.given``."""
    assert low == high, "the strategy is symmetric about zero"
    return problems(bound=high)
