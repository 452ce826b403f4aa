"""Properties of the loss on any data (article, section 1; claim 1.2).

Section 1's scenarios check these on one seeded data set each; here they hold on any bounded
data. The loss's sign and its gradients on any data are scenarios themselves ("the loss is never
negative ..." in section 1, "Chain-rule gradients on any data" in section 2) and live there.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from strategies import Problem, problems

import linreg


@given(problems())
def test_loss_and_gradients_are_zero_at_a_perfect_fit(problem: Problem) -> None:
    # Targets taken from the model itself; the loss recomputes the same product, so exactly 0.
    # The scenario uses small integers (exact arithmetic); here any floats, gradients too.
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
