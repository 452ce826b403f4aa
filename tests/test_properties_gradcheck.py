"""linreg.gradcheck accepts right gradients and rejects wrong ones (the oracle behind claim 2.3)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from strategies import (
    Problem,
    finite,
    gradient_in_theta,
    loss_in_theta,
    problems,
    quadratic_gradcheck_tolerance,
)

import linreg


def _visible(problem: Problem, coordinates: np.ndarray) -> bool:
    """Whether a 0.1 % error in the largest of these coordinates must exceed the tolerance.

    A wrong factor only shows where the gradient is not ~0 compared with the rounding allowance
    ``atol`` of quadratic_gradcheck_tolerance; we ask for the error to be twice that allowance.
    """
    tol = quadratic_gradcheck_tolerance(problem)
    largest = float(np.abs(coordinates).max())
    return 1e-3 * largest >= 2 * (tol["atol"] + tol["rtol"] * largest)


def _check(problem: Problem, f, grad) -> bool:
    result = linreg.gradcheck(
        f, grad, problem.theta, raise_exception=False, **quadratic_gradcheck_tolerance(problem)
    )
    return result.passed


@given(problems())
def test_accepts_the_articles_gradient(problem: Problem) -> None:
    assert _check(problem, loss_in_theta(problem), gradient_in_theta(problem))


@given(problems())
def test_rejects_a_weight_gradient_off_by_a_thousandth(problem: Problem) -> None:
    grad = gradient_in_theta(problem)
    assume(_visible(problem, grad(problem.theta)[:-1]))

    def off(theta: np.ndarray) -> np.ndarray:
        g = grad(theta)
        g[:-1] *= 1.001
        return g

    assert not _check(problem, loss_in_theta(problem), off)


@given(problems(min_samples=2))
def test_rejects_a_bias_gradient_missing_its_one_over_n(problem: Problem) -> None:
    # With n = 1 the 1/n is 1 and nothing is missing, hence at least two samples.
    grad = gradient_in_theta(problem)
    assume(_visible(problem, grad(problem.theta)[-1:]))

    def summed(theta: np.ndarray) -> np.ndarray:
        g = grad(theta)
        g[-1] *= problem.n
        return g

    assert not _check(problem, loss_in_theta(problem), summed)


@given(problems())
def test_rejects_the_gradient_of_a_loss_missing_its_half(problem: Problem) -> None:
    assume(_visible(problem, gradient_in_theta(problem)(problem.theta)))
    loss = loss_in_theta(problem)
    assert not _check(problem, lambda theta: 2 * loss(theta), gradient_in_theta(problem))


# ---------------------------------------------------------------- user-style functions
# Not quadratic, so central differences carry truncation error; gradcheck extrapolates it away and
# allows for what it estimates is left (fd_error), so we use its defaults as a user would.
def _logistic(X: np.ndarray, labels: np.ndarray):
    def f(w: np.ndarray) -> float:
        return float(np.mean(np.logaddexp(0.0, -labels * (X @ w))))

    def grad(w: np.ndarray) -> np.ndarray:
        # d/dz log(1 + e^-z) = -1 / (1 + e^z)
        return X.T @ (-labels / (1.0 + np.exp(labels * (X @ w)))) / len(labels)

    return f, grad


logistic_problems = st.integers(1, 10).flatmap(
    lambda n: st.integers(1, 4).flatmap(
        lambda d: st.tuples(
            arrays(np.float64, (n, d), elements=finite(3.0)),
            arrays(np.float64, n, elements=st.sampled_from([-1.0, 1.0])),
            arrays(np.float64, d, elements=finite(3.0)),
        )
    )
)


@given(logistic_problems)
def test_accepts_a_logistic_loss_gradient(case) -> None:
    X, labels, w = case
    f, grad = _logistic(X, labels)
    assert linreg.gradcheck(f, grad, w, raise_exception=False).passed


@given(logistic_problems)
def test_rejects_a_logistic_gradient_missing_its_one_over_n(case) -> None:
    X, labels, w = case
    assume(len(labels) >= 2)
    f, grad = _logistic(X, labels)
    # A factor n >= 2 is 50 % off wherever the gradient is not rounding noise: 1e-3 keeps clear of
    # that (the loss is at most about 40 here, rounded to 1e-14, over steps of at least 7e-4).
    assume(np.abs(grad(w)).max() >= 1e-3)
    assert not linreg.gradcheck(f, lambda v: grad(v) * len(labels), w, raise_exception=False).passed


quartic_points = arrays(np.float64, st.integers(1, 6), elements=finite(5.0))


@given(quartic_points)
def test_accepts_a_quartic_gradient(x: np.ndarray) -> None:
    assert linreg.gradcheck(lambda v: float(np.sum(v**4)), lambda v: 4 * v**3, x).passed


@given(quartic_points)
def test_rejects_a_quartic_gradient_with_the_power_rule_slipped(x: np.ndarray) -> None:
    # 3 v^3 instead of 4 v^3 is 25 % off; visible once some |4 v^3| >= 1e-3 stands clear of rounding.
    assume(np.abs(4 * x**3).max() >= 1e-3)
    assert not linreg.gradcheck(
        lambda v: float(np.sum(v**4)), lambda v: 3 * v**3, x, raise_exception=False
    ).passed


# ---------------------------------------------------------------- an f that returns no finite number
# numerical_gradient and gradcheck refuse it in one line naming f and the point, rather than return
# NaN or zeros (issue 15's adversarial family, kept as properties).
NOT_NUMBERS = [None, "1.0", b"1", {"loss": 1.0}, 1j, True]
NOT_FINITE = [float("nan"), float("inf"), float("-inf"), np.float32("nan")]


def _spoiled(value: object, at_call: int):
    """sum(x**2), except that call number ``at_call`` (from 0) returns ``value``."""
    calls = []

    def f(x):
        calls.append(None)
        return value if len(calls) - 1 == at_call else float(np.sum(np.asarray(x) ** 2))

    return f


@given(
    arrays(np.float64, st.integers(1, 4), elements=finite(5.0)),
    st.sampled_from(NOT_NUMBERS + NOT_FINITE),
    st.data(),
)
def test_numerical_gradient_refuses_an_f_that_returns_no_finite_number(x, value, data) -> None:
    at_call = data.draw(st.integers(0, 2 * x.size - 1), label="at_call")
    with pytest.raises((TypeError, ValueError)) as raised:
        linreg.numerical_gradient(_spoiled(value, at_call), x)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("f ")
    # Calls go x[0] + h, x[0] - h, x[1] + h, ...: the message names the coordinate and the side.
    assert f"x with x[{at_call // 2}] {'+-'[at_call % 2]} " in message
    expected = ValueError if value in NOT_FINITE or isinstance(value, float) else TypeError
    assert isinstance(raised.value, expected)


@given(
    arrays(np.float64, st.integers(1, 3), elements=finite(5.0)),
    st.sampled_from(NOT_NUMBERS[:4]),
    st.integers(0, 40),
)
def test_gradcheck_refuses_an_f_that_returns_something_not_a_number(x, value, at_call) -> None:
    f = _spoiled(value, at_call)
    try:
        result = linreg.gradcheck(f, lambda v: 2 * v, x, raise_exception=False)
    except TypeError as error:
        message = str(error)
        assert "\n" not in message
        assert message.startswith("f must return a number or an array of numbers, got ")
        assert message.split(" at ")[-1]  # the point is named
    else:
        # The spoiled call came after the check had what it needed.
        assert at_call >= result.evaluations
        assert np.all(np.isfinite(result.flat["numeric"]))


@given(
    arrays(np.float64, st.integers(1, 3), elements=finite(5.0)),
    st.sampled_from(NOT_FINITE),
    st.integers(0, 40),
)
def test_gradcheck_never_returns_a_nan_for_an_f_that_returns_one(x, value, at_call) -> None:
    # At x itself it is refused; at one step, the check takes smaller steps (a domain edge) or
    # refuses in one line: it never hands back a NaN numeric gradient.
    try:
        result = linreg.gradcheck(_spoiled(value, at_call), lambda v: 2 * v, x, raise_exception=False)
    except ValueError as error:
        assert "\n" not in str(error)
        assert str(error).startswith(("f(x) is not finite", "f is not finite"))
    else:
        assert np.all(np.isfinite(result.flat["numeric"]))
        assert result.passed
