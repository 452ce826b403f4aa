"""Properties of the loss and its gradients (article, sections 1 and 2; claims 1.2 and 2.3)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from strategies import Problem, gradient_in_theta, loss_in_theta, problems, quadratic_gradcheck_tolerance

import linreg


@given(problems())
def test_analytic_gradient_matches_central_differences(problem: Problem) -> None:
    # quadratic_gradcheck_tolerance: rtol 1e-6 because the loss is quadratic (central differences
    # are exact up to rounding), atol ten times the rounding bound of a difference quotient.
    result = linreg.gradcheck(
        loss_in_theta(problem),
        gradient_in_theta(problem),
        problem.theta,
        **quadratic_gradcheck_tolerance(problem),
    )
    assert result.passed, result.describe()


@given(problems())
def test_loss_is_never_negative(problem: Problem) -> None:
    assert linreg.linear_loss(problem.X, problem.y, problem.w, problem.b)[1] >= 0.0


@given(problems())
def test_loss_is_zero_at_a_perfect_fit(problem: Problem) -> None:
    # Targets taken from the model itself; the loss recomputes the same product, so exactly 0.
    y = problem.X @ problem.w + problem.b
    _, loss, dw, db = linreg.linear_loss(problem.X, y, problem.w, problem.b)
    assert loss == 0.0
    assert not np.any(dw)
    assert db == 0.0


@given(problems())
def test_loss_is_half_the_mean_squared_error_of_the_prediction(problem: Problem) -> None:
    y_hat, loss, _, _ = linreg.linear_loss(problem.X, problem.y, problem.w, problem.b)
    # The same sum of squares divided by 2n or n: equal up to the rounding of one division.
    np.testing.assert_allclose(loss, linreg.mean_squared_error(problem.y, y_hat) / 2, rtol=1e-14)
