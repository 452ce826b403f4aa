"""Step definitions shared by several feature files (sections 1 and 2, and the contract).

The diabetes-data features (sections 3 to 6) share theirs through tests/diabetes_steps.py.
Every step drives the implementation under test, the session fixture ``impl``
(``pytest --impl TARGET``, default linreg; see tests/tooling/implementation.py).

Session fixtures (the diabetes split, the 200,000-epoch run) and the Hypothesis
profiles live in the top-level conftest.py so the executed docs share them.
"""

from __future__ import annotations

from hypothesis import strategies as st
from pytest_bdd import given, parsers, when
from strategies import Problem, noisy_linear, problems
from tooling.implementation import Evaluation, Implementation

# ---------------------------------------------------------------- shared steps (sections 1 and 2)
# Module-local steps of the same wording override these.


@given(
    parsers.parse("a noisy linear data set of {n:d} samples and {d:d} features"),
    target_fixture="data",
)
def _noisy_linear_data(n: int, d: int) -> Problem:
    return noisy_linear(n, d)


@when("the model is evaluated at some weights and bias", target_fixture="evaluated")
def _evaluated(impl: Implementation, data: Problem) -> Evaluation:
    return impl.linear_loss(data.X, data.y, data.w, data.b)


@given(
    parsers.parse("any data set, weights and bias with values between -{low:g} and {high:g}"),
    target_fixture="any_problem",
)
def _any_problem(low: float, high: float) -> st.SearchStrategy[Problem]:
    """A Hypothesis strategy; Then steps check a property over it with ``hypothesis.given``."""
    assert low == high, "the strategy is symmetric about zero"
    return problems(bound=high)
