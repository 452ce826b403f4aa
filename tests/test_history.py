"""The loss history: an 8-byte-an-epoch array, and its exact closed form for long runs.

linreg's own promises (no article claim): ``linear_train`` returns its history as a float64
array; ``linreg.analysis.gradient_descent_history`` computes the same history from the
eigen-expansion of the quadratic loss, in memory independent of anything but the history.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import linreg
from linreg.analysis import gradient_descent_history
from linreg.experiment import ArticleRun

TOY_X, TOY_Y = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.5]


def test_training_returns_its_history_as_a_float64_array():
    loss_his, _, _ = linreg.linear_train(TOY_X, TOY_Y, 0.3, 25)
    assert isinstance(loss_his, np.ndarray)
    assert (loss_his.shape, loss_his.dtype) == ((25,), np.float64)
    # The first entry is the all-zero model's loss: half the mean squared target.
    assert loss_his[0] == (1.0 + 9.0 + 30.25) / 6


def test_the_closed_form_history_is_the_article_runs_to_1e_10(article_run: ArticleRun):
    split = article_run.split
    history, params = gradient_descent_history(
        split.X_train, split.y_train, article_run.learning_rate, article_run.epochs
    )
    assert history.shape == article_run.loss_history.shape
    # The promise is 1e-10 relative in every entry (measured: ~5e-14, at epoch 1, where the
    # loss is 15,011 and the rounding of c = V^T theta* counts most; see docs/benchmarks.md).
    relative = np.abs(history - article_run.loss_history) / article_run.loss_history
    assert relative.max() <= 1e-10
    # The parameters are the closed form's: the loop tracks them to ~1e-8 (diabetes_steps).
    gap = linreg.flatten_params(params) - linreg.flatten_params(article_run.gradient_descent.params)
    assert np.abs(gap).max() <= 1e-6


@st.composite
def well_conditioned(draw, max_features: int = 4):
    """Centred X with condition number at most 100, and y linear in X plus noise."""
    d = draw(st.integers(1, max_features))
    n = draw(st.integers(d + 2, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.normal(draw(st.floats(-3, 3)), draw(st.floats(0.1, 10)), (n, d))
    y = X @ rng.normal(0, 10, (d, 1)) + draw(st.floats(-50, 50)) + rng.normal(0, 1, (n, 1))
    assume(np.linalg.cond(X - X.mean(axis=0)) <= 100)
    return X, y


@given(well_conditioned(), st.integers(1, 300), st.floats(0.05, 0.95))
def test_the_closed_form_history_is_the_loops(problem, epochs, fraction):
    X, y = problem
    rate = fraction * linreg.stable_learning_rate(X)
    loop, _, _ = linreg.linear_train(X, y, rate, epochs)
    closed, _ = gradient_descent_history(X, y, rate, epochs)
    # Below the bound every step is a contraction, so the loop's rounding grows to at most
    # ~epochs * eps * |theta - theta*| in the parameters (<= 300 * 2.2e-16 ~ 7e-14 of it),
    # which moves the loss by ~lambda_max |theta - theta*| times that. Scaled by the first
    # loss (the largest, at theta = 0) and lambda_max * |theta*|^2, 1e-9 leaves 1e4 margin.
    theta_star = linreg.flatten_params(linreg.least_squares(X, y))
    lambda_max = 2 / linreg.stable_learning_rate(X)
    scale = loop[0] + lambda_max * float(theta_star @ theta_star)
    assert np.abs(closed - loop).max() <= 1e-9 * scale


@given(well_conditioned(), st.integers(1, 120), st.integers(0, 2**32 - 1))
def test_a_history_from_a_start_is_training_on_shifted_targets(problem, epochs, seed):
    # From theta_0, gradient descent on y is gradient descent from zero on y - X w_0 - b_0,
    # with the same residuals and so the same losses: an independent check of start=.
    X, y = problem
    rng = np.random.default_rng(seed)
    start = {"w": rng.normal(0, 5, (X.shape[1], 1)), "b": float(rng.normal(0, 5))}
    rate = 0.5 * linreg.stable_learning_rate(X)
    shifted, _, _ = linreg.linear_train(X, y - X @ start["w"] - start["b"], rate, epochs)
    closed, _ = gradient_descent_history(X, y, rate, epochs, start=start)
    # As above, with |theta* - theta_0| for |theta*|.
    theta_star = linreg.flatten_params(linreg.least_squares(X, y)) - linreg.flatten_params(start)
    scale = shifted[0] + 2 / linreg.stable_learning_rate(X) * float(theta_star @ theta_star)
    assert np.abs(closed - shifted).max() <= 1e-9 * scale


def test_chunks_join_without_a_seam(monkeypatch):
    # The default table holds 2**17 powers: 4,000 epochs on 2 eigenvalues fit in one chunk.
    # A table of 16 entries makes chunks of 8 epochs; an off-by-one at a boundary would shift
    # every later entry by one epoch, a relative change of ~alpha * lambda (10 % here).
    whole, _ = gradient_descent_history(TOY_X, TOY_Y, 0.05, 4_000)
    monkeypatch.setattr("linreg.analysis._TABLE_ENTRIES", 16)
    chunked, _ = gradient_descent_history(TOY_X, TOY_Y, 0.05, 4_000)
    # Both are exp(m log|rho|) products of two factors, each rounded: a few ulps apart.
    np.testing.assert_allclose(chunked, whole, rtol=1e-13, atol=0)


@pytest.mark.parametrize("factor", [1.0, 1.5])
def test_the_history_at_or_above_the_bound_raises_training_diverged(factor):
    bound = linreg.stable_learning_rate(TOY_X)
    with pytest.raises(linreg.TrainingDiverged, match=r"stable bound") as error:
        gradient_descent_history(TOY_X, TOY_Y, factor * bound, 1_000)
    assert f"{bound:.6g}" in str(error.value)


def test_the_history_is_its_only_memory_that_grows_with_the_epochs():
    # A million epochs: 8 MB of history. Beyond it: the table of powers (2**17 entries, 1 MiB),
    # one chunk-long vector of row numbers (65,536 entries for 2 eigenvalues, 0.5 MiB) and the
    # SVD of a 3 x 2 matrix, so 2 MiB bounds the rest; one Python float per epoch (24 bytes)
    # or a second history-sized temporary (8 MB) would not fit.
    epochs = 1_000_000
    gradient_descent_history(TOY_X, TOY_Y, 0.05, 10)  # first-call allocations (LAPACK, imports)
    tracemalloc.start()
    try:
        history, _ = gradient_descent_history(TOY_X, TOY_Y, 0.05, epochs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert history.nbytes == 8 * epochs
    assert peak - history.nbytes <= 2 * 2**20
