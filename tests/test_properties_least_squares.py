"""linreg.least_squares against scikit-learn, and gradient descent against least squares."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression

import linreg

pytestmark = [getattr(pytest.mark, "claim-6.1"), getattr(pytest.mark, "section-6")]

# Well-conditioned problems: centred X with condition number at most 100. Backward-stable
# solvers then agree to ~cond * eps ~ 1e-14 relative; 1e-9 leaves five orders of margin
# for the intercept's reconstruction from the means.
MAX_CONDITION = 100.0
RTOL = 1e-9


@st.composite
def problems(draw, max_features: int = 6):
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


def sklearn_params(X, y) -> dict:
    model = LinearRegression().fit(X, y)
    return {"w": model.coef_.reshape(-1, 1), "b": float(model.intercept_[0])}


def theta(params) -> np.ndarray:
    return np.append(np.ravel(params["w"]), params["b"])


def test_least_squares_matches_sklearn_on_the_diabetes_split(diabetes_split):
    # The centred diabetes X has condition number ~230 (sqrt of the Hessian's ~52,000):
    # rounding ~230 * 2e-16 ~ 5e-14 relative, well inside RTOL.
    ours = linreg.least_squares(diabetes_split.X_train, diabetes_split.y_train)
    theirs = sklearn_params(diabetes_split.X_train, diabetes_split.y_train)
    np.testing.assert_allclose(theta(ours), theta(theirs), rtol=RTOL, atol=0)


@given(problems())
def test_least_squares_matches_sklearn_on_well_conditioned_problems(problem):
    X, y = problem
    ours, theirs = theta(linreg.least_squares(X, y)), theta(sklearn_params(X, y))
    # Relative to the parameter vector's size: a coefficient near 0 has no relative meaning.
    assert np.linalg.norm(ours - theirs) <= RTOL * np.linalg.norm(theirs) + 1e-12


@given(problems(max_features=4))
def test_gradient_descent_approaches_least_squares(problem):
    X, y = problem
    # Half the stable bound: every eigen-direction shrinks by |1 - alpha lambda| <= 1 - lambda/lambda_max.
    rate = linreg.stable_learning_rate(X) / 2
    eigenvalues = np.linalg.eigvalsh(linreg.hessian(X))
    # Epochs for the slowest direction to shrink by e^-25 ~ 1e-11 (capped to stay fast).
    epochs = int(min(25 / (rate * eigenvalues[0]), 5_000)) + 1
    assume(epochs <= 5_000)
    _, params, _ = linreg.linear_train(X, y, rate, epochs)
    optimum = theta(linreg.least_squares(X, y))
    assert np.linalg.norm(theta(params) - optimum) <= 1e-6 * (1 + np.linalg.norm(optimum))


@given(problems(max_features=4), st.integers(1, 300), st.floats(0.05, 0.95))
def test_closed_form_agrees_with_the_training_loop(problem, epochs, fraction):
    X, y = problem
    rate = fraction * linreg.stable_learning_rate(X)
    _, params, _ = linreg.linear_train(X, y, rate, epochs)
    closed = linreg.gradient_descent_closed_form(X, y, rate, epochs)
    scale = 1 + np.linalg.norm(theta(linreg.least_squares(X, y)))
    # Two evaluations of the same iteration: each step is stable (|1 - alpha lambda| < 1),
    # so rounding does not grow beyond ~epochs * eps * scale.
    assert np.linalg.norm(theta(params) - theta(closed)) <= 1e-9 * scale


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
    expected = theta(shifted) + theta(start)
    assert np.linalg.norm(theta(closed) - expected) <= 1e-9 * (1 + np.linalg.norm(expected))


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
    closed = linreg.gradient_descent_closed_form(split.X_train, split.y_train, 0.01, article_run.epochs)
    # 200,000 stable steps of rounding on parameters of size ~1e3: ~1e-8 absolute.
    assert np.linalg.norm(theta(closed) - theta(article_run.gradient_descent.params)) < 1e-6
