"""Section 4 of the article: predictions, R^2, the test scores and the loss curve."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics
from diabetes_steps import *  # noqa: F403  (shared steps register as fixtures in that namespace)
from diabetes_steps import parse, to_decimals
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pytest_bdd import scenarios, then, when

import linreg

scenarios("section4_evaluation.feature")


def significant(value: float, figures: int) -> str:
    return f"{value:.{figures}g}"


@when("the trained model predicts the test rows", target_fixture="y_pred")
def _(run):
    return linreg.predict(run.split.X_test, run.gradient_descent.params)


@then(parse("the predictions form a column of shape ({rows:d}, 1)"))
def _(y_pred, rows):
    assert y_pred.shape == (rows, 1)


@then("each prediction is its row's features weighted by w, plus b")
def _(run, y_pred):
    w, b = run.gradient_descent.params["w"], run.gradient_descent.params["b"]
    by_row = [sum(x_j * w_j for x_j, w_j in zip(row, w[:, 0], strict=True)) + b for row in run.split.X_test]
    # A different summation order changes only the last bits: |y| ~ 1e2, so 1e-9 is rounding.
    np.testing.assert_allclose(y_pred[:, 0], by_row, rtol=0, atol=1e-9)


@when("the test targets are predicted exactly", target_fixture="r2")
def _(split):
    return linreg.r2_score(split.y_test, split.y_test.copy())


@when("every test target is predicted by their mean", target_fixture="r2")
def _(split):
    return linreg.r2_score(split.y_test, np.full_like(split.y_test, split.y_test.mean()))


@when(
    parse("every test target is predicted by their mean plus {k:d} standard deviations"), target_fixture="r2"
)
def _(split, k):
    y = split.y_test
    return linreg.r2_score(y, np.full_like(y, y.mean() + k * y.std()))


@then("R^2 is exactly 1")
def _(r2):
    assert r2 == 1.0


@then(parse("R^2 is {value:Number} to {decimals:Places} decimals"))
def _(r2, value, decimals):
    # Predicting the mean leaves ss_res == ss_tot up to rounding of ~1e-16 relative.
    # Compared as numbers: an R^2 of -1e-17 would print as "-0.000..." and fail a text match.
    assert abs(r2 - value) <= 0.5 * 10.0**-decimals


@then(parse("R^2 is {value:Number} to {figures:Places} significant figures"))
def _(r2, value, figures):
    # R^2 = -k^2 exactly in arithmetic; the cross term sum(y - mean) is ~1e-13 of
    # the total, so nine significant figures leave a margin of 1e4 over rounding.
    assert significant(r2, figures) == significant(value, figures)


@then("its R^2 equals scikit-learn's r2_score to twelve decimals")
def _(run, y_pred):
    # The same formula evaluated by two libraries: any difference is rounding (~1e-16).
    ours = linreg.r2_score(run.split.y_test, y_pred)
    assert abs(ours - sklearn.metrics.r2_score(run.split.y_test, y_pred)) < 5e-13


@when(
    "the test mean squared error is set against the test targets' variance about their mean",
    target_fixture="share",
)
def _(run):
    return 1 - run.gradient_descent.test_mse / np.var(run.split.y_test)


@then(parse("the share of variance explained is {value} to two decimals"))
def _(share, value):
    assert to_decimals(share, 2) == value


@then(parse("the largest is {ratio:Number} times the smallest to two significant figures"))
def _(eigenvalues, ratio):
    assert significant(eigenvalues[-1] / eigenvalues[0], 2) == significant(ratio, 2)


@when(
    parse("we follow the loss above the least-squares optimum from epoch {start:Count} to epoch {end:Count}"),
    target_fixture="kept_fraction",
)
def _(run, start, end):
    return run.excess_loss(end) / run.excess_loss(start)


@then(parse("it keeps {kept} of itself to two decimals"))
def _(kept_fraction, kept):
    assert to_decimals(kept_fraction, 2) == kept


def excess_loss_by_modes(run, updates: int) -> float:
    """Loss above the optimum after ``updates`` steps from zero, one exponential per eigen-direction.

    With H = V diag(lambda) V^T and c = V^T (theta_0 - theta*), the excess loss is
    sum_i lambda_i c_i^2 (1 - alpha lambda_i)^(2 k) / 2.
    """
    eigenvalues, V = np.linalg.eigh(linreg.hessian(run.split.X_train))
    c = V.T @ (0.0 - linreg.flatten_params(run.optimum.params))
    return float(np.sum(eigenvalues * c**2 * (1 - run.learning_rate * eigenvalues) ** (2 * updates)) / 2)


@when(
    parse("we predict the loss above the optimum at epoch {epoch:Count} from the Hessian's eigen-directions"),
    target_fixture="excess",
)
def _(run, epoch):
    # The loss recorded at epoch k is measured after k - 1 updates.
    return excess_loss_by_modes(run, epoch - 1), run.excess_loss(epoch)


@then("the prediction matches the measured loss above the optimum to six significant figures")
def _(excess):
    predicted, measured = excess
    # The excess is >= 17 while the loss (~1e3) carries rounding of ~1e-13 and the
    # loop tracks the closed form to ~1e-8 in the parameters: 1e-6 relative is ample.
    assert predicted == pytest.approx(measured, rel=1e-6)


@then("no epoch's loss is higher than the one before")
def _(run):
    # Exact comparison: the claim is monotonicity, and at 0.01 every step lowers
    # the loss by far more than its rounding error.
    assert np.all(np.diff(run.loss_history) <= 0)


@then(parse("the stable learning rate 2 / lambda_max is {bound} to five decimals"), target_fixture="bound")
def _(split, bound):
    rate = linreg.stable_learning_rate(split.X_train)
    assert to_decimals(rate, 5) == bound
    return rate


@then(parse("it is {times:d} times the article's {rate:Number} to the nearest whole number"))
def _(bound, times, rate):
    assert round(bound / rate) == times


@then(parse("training stops with a divergence error naming the stable bound {bound}"))
def _(training, bound):
    assert isinstance(training.error, linreg.TrainingDiverged)
    assert bound in str(training.error)


@then(parse("the least-squares optimum's training loss is {loss} to two decimals"))
def _(run, loss):
    assert to_decimals(run.optimum.train_loss, 2) == loss


@then(parse("the final loss is {percent} % above it to one decimal"))
def _(run, percent):
    assert to_decimals(100 * (run.loss_at(run.epochs) / run.optimum.train_loss - 1), 1) == percent


@then(parse("the loss fell by {fall} from epoch {start:Count} to epoch {end:Count} to two decimals"))
def _(run, fall, start, end):
    assert to_decimals(run.loss_at(start) - run.loss_at(end), 2) == fall


@then(
    parse(
        "gradient descent's parameters are {d:d} from the least-squares optimum's to the nearest whole number"
    )
)
def _(run, d):
    assert round(run.distance_to_optimum) == d


@then(parse("the length of its final gradient is {length} to two significant figures"))
def _(run, length):
    final = linreg.flatten_params({"w": run.final_grads["dw"], "b": run.final_grads["db"]})
    assert significant(np.linalg.norm(final), 2) == length


# R^2 is 1 - ss_res / ss_tot with both sums non-negative, so it can never exceed 1.
moderate = st.floats(-1e3, 1e3, allow_subnormal=False)


@getattr(pytest.mark, "claim-4.2")
@getattr(pytest.mark, "section-4")
@given(arrays(np.float64, st.integers(2, 30), elements=moderate), st.data())
def test_r2_never_exceeds_one(y_test, data):
    assume(np.ptp(y_test) > 1e-3)  # R^2 needs targets that are not all equal
    y_pred = data.draw(arrays(np.float64, y_test.shape, elements=moderate))
    assert linreg.r2_score(y_test, y_pred) <= 1.0
