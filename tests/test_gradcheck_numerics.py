"""linreg.gradcheck's numbers: honest error estimates, a pass rule that follows them, any float type.

linreg's own promises about its gradient checker (not claims of the article).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from strategies import Problem, gradient_in_theta, loss_in_theta, problems

import linreg
from linreg import gradcheck

SAFETY = linreg.gradcheck.SAFETY
EPS32 = float(np.finfo(np.float32).eps)


def sines(a: np.ndarray, c: np.ndarray):
    """f(x) = sum c_i sin(a_i x_i) + x_i^2 / 2, in x's float type, with its exact gradient in float64."""

    def f(x):
        return np.sum(c.astype(x.dtype) * np.sin(a.astype(x.dtype) * x) + x * x / 2)

    def grad(x):
        return c.astype(x.dtype) * a.astype(x.dtype) * np.cos(a.astype(x.dtype) * x) + x

    def exact(x):
        x = np.asarray(x, dtype=np.float64)
        return c * a * np.cos(a * x) + x

    return f, grad, exact


sine_problems = st.integers(1, 5).flatmap(
    lambda d: st.tuples(
        arrays(np.float64, d, elements=st.floats(-3, 3)),  # a: curvature up to 3^3 in f'''
        arrays(np.float64, d, elements=st.floats(-5, 5)),
        arrays(np.float64, d, elements=st.floats(-4, 4)),
    )
)


@settings(max_examples=30)
@given(sine_problems)
def test_the_error_estimate_bounds_the_true_error_of_the_numeric_gradient(case) -> None:
    # The pass rule allows SAFETY * fd_error for the finite differences; that must cover their
    # true error, here known exactly (the benchmark corpus measured at most 2.6 fd_error).
    a, c, x = case
    f, grad, exact = sines(a, c)
    result = gradcheck(f, grad, x, raise_exception=False)
    assert np.all(np.abs(result.numeric - exact(x)) <= SAFETY * result.fd_error)


@settings(max_examples=30)
@given(sine_problems)
# Found by Hypothesis: its derivative 2 a cos(a x) + x is 0.0092, a difference of terms near 1.5,
# so a float32 complex step rounds at their size, not at the derivative's.
@example((np.array([2.9375]), np.array([2.0]), np.array([1.51592548])))
def test_a_float32_function_with_its_float32_gradient_passes(case) -> None:
    a, c, x = case
    f, grad, _ = sines(a, c)
    x32 = x.astype(np.float32)
    result = gradcheck(f, grad, x32, raise_exception=False)
    assert result.passed, result.report()
    # The numeric gradient is float32-accurate, as its error estimate says: f computes with a and c
    # rounded to float32, so its exact derivative is that of those constants.
    _, _, exact32 = sines(a.astype(np.float32).astype(float), c.astype(np.float32).astype(float))
    assert np.all(np.abs(result.numeric - exact32(x32)) <= SAFETY * result.fd_error)


def test_float32_gets_float32_steps_and_tolerance():
    f, grad, _ = sines(np.array([2.0, -1.0]), np.array([1.0, 3.0]))
    x = np.array([0.5, -1.25], dtype=np.float32)
    result = gradcheck(f, grad, x, complex_step=False)
    # rtol is 128 ulps of float32 (the analytic gradient's own rounding; its noise is measured besides).
    assert result.rtol == pytest.approx(128 * EPS32)
    # The first pass takes 4 eps^(1/4) s_i and half that, s_i the size of x_i: |x_i|, raised where f is
    # too flat at that size, to at most max(1, |x_i|). For float32 that is 0.074 and 0.037 of s_i,
    # where float64 would take 4.9e-4 and 2.4e-4.
    half = 2 * EPS32 ** (1 / 4)
    assert np.all(result.step >= half * np.abs(x) * (1 - 1e-6))
    assert np.all(result.step <= half * np.maximum(np.abs(x), 1) * (1 + 1e-6))


def test_a_float32_output_sets_float32_precision_even_for_a_float64_x():
    result = gradcheck(lambda x: np.float32(np.sum(x**2)), lambda x: 2 * x, np.array([1.0, 2.0]))
    assert result.rtol == pytest.approx(128 * EPS32)


@settings(max_examples=40)
@given(problems())
def test_a_weight_gradient_one_millionth_off_fails_in_float64(problem: Problem) -> None:
    grad = gradient_in_theta(problem)
    loss = loss_in_theta(problem)
    g = grad(problem.theta)
    k = int(np.argmax(np.abs(g[:-1])))
    # The loss is a sum of n squares, rounded to about (n + 3) eps |loss|; over the smallest first
    # step (7.4e-4, a third halving of 3e-3) and Richardson's weights (at most 13.5) that is 5e-10
    # |loss| (n <= 12) in the numeric gradient, times SAFETY. A 1e-6 error must stand clear of it.
    assume(abs(g[k]) >= 1e-3 * max(loss(problem.theta), 1.0))

    def off(theta: np.ndarray) -> np.ndarray:
        out = grad(theta)
        out[k] *= 1 + 1e-6
        return out

    result = gradcheck(loss, off, problem.theta, raise_exception=False)
    assert result.failed == (f"x[{k}]",)


def test_the_complex_step_is_exact_to_rounding():
    f, grad, exact = sines(np.array([1.5, -2.0, 0.5]), np.array([1.0, 0.5, -2.0]))
    x = np.array([0.1, 2.0, -3.0])
    result = gradcheck(f, grad, x, complex_step=True)
    # No subtraction: each value is Im f(x + ih) / h, correct to a few ulps of the terms.
    np.testing.assert_allclose(result.numeric, exact(x), rtol=0, atol=8 * np.finfo(float).eps * 6)
    # f(x), six noise points, one complex step along their direction (f seen to be analytic),
    # then one per value.
    assert result.evaluations == 1 + 6 + 1 + x.size


def test_the_fast_check_costs_the_same_for_a_large_x():
    def f(x):
        return float(np.sum(np.cos(x) + x**2))

    def grad(x):
        return 2 * x - np.sin(x)

    rng = np.random.default_rng(1)
    calls = [gradcheck(f, grad, rng.normal(size=n), fast=True).evaluations for n in (10, 1000)]
    assert calls[0] == calls[1]
    # f(x), nine noise points less the centre, two directions of at most _MIN_STEPS + 2 differences each.
    assert calls[1] <= 1 + 8 + 2 * 2 * 6


def test_a_fast_check_that_fails_reruns_in_full_and_names_the_coordinate():
    def f(x):
        return float(np.sum(np.cos(x) + x**2))

    def grad(x):
        g = 2 * x - np.sin(x)
        g[37] += 1e-4 * abs(g[37])
        return g

    with pytest.raises(linreg.GradcheckError) as raised:
        gradcheck(f, grad, np.random.default_rng(2).normal(size=60), fast=True)
    result = raised.value.result
    assert result.what == "gradient"
    assert result.failed == ("x[37]",)
    assert result.note.startswith("A fast check came first: the derivative along random direction(s)")


def test_steps_shrink_below_a_domain_edge():
    # log x at x = 1e-3: the first steps (3e-3) cross 0, where log is NaN; smaller ones do not.
    x = np.array([1e-3, 2.0])
    result = gradcheck(lambda v: float(np.sum(np.log(v))), lambda v: 1 / v, x)
    assert result.passed
    assert result.step[0] < 1e-3


def test_a_badly_scaled_point_is_checked_to_the_same_relative_standard():
    # z_i = s_i x_i with s spanning six decades: each coordinate's steps follow its own scale.
    s = np.array([1e-3, 1.0, 1e3])
    f, grad, _ = sines(np.array([1.0, 2.0, 0.5]), np.array([1.0, -1.0, 2.0]))

    def fz(z):
        return 1e4 * f(z / s)

    def gz(z):
        return 1e4 * grad(z / s) / s

    z = np.array([0.7, -1.1, 2.3]) * s
    assert gradcheck(fz, gz, z).passed

    def off(z):
        out = gz(z)
        out[0] *= 1 + 1e-6
        return out

    assert gradcheck(fz, off, z, raise_exception=False).failed == ("x[0]",)


def test_noise_beyond_machine_epsilon_widens_the_allowance():
    # A small value computed from large terms carries the large terms' rounding: here 1 + x^2 - 1
    # in float32, quantised in steps of float32's eps. Its noise is measured, not assumed.
    def f(x):
        return np.sum(np.float32(1.0) + x * x) - np.float32(x.size)

    x = np.array([0.01, 0.02], dtype=np.float32)
    result = gradcheck(f, lambda v: 2 * v, x, complex_step=False)
    assert result.passed
    # The noise (about eps32 / 2 per value over steps of 1e-3 and below) dominates fd_error.
    assert np.all(result.fd_error > 10 * EPS32 * np.abs(f(x)) / result.step)


# ---------------------------------------------------------------- scales, kinks, noise, complex step
def test_a_one_millionth_error_on_a_coordinate_of_size_one_millionth_is_found_among_mixed_scales():
    # Coordinates from 1e-6 to 1e6 in one vector, each checked in units of its own size.
    s = np.array([1e-6, 1e-2, 1.0, 1e3, 1e6])
    f1, g1, _ = sines(np.array([1.0, 2.0, 0.5, 1.5, -1.0]), np.array([1.0, -1.0, 2.0, 0.5, 1.0]))

    def f(z):
        return 1e2 * f1(z / s)

    def grad(z):
        return 1e2 * g1(z / s) / s

    z = np.array([0.7, -1.1, 2.3, 0.4, -0.9]) * s
    for complex_step in (None, False):
        assert gradcheck(f, grad, z, complex_step=complex_step).passed

        def off(v, complex_step=complex_step):
            out = grad(v)
            out[0] *= 1 + 1e-6
            return out

        result = gradcheck(f, off, z, complex_step=complex_step, raise_exception=False)
        assert result.failed == ("x[0]",)


def kinked(c: np.ndarray):
    """sum |x - c| + sum x^2: a kink in each coordinate at c_i, not at 0."""

    def f(x):
        return float(np.sum(np.abs(x - c)) + np.sum(x**2))

    def grad(x):
        return np.sign(x - c) + 2 * x

    return f, grad


@pytest.mark.parametrize("distance", [1e-3, 1e-5, 1e-7])
def test_near_a_kink_a_right_gradient_passes_and_a_one_millionth_error_is_found(distance):
    c = np.array([0.7, -0.2])
    f, grad = kinked(c)
    x = c + np.array([distance, 0.5])
    assert gradcheck(f, grad, x).passed
    result = gradcheck(f, lambda v: grad(v) * [1 + 1e-6, 1.0], x, raise_exception=False)
    assert result.failed == ("x[0]",)


def test_at_a_kink_the_check_abstains_in_one_line_rather_than_fail():
    # At c itself, every step straddles the kink: the differences give the mean of the two slopes.
    c = np.array([0.7, -0.2])
    f, _ = kinked(c)

    def right_slope(x):
        return np.where(x - c >= 0, 1.0, -1.0) + 2 * x

    x = c + np.array([0.0, 0.5])
    with pytest.raises(linreg.NotSmoothEnough) as raised:
        gradcheck(f, right_slope, x)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("gradient check undecided: f is not smooth enough here to judge x[0]")
    assert isinstance(raised.value, ValueError) and not isinstance(raised.value, AssertionError)
    assert raised.value.result.verdict == "undecided"
    assert raised.value.result.undecided == ("x[0]",)


def test_the_complex_step_is_the_default_where_f_is_analytic_and_costs_n_plus_eight_calls():
    f, grad, _ = sines(np.array([1.5, -2.0, 0.5, 1.0]), np.array([1.0, 0.5, -2.0, 3.0]))
    x = np.array([0.1, 2.0, -3.0, 0.4])
    result = gradcheck(f, grad, x)
    assert result.method.startswith("complex step")
    # f(x), six noise points, the probe along their direction, then one per value.
    assert result.evaluations == 1 + 6 + 1 + x.size


def test_real_differences_cost_at_most_four_n_plus_ten_calls_on_a_smooth_f():
    for n in (1, 2, 7):
        rng = np.random.default_rng(n)
        f, grad, _ = sines(rng.uniform(-2, 2, n), rng.uniform(-2, 2, n))
        x = rng.normal(size=n)
        assert gradcheck(f, grad, x, complex_step=False).evaluations <= 4 * n + 10


def test_a_function_that_is_not_analytic_is_refused_for_the_complex_step_in_one_line():
    # abs returns a real number for a complex one: Im f(x + ih) / h misses its slope.
    def f(x):
        return np.sum(np.abs(x) * x)

    def grad(x):
        return 2 * np.abs(x)

    x = np.array([0.5, -1.5])
    with pytest.raises(ValueError) as raised:
        gradcheck(f, grad, x, complex_step=True)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("complex_step=True refused: f is not analytic near x:")
    # By default it is seen and real differences are used: a right gradient passes.
    result = gradcheck(f, grad, x)
    assert result.passed
    assert result.method.startswith("central differences")
    assert result.note.startswith("No complex step: f is not analytic near x")


def test_near_a_minimum_a_one_millionth_error_of_a_tiny_gradient_is_found():
    # Next to the minimum at c the gradient is about 1e-6; its floor comes from f's measured noise,
    # so no atol is needed, and the complex step reads it exactly.
    c = np.array([0.3, -1.2, 2.0])

    def f(x):
        d = x - c
        return d @ d / 2 + np.sum(d**4)

    def grad(x):
        d = x - c
        return d + 4 * d**3

    x = c + 1e-6 * np.array([1.0, -2.0, 0.5])
    result = gradcheck(f, grad, x)
    assert result.passed
    assert result.method.startswith("complex step")
    assert np.all(result.floor < 1e-14)
    off = gradcheck(f, lambda v: grad(v) * [1.0, 1 + 1e-6, 1.0], x, raise_exception=False)
    assert off.failed == ("x[1]",)


#: f = sum(x^3) where two terms cancel: f is exactly 0 at x although each term is about 0.19,
#: and f's noise along a probe direction measures 0. Found by Hypothesis in CI (a confident
#: failure of a right gradient, steps refined down to 1e-16 on rounding read off f's tiny values).
CANCELLING = np.array([float.fromhex("0x1.69ac2b1c8d22fp-2"), 0.0, -float.fromhex("0x1.69ac2b1c8d22fp-2")])


@pytest.mark.parametrize("point", [CANCELLING, np.array([0.0, 0.57574122, -0.57574122])])
def test_where_terms_cancel_a_right_gradient_passes_and_a_millionth_off_fails(point: np.ndarray) -> None:
    def f(x):
        return float(np.sum(x**3))

    assert gradcheck(f, lambda x: 3 * x**2, point, raise_exception=False).passed
    nonzero = int(np.flatnonzero(point)[0])
    wrong = np.where(np.arange(3) == nonzero, 1 + 1e-6, 1.0)
    off = gradcheck(f, lambda x: 3 * x**2 * wrong, point, raise_exception=False)
    assert off.failed == (f"x[{nonzero}]",)
