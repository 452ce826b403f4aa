"""Steps for features/section1_model_and_loss.feature (article, section 1)."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from diabetes_steps import parse
from hypothesis import given as for_all
from pytest_bdd import given, parsers, scenarios, then, when
from strategies import Problem, loss_in_theta, quadratic_gradcheck_tolerance, split_theta

import linreg

scenarios("section1_model_and_loss.feature")


def loss_without_half(problem: Problem):
    """The article's loss without its 1/2 as a function of theta: linreg's mean squared error."""
    return lambda theta: linreg.mean_squared_error(
        problem.y, linreg.predict(problem.X, dict(zip("wb", split_theta(theta), strict=True)))
    )


def descend_without_half(
    problem: Problem, learning_rate: float, epochs: int
) -> tuple[list[float], np.ndarray]:
    # The article's update rule on the loss without the 1/2, its gradient taken by central
    # differences so that nothing here leans on claim 1.3 or on linear_loss.
    f = loss_without_half(problem)
    theta, history = np.zeros(problem.d + 1), []
    for _ in range(epochs):
        history.append(f(theta))
        theta = theta - learning_rate * linreg.numerical_gradient(f, theta)
    return history, theta


class Descents(NamedTuple):
    ours: tuple[list[float], dict]
    ours_doubled: tuple[list[float], dict]
    without_half: tuple[list[float], np.ndarray]


# ---------------------------------------------------------------- Given
@given(
    parsers.parse("three predictions that miss their targets by {r1:d}, {r2:d} and {r3:d}"),
    target_fixture="data",
)
def _(r1: int, r2: int, r3: int) -> Problem:
    # X w + b with w = 2, b = 1 predicts 3, 5, 7 (by hand); each target sits one residual below.
    X = np.array([[1.0], [2.0], [3.0]])
    return Problem(X=X, y=np.array([[3.0 - r1], [5.0 - r2], [7.0 - r3]]), w=np.array([[2.0]]), b=1.0)


@given(
    parsers.parse("targets that a model of {n:d} samples and {d:d} features predicts exactly"),
    target_fixture="data",
)
def _(n: int, d: int) -> Problem:
    # Small integers: every product and sum is exact in float64, so "exactly zero" is honest.
    rng = np.random.default_rng([n, d])
    X, w, b = rng.integers(-9, 10, (n, d)).astype(float), rng.integers(-9, 10, (d, 1)).astype(float), 3.0
    return Problem(X=X, y=X @ w + b, w=w, b=b)


# ---------------------------------------------------------------- When
@when("the least-squares parameters are found", target_fixture="optimum")
def _(data: Problem) -> Problem:
    params = linreg.least_squares(data.X, data.y)
    return Problem(X=data.X, y=data.y, w=params["w"], b=params["b"])


@when(
    parse("both losses are descended for {epochs:d} epochs at {fraction:Fraction} our stable learning rate"),
    target_fixture="descents",
)
def _(data: Problem, epochs: int, fraction: float) -> Descents:
    alpha = fraction * linreg.stable_learning_rate(data.X)
    return Descents(
        ours=linreg.linear_train(data.X, data.y, alpha, epochs)[:2],
        ours_doubled=linreg.linear_train(data.X, data.y, 2 * alpha, epochs)[:2],
        without_half=descend_without_half(data, alpha, epochs),
    )


# ---------------------------------------------------------------- Then: claim 1.1
@then(parsers.parse("the prediction is a column of {n:d} values"))
def _(evaluated, n: int):
    assert evaluated.y_hat.shape == (n, 1)


@then("each value is its sample's features weighted by w, plus b, to twelve digits")
def _(evaluated, data: Problem):
    # An independent sum per sample (math.fsum is correctly rounded); the BLAS product differs
    # from it by at most about d rounding errors of the largest term, far inside 1e-12.
    by_hand = [
        math.fsum([*(x * w for x, w in zip(row, data.w[:, 0], strict=True)), data.b]) for row in data.X
    ]
    scale = np.abs(data.X) @ np.abs(data.w) + abs(data.b)
    np.testing.assert_allclose(evaluated.y_hat[:, 0], by_hand, rtol=0, atol=1e-12 * scale.max())


# ---------------------------------------------------------------- Then: claim 1.2
@then(parsers.parse("the loss is exactly {expected:g}"))
def _(evaluated, expected: float):
    assert evaluated.loss == expected


@then("the loss is exactly zero")
def _(evaluated):
    assert evaluated.loss == 0.0


@then("the loss is half the mean squared error of the prediction, to fourteen digits")
def _(evaluated, data: Problem):
    # The same sum of squares, divided by n or 2n: they differ only by rounding of the division.
    assert math.isclose(evaluated.loss, linreg.mean_squared_error(data.y, evaluated.y_hat) / 2, rel_tol=1e-14)


@then("the loss is at least zero")
def _(any_problem):
    @for_all(any_problem)
    def check(p: Problem) -> None:
        assert linreg.linear_loss(p.X, p.y, p.w, p.b)[1] >= 0.0

    check()


@then("the loss is zero exactly when every residual is zero")
def _(any_problem):
    @for_all(any_problem)
    def check(p: Problem) -> None:
        y_hat, loss, _, _ = linreg.linear_loss(p.X, p.y, p.w, p.b)
        # Magnitudes 0 or within [1e-6, 10] (strategies.finite): a non-zero residual is at
        # least ~1e-28, whose square (~1e-56) does not underflow, so it means a positive loss.
        assert (loss == 0.0) == bool(np.all(y_hat == p.y))

    check()


# ---------------------------------------------------------------- Then: claims 1.3 and 1.4
@then("the gradient of the loss without the one half is twice dw and db, to six significant digits")
def _(evaluated, data: Problem):
    # Central differences of the loss without the 1/2, so nothing leans on claim 1.3 or on
    # linear_loss's gradient. That loss is a quadratic too, so the central difference is exact
    # up to rounding; quadratic_gradcheck_tolerance bounds that rounding (for twice the loss, twice it).
    numeric = linreg.numerical_gradient(loss_without_half(data), data.theta)
    ours = linreg.flatten_params({"w": evaluated.dw, "b": evaluated.db})
    tol = quadratic_gradcheck_tolerance(data)
    np.testing.assert_allclose(numeric, 2 * ours, rtol=tol["rtol"], atol=2 * tol["atol"])


@then("moving any parameter away from them raises the loss with and without the one half")
def _(optimum: Problem):
    ours, without = loss_in_theta(optimum), loss_without_half(optimum)
    theta = optimum.theta
    for i in range(theta.size):
        for step in (-1e-3, 1e-3):
            moved = theta.copy()
            moved[i] += step
            assert ours(moved) > ours(theta)
            assert without(moved) > without(theta)


@then(parsers.parse("the parameters without the one half match ours at half the stable rate, to six digits"))
def _(descents: Descents):
    _, params = descents.ours_doubled
    # Finite-difference gradients of a quadratic are exact to ~1e-9 here; a few contracting steps
    # do not amplify that, so six digits leave three to spare.
    np.testing.assert_allclose(descents.without_half[1], linreg.flatten_params(params), rtol=1e-6)


@then(parsers.parse("they differ from ours at a quarter of the stable rate"))
def _(descents: Descents):
    _, params = descents.ours
    ours = linreg.flatten_params(params)
    # After a few epochs the two paths are visibly apart, far beyond the 1e-6 agreement above.
    assert np.abs(descents.without_half[1] - ours).max() > 1e-3 * np.abs(ours).max()


@then("our loss ends below where it started")
def _(descents: Descents):
    history, _ = descents.ours
    assert history[-1] < history[0]


@then("the loss without the one half ends more than a million times higher than it started")
def _(descents: Descents):
    history, _ = descents.without_half
    assert history[-1] > 1e6 * history[0]
