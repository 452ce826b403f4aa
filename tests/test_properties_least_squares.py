"""linreg.least_squares against scikit-learn and exact arithmetic, and gradient descent's closed
form against its loop.

On generated problems. On the article's diabetes split, least squares = scikit-learn is claim
5.4's scenario, and gradient descent reaching least squares is claim 6.1's (through the closed
form these properties tie to the training loop).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import linreg
from linreg import flatten_params
from linreg.experiment import Split, fit_sklearn

MAX_CONDITION = 100.0


@st.composite
def problems(draw, max_features: int = 6):
    """Well-conditioned problems: centred X with condition number at most 100."""
    d = draw(st.integers(1, max_features))
    n = draw(st.integers(d + 2, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.normal(0, draw(st.floats(0.1, 10)), (n, d))
    w = rng.normal(0, 10, (d, 1))
    y = X @ w + draw(st.floats(-50, 50)) + rng.normal(0, draw(st.floats(0, 5)), (n, 1))
    centred = X - X.mean(axis=0)
    assume(np.linalg.cond(centred) <= MAX_CONDITION)
    return X, y


@given(problems())
def test_least_squares_matches_sklearn_on_well_conditioned_problems(problem):
    X, y = problem
    ours = flatten_params(linreg.least_squares(X, y))
    # fit_sklearn scores on the split's test rows too; the training rows serve, nothing is read from them.
    theirs = flatten_params(fit_sklearn(Split(X, y, X, y)).params)
    # Two backward-stable solvers of the same problem differ by the least-squares perturbation
    # bound, eps * cond * (||theta|| + cond * ||r|| / sigma_max) <= eps * cond * (||theta|| +
    # ||r|| / sigma_min) for the residual r and the centred X's singular values. The second term
    # is why a relative tolerance alone is not enough: when the fit is mostly noise, theta is
    # small and its rounding error is not. With cond <= 100, eps * cond ~ 2e-14; 1e-9 leaves
    # four orders of margin for the intercept's reconstruction from the means.
    centred = X - X.mean(axis=0)
    residual = y - X @ theirs[:-1, None] - theirs[-1]
    sigma_min = np.linalg.svd(centred, compute_uv=False)[-1]
    scale = np.linalg.norm(theirs) + np.linalg.norm(residual) / sigma_min
    assert np.linalg.norm(ours - theirs) <= 1e-9 * scale


@given(problems(max_features=4), st.integers(1, 300), st.floats(0.05, 0.95))
def test_closed_form_agrees_with_the_training_loop(problem, epochs, fraction):
    X, y = problem
    rate = fraction * linreg.stable_learning_rate(X)
    _, params, _ = linreg.linear_train(X, y, rate, epochs)
    closed = linreg.gradient_descent_closed_form(X, y, rate, epochs)
    scale = 1 + np.linalg.norm(flatten_params(linreg.least_squares(X, y)))
    # Two evaluations of the same iteration: each step is stable (|1 - alpha lambda| < 1),
    # so rounding does not grow beyond ~epochs * eps * scale.
    assert np.linalg.norm(flatten_params(params) - flatten_params(closed)) <= 1e-9 * scale


@given(problems(max_features=4), st.integers(1, 300), st.integers(0, 2**32 - 1))
def test_closed_form_from_a_start_is_training_on_shifted_targets(problem, epochs, seed):
    # Gradient descent from theta_0 on y equals theta_0 plus gradient descent from zero
    # on y - X w_0 - b_0 (the residual only depends on theta - theta_0): an independent
    # check of gradient_descent_closed_form's start=.
    X, y = problem
    rng = np.random.default_rng(seed)
    start = {"w": rng.normal(0, 10, (X.shape[1], 1)), "b": float(rng.normal(0, 10))}
    rate = 0.5 * linreg.stable_learning_rate(X)
    _, shifted, _ = linreg.linear_train(X, y - X @ start["w"] - start["b"], rate, epochs)
    closed = linreg.gradient_descent_closed_form(X, y, rate, epochs, start=start)
    expected = flatten_params(shifted) + flatten_params(start)
    assert np.linalg.norm(flatten_params(closed) - expected) <= 1e-9 * (1 + np.linalg.norm(expected))


def test_closed_form_start_is_checked(diabetes_split):
    with pytest.raises(TypeError, match="start"):
        linreg.gradient_descent_closed_form(
            diabetes_split.X_train, diabetes_split.y_train, 0.01, 10, start=[0]
        )
    with pytest.raises(ValueError, match=r"start\['w'\]"):
        linreg.gradient_descent_closed_form(
            diabetes_split.X_train, diabetes_split.y_train, 0.01, 10, start={"w": np.zeros(3), "b": 0.0}
        )


def test_closed_form_agrees_with_the_article_run(article_run):
    split = article_run.split
    closed = linreg.gradient_descent_closed_form(
        split.X_train, split.y_train, article_run.learning_rate, article_run.epochs
    )
    # 200,000 stable steps of rounding on parameters of size ~1e3: ~1e-8 absolute.
    assert np.linalg.norm(flatten_params(closed) - flatten_params(article_run.gradient_descent.params)) < 1e-6


# ---------------------------------------------------------------- any column scaling
# An unscaled SVD takes a column far smaller than another for numerically zero: columns of
# sizes 3e7 and 3e-8 lost the second's weight (9.0e7 came out as 5.8e-9, the loss 2.96 where
# the optimum's is 2.1e-5). The oracle here is exact: rational arithmetic on the float data.


def exact_least_squares(X: np.ndarray, y: np.ndarray) -> tuple[list[Fraction], Fraction, Fraction]:
    """The least-squares weights, intercept and loss of the float data, in exact arithmetic.

    Centred normal equations solved by Gaussian elimination over the rationals (X's centred
    columns must be independent). Returns (w, b, the article's loss at them).
    """
    n, d = X.shape
    rows = [[Fraction(float(v)) for v in row] for row in X]
    targets = [Fraction(float(v)) for v in np.ravel(y)]
    x_mean = [sum(row[j] for row in rows) / n for j in range(d)]
    y_mean = sum(targets) / n
    centred = [[row[j] - x_mean[j] for j in range(d)] for row in rows]
    c = [t - y_mean for t in targets]
    A = [[sum(r[j] * r[k] for r in centred) for k in range(d)] for j in range(d)]
    rhs = [sum(r[j] * ci for r, ci in zip(centred, c, strict=True)) for j in range(d)]
    for col in range(d):  # Gaussian elimination with a non-zero pivot
        pivot = next(i for i in range(col, d) if A[i][col] != 0)
        A[col], A[pivot], rhs[col], rhs[pivot] = A[pivot], A[col], rhs[pivot], rhs[col]
        for i in range(d):
            if i != col and A[i][col] != 0:
                factor = A[i][col] / A[col][col]
                A[i] = [a - factor * p for a, p in zip(A[i], A[col], strict=True)]
                rhs[i] -= factor * rhs[col]
    w = [rhs[j] / A[j][j] for j in range(d)]
    b = y_mean - sum(m * wj for m, wj in zip(x_mean, w, strict=True))
    residuals = [
        sum(r * wj for r, wj in zip(row, w, strict=True)) + b - t
        for row, t in zip(rows, targets, strict=True)
    ]
    return w, b, sum(r * r for r in residuals) / (2 * n)


def assert_exact_up_to_conditioning(X: np.ndarray, y: np.ndarray) -> dict:
    """least_squares(X, y) against the exact answer, within the perturbation bound of the
    problem with its centred columns scaled to unit length; returns the params."""
    params = linreg.least_squares(X, y)
    w_exact, b_exact, _ = exact_least_squares(X, y)
    n, d = X.shape
    # Centred exactly, then rounded: X's own mean can overflow float64 near its limit.
    exact_mean = [sum(Fraction(float(v)) for v in X[:, j]) / n for j in range(d)]
    mean = np.array([float(m) for m in exact_mean])
    centred = np.array(
        [[float(Fraction(float(v)) - m) for v, m in zip(row, exact_mean, strict=True)] for row in X]
    )
    top = np.max(np.abs(centred), axis=0)
    spread = top * np.linalg.norm(centred / top, axis=0)  # a column's length: its weight's unit
    A = centred / spread
    sigma = np.linalg.svd(A, compute_uv=False)
    kappa = sigma[0] / sigma[-1]
    # In those units v = w * spread. A backward-stable solver of min |A v - c| errs by at most
    # about eps_n kappa (2 |v| + kappa |r| / sigma_max) (Golub and Van Loan, 5.3.7), eps_n =
    # 10 n eps for the rounding of the centring and the SVD; the exact scaling back by powers
    # of two adds nothing. A solver that drops a small column errs by |v_j| itself.
    v_exact = np.array([float(wj) for wj in w_exact]) * spread
    c = np.ravel(y) - np.ravel(y).mean()
    residual = c - A @ v_exact
    eps_n = 10 * n * np.finfo(np.float64).eps
    bound = eps_n * kappa * (2 * np.linalg.norm(v_exact) + kappa * np.linalg.norm(residual) / sigma[0])
    v = params["w"][:, 0] * spread
    assert np.linalg.norm(v - v_exact) <= bound, (v, v_exact, bound)
    # b = mean(y) - mean(X) @ w: the weights' error times the means, in the same units, plus
    # the rounding of the means themselves.
    b_scale = abs(float(b_exact)) + float(np.abs(mean / spread) @ np.abs(v_exact)) + float(np.max(np.abs(y)))
    b_bound = float(np.linalg.norm(mean / spread)) * bound + eps_n * b_scale
    assert abs(params["b"] - float(b_exact)) <= b_bound, (params["b"], float(b_exact), b_bound)
    return params


# Sixteen rows: lstsq's cut-off for "numerically zero" is 16 eps = 3.6e-15 of the largest
# singular value, and the second column's is 1.1e-15 of the first's in the first example.
PATTERN = np.tile([3.0, -1.0, 4.0, 1.0, -5.0, 9.0, 2.0, -6.0], 2)
RAMP = np.arange(16.0)
NOISE = 1e-3 * np.tile([1.0, -2.0, 3.0, -1.0, 2.0, -3.0, 1.0, -1.0], 2)


def test_columns_fifteen_orders_of_magnitude_apart_are_both_fitted():
    # Columns of sizes 3e7 and 3e-8; y = 2e-7 x1 + 9e7 x2 + 0.5 plus noise of 1e-3.
    X = np.column_stack([3e7 * RAMP, 3e-8 * PATTERN])
    y = 2e-7 * X[:, 0] + 9e7 * X[:, 1] + 0.5 + NOISE
    params = assert_exact_up_to_conditioning(X, y)
    _, loss_exact = exact_least_squares(X, y)[1:]
    assert params["w"][1, 0] == pytest.approx(9e7, rel=1e-2)  # the weight an unscaled solver drops
    # The loss at the optimum is the noise's (1.8e-6), far below that of a fit that drops x2.
    # Near the optimum the loss rises quadratically in the error: 1e-9 relative is ample.
    _, loss, _, _ = linreg.linear_loss(X, y, params["w"], params["b"])
    assert loss == pytest.approx(float(loss_exact), rel=1e-9)


def test_a_column_near_float64s_limit_beside_an_ordinary_one_is_fitted():
    # One column at 5e307 to 5.7e307, one of ordinary size; y = 2.5e-307 x1 + 0.633 x2 + 0.953.
    X = np.column_stack([5e307 + 1e306 * RAMP, PATTERN])
    y = 2.5e-307 * X[:, 0] + 0.633 * X[:, 1] + 0.953 + NOISE
    params = assert_exact_up_to_conditioning(X, y)
    assert params["w"][1, 0] == pytest.approx(0.633, rel=1e-2)
    _, loss_exact = exact_least_squares(X, y)[1:]
    _, loss, _, _ = linreg.linear_loss(X, y, params["w"], params["b"])
    assert loss == pytest.approx(float(loss_exact), rel=1e-9)


@given(
    st.integers(1, 3).flatmap(
        lambda d: st.tuples(
            st.integers(d + 2, 10),
            st.lists(st.integers(-990, 990), min_size=d, max_size=d),
        )
    ),
    st.integers(-20, 20),
    st.integers(0, 2**32 - 1),
)
def test_least_squares_is_right_at_any_column_scaling(shape, y_exponent, seed):
    # A well-conditioned problem whose columns are then scaled by powers of two from 2^-990
    # to 2^990 (exactly): the answer, judged in each column's own units, is as accurate as
    # the problem's shape allows, whatever the sizes.
    n, exponents = shape
    d = len(exponents)
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, d)) + rng.uniform(-3, 3, size=d)  # means within 3 spreads
    centred = base - base.mean(axis=0)
    assume(np.linalg.cond(centred / np.linalg.norm(centred, axis=0)) <= MAX_CONDITION)
    y = base @ rng.normal(size=d) + rng.normal() + rng.normal(0, rng.choice([0.0, 1e-3, 1.0]), n)
    X = np.ldexp(base, np.array(exponents))
    assert_exact_up_to_conditioning(X, np.ldexp(y, y_exponent))


def test_collinear_columns_of_different_sizes_get_the_smallest_weights():
    # x and 2x explain y = 3x + 1 with any w1 + 2 w2 = 3; the smallest such w is (3/5, 6/5).
    # Scaled by powers of two, the two columns look alike; the answer must not depend on it.
    x = np.arange(4.0)
    params = linreg.least_squares(np.column_stack([x, 2 * x]), 3 * x + 1)
    np.testing.assert_allclose(params["w"][:, 0], [0.6, 1.2], rtol=1e-14)
    assert params["b"] == pytest.approx(1.0, abs=1e-14)
