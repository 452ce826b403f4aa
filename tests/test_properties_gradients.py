"""Properties of the loss on any data (article, section 1; claim 1.2).

Section 1's scenarios check these on one seeded data set each; here they hold on any bounded
data. The loss's sign and its gradients on any data are scenarios themselves ("the loss is never
negative ..." in section 1, "Chain-rule gradients on any data" in section 2) and live there.
"""

from __future__ import annotations

import numpy as np
import pytest
from checks import EPS, flat, loss_rounding, sizes, that
from hypothesis import given
from strategies import Problem, problems
from tooling.binding import titled
from tooling.implementation import Implementation, theta_of

pytestmark = [getattr(pytest.mark, "claim-1.2"), getattr(pytest.mark, "section-1"), pytest.mark.holds]


@titled("claim-1.2: At a perfect fit the loss and both gradients are zero, on any data")
@given(problems())
def _(impl: Implementation, problem: Problem) -> None:
    # Targets taken from the model itself, y = X w + b as numpy computes it. The implementation may
    # sum in another order, so its residuals need not be exactly zero: each of y_i and its own
    # prediction is within gamma_{d+1} S_i of the exact X w + b (checks.sizes), so a right residual
    # is at most (d + 2) eps S_i / 2 and a right loss at most sum_i ((d + 2) eps S_i)^2 / 2n, which
    # we double for the rounding of the sum itself. Two-sided: a loss below zero is no rounding,
    # and a loss with any other term (a penalty, a missing bias) is far above this bound.
    y = problem.X @ problem.w + problem.b
    evaluation = impl.linear_loss(problem.X, y, problem.w, problem.b)
    S, _ = sizes(problem.X, y, problem.theta)
    residual = (problem.d + 2) * EPS * S
    bound = float(np.sum(residual**2)) / problem.n
    loss = float(evaluation.loss)
    that(0.0 <= loss <= bound, expected=f"a loss between 0 and {bound:.3g}", measured=f"{loss!r}")
    # Each gradient sums the residuals weighted by the features (by 1 for b): at most that sum of
    # the residuals' bounds over n, doubled likewise.
    allowed = 2 * np.append(np.abs(problem.X).T @ residual, residual.sum()) / problem.n
    gradient = theta_of(evaluation.dw, evaluation.db)
    worst = int(np.argmax(np.abs(gradient) - allowed))
    that(
        bool(np.all(np.abs(gradient) <= allowed)),
        expected=f"gradients within the residuals' rounding ({allowed[worst]:.3g} at coordinate {worst + 1})",
        measured=f"{gradient[worst]!r}",
    )


@titled("claim-1.2: The loss is half the mean squared error of the prediction, on any data")
@given(problems())
def _(impl: Implementation, problem: Problem) -> None:
    evaluation = impl.linear_loss(problem.X, problem.y, problem.w, problem.b)
    # Half the mean squared error of the implementation's own prediction (numpy, the oracle): the
    # two differ only by the rounding of the loss (checks.loss_rounding) and of numpy's own sum.
    half_mse = float(np.mean((flat(evaluation.y_hat) - flat(problem.y)) ** 2)) / 2
    loss = float(evaluation.loss)
    allowed = loss_rounding(problem.X, problem.y, problem.theta) + problem.n * EPS * half_mse
    that(abs(loss - half_mse) <= allowed, expected=f"{half_mse:.15g}", measured=f"{loss:.15g}")
