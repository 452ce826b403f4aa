"""linreg.least_squares against scikit-learn, and gradient descent's closed form against its loop.

On generated problems. On the article's diabetes split, least squares = scikit-learn is claim
5.4's scenario, and gradient descent reaching least squares is claim 6.1's (through the closed
form these properties tie to the training loop).
"""

from __future__ import annotations

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
