"""Section 4 of the article: predictions, R^2, the test scores and the loss curve."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sklearn.metrics
from checks import equals, rounds_to, same_figures, significant, that
from diabetes_steps import *  # noqa: F403  (shared steps register as fixtures in that namespace)
from diabetes_steps import DiabetesTraining, parse
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pytest_bdd import then, when
from tooling.binding import bind, titled
from tooling.implementation import Implementation, theta_of

import linreg

bind("section4_evaluation.feature", globals())


@when("the least-squares model's parameters predict the test rows", target_fixture="y_pred")
def _(impl: Implementation, split, diabetes_optimum):
    # Any parameters serve; these (numpy.linalg.lstsq's) need no training run.
    return impl.predict(split.X_test, diabetes_optimum.params)


@then(parse("the predictions form a column of shape ({rows:d}, 1)"))
def _(y_pred, rows):
    equals(np.shape(y_pred), (rows, 1), "shape")


@then("each prediction is its row's features weighted by w, plus b")
def _(split, diabetes_optimum, y_pred):
    w, b = diabetes_optimum.params["w"], diabetes_optimum.params["b"]
    by_row = np.array(
        [math.fsum([*(x * w_j for x, w_j in zip(row, w[:, 0], strict=True)), b]) for row in split.X_test]
    )
    got = np.asarray(y_pred, dtype=float).reshape(-1)
    # A different summation order changes only the last bits: |y| ~ 1e2, so 1e-9 is rounding.
    worst = int(np.argmax(np.abs(got - by_row))) if got.shape == by_row.shape else 0
    that(
        got.shape == by_row.shape and abs(got[worst] - by_row[worst]) <= 1e-9,
        expected=f"row {worst + 1} predicted as {by_row[worst]:.10g}",
        measured=f"{got[worst]:.10g}" if got.size > worst else f"{got.size} predictions",
    )


@when("the test targets are predicted exactly", target_fixture="r2")
def _(impl: Implementation, split):
    return impl.r2_score(split.y_test, split.y_test.copy())


@when("every test target is predicted by their mean", target_fixture="r2")
def _(impl: Implementation, split):
    return impl.r2_score(split.y_test, np.full_like(split.y_test, split.y_test.mean()))


@when(
    parse("every test target is predicted by their mean plus {k:d} standard deviations"), target_fixture="r2"
)
def _(impl: Implementation, split, k):
    y = split.y_test
    return impl.r2_score(y, np.full_like(y, y.mean() + k * y.std()))


@then("R^2 is exactly 1")
def _(r2):
    equals(r2, 1.0, "R^2")


@then(parse("R^2 is {value:Number} to {decimals:Places} decimals"))
def _(r2, value, decimals):
    # Predicting the mean leaves ss_res == ss_tot up to rounding of ~1e-16 relative.
    # Compared as numbers: an R^2 of -1e-17 would print as "-0.000..." and fail a text match.
    that(abs(r2 - value) <= 0.5 * 10.0**-decimals, expected=f"R^2 = {value:g}", measured=f"{r2:.3g}")


@then(parse("R^2 is {value:Number} to {figures:Places} significant figures"))
def _(r2, value, figures):
    # R^2 = -k^2 exactly in arithmetic; the cross term sum(y - mean) is ~1e-13 of the total,
    # so nine significant figures leave a margin of 1e4 over rounding.
    same_figures(r2, value, figures)


@then("its R^2 equals scikit-learn's r2_score to twelve decimals")
def _(impl: Implementation, split, y_pred):
    # The same formula evaluated by two libraries: any difference is rounding (~1e-16).
    ours = impl.r2_score(split.y_test, y_pred)
    theirs = float(sklearn.metrics.r2_score(split.y_test, np.asarray(y_pred, dtype=float).reshape(-1, 1)))
    that(abs(ours - theirs) < 5e-13, expected=f"scikit-learn's {theirs:.15g}", measured=f"{ours:.15g}")


@when(
    "the trained model's test predictions are scored by scikit-learn's explained variance",
    target_fixture="share",
)
def _(impl: Implementation, run):
    y_pred = np.asarray(impl.predict(run.split.X_test, run.gradient_descent.params), dtype=float)
    return float(sklearn.metrics.explained_variance_score(run.split.y_test, y_pred.reshape(-1, 1)))


@then(parse("the share explained is {value} to {decimals:Places} decimals"))
def _(share, value, decimals):
    # scikit-learn's explained variance of a reproducible run: exact far inside 5e-5.
    rounds_to(share, value, decimals)


@then(parse("that is {percent:d} % to one significant figure"))
def _(share, percent):
    equals(significant(100 * share, 1), significant(percent, 1), "percentage")


@then(parse("the largest is {ratio:Number} times the smallest to two significant figures"))
def _(eigenvalues, ratio):
    same_figures(eigenvalues[-1] / eigenvalues[0], ratio, 2)


@when(
    parse("we follow the loss above the least-squares optimum from epoch {start:Count} to epoch {end:Count}"),
    target_fixture="kept_fraction",
)
def _(run, start, end):
    return run.excess_loss(end) / run.excess_loss(start)


@then(parse("it keeps {kept} of itself to two decimals"))
def _(kept_fraction, kept):
    rounds_to(kept_fraction, kept, 2)


def excess_loss_by_modes(run, updates: int) -> float:
    """Loss above the optimum after ``updates`` steps from zero, one exponential per eigen-direction.

    With the oracle's H = V diag(lambda) V^T and c = V^T (theta_0 - theta*), the excess loss is
    sum_i lambda_i c_i^2 (1 - alpha lambda_i)^(2 k) / 2.
    """
    eigenvalues, V = np.linalg.eigh(linreg.hessian(run.split.X_train))
    c = V.T @ (0.0 - theta_of(run.optimum.params["w"], run.optimum.params["b"]))
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
    # The excess is >= 17 while the loss (~1e3) carries rounding of ~1e-13 and the loop tracks
    # the exact iteration to ~1e-8 in the parameters: 1e-6 relative is ample.
    that(
        measured == pytest.approx(predicted, rel=1e-6),
        expected=f"{predicted:.7g}",
        measured=f"{measured:.7g}",
    )


@then("no epoch's loss is higher than the one before")
def _(run):
    # Exact comparison: the claim is monotonicity, and at 0.01 every step lowers the loss by
    # far more than its rounding error.
    rises = np.flatnonzero(np.diff(run.loss_history) > 0)
    that(rises.size == 0, expected="no rise", measured=f"rises at epochs {(rises + 2).tolist()[:5]}")


@then(parse("the stable learning rate 2 / lambda_max is {bound} to five decimals"), target_fixture="bound")
def _(eigenvalues, bound):
    rate = 2.0 / float(eigenvalues[-1])
    rounds_to(rate, bound, 5)
    return rate


@then(parse("it is {times:d} times the article's {rate:Number} to the nearest whole number"))
def _(bound, times, rate):
    equals(round(bound / rate), times, "ratio")


@then("its loss grows until it leaves float64's range")
def _(training: DiabetesTraining):
    history = training.training.loss_history
    that(
        training.training.diverged,
        expected="a loss that overflows (or training stopping on it)",
        measured=f"a final loss of {history[-1]:.4g}" if history is not None else "no overflow",
    )


@then(parse("the least-squares optimum's training loss is {loss} to two decimals"))
def _(run, loss):
    rounds_to(run.optimum.train_loss, loss, 2)


@then(parse("the final loss is {percent} % above it to one decimal"))
def _(run, percent):
    rounds_to(100 * (run.loss_at(run.epochs) / run.optimum.train_loss - 1), percent, 1, " %")


@then(parse("the loss fell by {fall} from epoch {start:Count} to epoch {end:Count} to two decimals"))
def _(run, fall, start, end):
    rounds_to(run.loss_at(start) - run.loss_at(end), fall, 2)


@then(
    parse(
        "gradient descent's parameters are {d:d} from the least-squares optimum's to the nearest whole number"
    )
)
def _(run, d):
    equals(round(run.distance_to_optimum), d, "distance")


@then(parse("the length of its final gradient is {length} to two significant figures"))
def _(run, length):
    final = theta_of(run.final_grads["dw"], run.final_grads["db"])
    same_figures(float(np.linalg.norm(final)), float(length), 2)


@when(
    "the update is applied at learning rate 0.01 "
    "until the parameters are within one unit of the least-squares optimum's",
    target_fixture="epochs_needed",
)
def _(update, diabetes_optimum):
    # The distance to the optimum falls at every epoch (claim 3.5), so bisection finds the first
    # epoch within one unit: about 30 exact applications of the update, each of any length.
    optimum = theta_of(diabetes_optimum.params["w"], diabetes_optimum.params["b"])

    def within(epochs: int) -> bool:
        return bool(np.linalg.norm(update.descend(0.01, epochs) - optimum) < 1.0)

    low, high = 0, 1
    while not within(high):
        low, high = high, high * 2
        that(high <= 2**40, expected="an epoch within one unit", measured="none within 2^40 epochs")
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if within(middle) else (middle, high)
    return high


@then(parse("that takes {millions:Number} million epochs to three significant figures"))
def _(epochs_needed, millions):
    same_figures(epochs_needed / 1e6, millions, 3, " million")


# R^2 is 1 - ss_res / ss_tot with both sums non-negative, so it can never exceed 1.
moderate = st.floats(-1e3, 1e3, allow_subnormal=False)


@titled("claim-4.2: R^2 is never above 1, whatever the targets and predictions")
@getattr(pytest.mark, "claim-4.2")
@getattr(pytest.mark, "section-4")
@given(arrays(np.float64, st.integers(2, 30), elements=moderate), st.data())
def _(impl: Implementation, y_test, data):
    assume(np.ptp(y_test) > 1e-3)  # R^2 needs targets that are not all equal
    y_pred = data.draw(arrays(np.float64, y_test.shape, elements=moderate))
    r2 = impl.r2_score(y_test.reshape(-1, 1), y_pred.reshape(-1, 1))
    that(r2 <= 1.0, expected="R^2 of at most 1", measured=f"{r2!r}")
