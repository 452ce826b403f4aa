"""Properties of the loss on any data (article, section 1; claim 1.2).

Section 1's scenarios check these on one seeded data set each; here they hold on any bounded
data. The loss's sign and its gradients on any data are scenarios themselves ("the loss is never
negative ..." in section 1, "Chain-rule gradients on any data" in section 2) and live there.
"""

from __future__ import annotations

import numpy as np
import pytest
from checks import equals, that
from hypothesis import given
from strategies import Problem, problems
from tooling.binding import titled
from tooling.implementation import Implementation, theta_of

pytestmark = [getattr(pytest.mark, "claim-1.2"), getattr(pytest.mark, "section-1"), pytest.mark.holds]


@titled("claim-1.2: At a perfect fit the loss and both gradients are zero, on any data")
@given(problems())
def _(impl: Implementation, problem: Problem) -> None:
    # Targets taken from the model itself; the loss recomputes the same product, so exactly 0.
    # The scenario uses small integers (exact arithmetic); here any floats, gradients too.
    y = problem.X @ problem.w + problem.b
    evaluation = impl.linear_loss(problem.X, y, problem.w, problem.b)
    equals(float(evaluation.loss), 0.0, "loss")
    gradient = theta_of(evaluation.dw, evaluation.db)
    that(not np.any(gradient), expected="zero gradients", measured=f"{np.count_nonzero(gradient)} non-zero")


@titled("claim-1.2: The loss is half the mean squared error of the prediction, on any data")
@given(problems())
def _(impl: Implementation, problem: Problem) -> None:
    evaluation = impl.linear_loss(problem.X, problem.y, problem.w, problem.b)
    # The same sum of squares divided by 2n or by n and halved (numpy, the oracle): equal up to
    # the rounding of one division and of the summation order.
    half_mse = float(np.mean((problem.X @ problem.w + problem.b - problem.y) ** 2)) / 2
    loss = float(evaluation.loss)
    that(abs(loss - half_mse) <= 1e-14 * half_mse, expected=f"{half_mse:.15g}", measured=f"{loss:.15g}")
