"""Properties of gradient descent around the stable learning rate (article, section 2; claim 2.4)."""

from __future__ import annotations

import numpy as np
import pytest
from checks import loss_history, start_of, that
from hypothesis import given
from hypothesis import strategies as st
from strategies import Problem, problems, top_direction_problems
from tooling.binding import titled
from tooling.implementation import Implementation
from tooling.rounding import descent_loss_rounding

import linreg

pytestmark = [getattr(pytest.mark, "claim-2.4"), getattr(pytest.mark, "section-2"), pytest.mark.conditional]

EPOCHS = 60


def _losses(
    impl: Implementation, problem: Problem, rate: float, start: np.ndarray | None = None
) -> np.ndarray:
    return loss_history(impl.train(problem.X, problem.y, rate, EPOCHS, start=start))


@titled("claim-2.4: Below the stable learning rate the loss never rises, on any data")
@given(problems(), st.floats(0.01, 0.99))
def _(impl: Implementation, problem: Problem, fraction: float) -> None:
    rate = fraction * linreg.stable_learning_rate(problem.X)
    training = impl.train(problem.X, problem.y, rate, EPOCHS)
    losses = loss_history(training)
    # In exact arithmetic every step lowers the loss or leaves it at the optimum. Computed, two
    # consecutive losses may each be off by their rounding, bounded anywhere on the path from
    # where this run started (tooling.rounding.descent_loss_rounding); a learning rate above the
    # bound, or a loop that does not descend, rises by far more (1 % of the loss and up).
    start = start_of(training, impl, problem.d)
    slack = 2 * descent_loss_rounding(problem.X, problem.y, start)
    rise = float(np.diff(losses).max())
    that(
        rise <= slack,
        expected=f"no epoch's loss above the one before (by more than {slack:.2g})",
        measured=f"a rise of {rise:.3g}",
    )


@titled("claim-2.4: Above the stable learning rate the loss grows without limit, on any data")
@given(top_direction_problems(), st.floats(1.1, 1.5))
def _(impl: Implementation, problem: Problem, factor: float) -> None:
    # All of the error of the zero start lies along the top eigenvector v (see
    # top_direction_problems), and training is started there whatever its own start: there each
    # step multiplies it by |1 - factor * 2| >= 1.2, so the loss grows by >= 1.44 every epoch
    # (60 epochs: a factor >= 3e9, far from overflow for these bounded values).
    rate = factor * linreg.stable_learning_rate(problem.X)
    losses = _losses(impl, problem, rate, start=np.zeros(problem.d + 1))
    # Each epoch should grow by 1.44 or more; rounding in v and lambda_max only perturbs that
    # at the 1e-10 level, so demanding 1.4 per epoch leaves a wide margin yet rules out any
    # shrinking or stalling.
    growth = float((losses[1:] / losses[:-1]).min())
    that(
        growth >= 1.4,
        expected="a loss growing by 1.4 or more every epoch",
        measured=f"a growth of {growth:.4g}",
    )
    that(losses[-1] > 1e8 * losses[0], expected=f"above {1e8 * losses[0]:.3g}", measured=f"{losses[-1]:.3g}")
